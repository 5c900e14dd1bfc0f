"""Text bound for a spreadsheet (CSV or Excel) is defused: a cell starting with = + - @ (or a tab or carriage
return, which some programs skip before looking) is read as a formula by Excel and LibreOffice, and a tender
title like =HYPERLINK("http://…") would run on the desk of whoever opens the download."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """The value for a spreadsheet cell: None as empty, text that could start a formula behind a single quote
    (shown as text, as Excel itself does), numbers and dates unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
