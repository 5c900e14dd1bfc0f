"""Showing personal data without giving it away: masked phone and ID numbers for pages and mail."""

import re

_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")
# Area codes: 010 and 02x have three digits, every other one four (0755, 0571 …).
_LANDLINE = re.compile(r"^(0[12]\d|0[3-9]\d{2})-?(\d{7,8})(-\d{1,6})?$")


def mask_phone(phone: str | None) -> str:
    """138****1234 for a mobile, 010-****1234 for a landline: enough to recognise, not to dial."""
    if not phone:
        return ""
    compact = re.sub(r"^\((0\d{2,3})\)", r"\1-", re.sub(r"\s", "", phone))
    if mobile := _MOBILE.match(compact.replace("-", "")):
        digits = mobile.group(1)
        return f"{digits[:3]}****{digits[-4:]}"
    if landline := _LANDLINE.match(compact):
        area, number, extension = landline.groups()
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}{extension or ''}"
    digits = re.sub(r"\D", "", compact)
    return "*" * max(len(digits) - 4, 4) + digits[-4:]


def mask_id_number(number: str | None) -> str:
    """Resident ID numbers keep the 6-digit region code and the last 4 characters: 110105********1234."""
    if not number:
        return ""
    number = number.strip().upper()
    if len(number) in (15, 18):
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return "*" * max(len(number) - 4, 4) + number[-4:]


def normalize_phone(raw: str) -> str:
    """A Chinese mobile (13812341234) or landline (010-65001234, 0755-12345678-123) in one spelling.

    ValueError when it is neither; the caller words the message.
    """
    compact = re.sub(r"^\((0\d{2,3})\)", r"\1-", re.sub(r"\s", "", raw or ""))
    mobile = _MOBILE.match(compact.replace("-", ""))
    if mobile and mobile.group(1)[1] in "3456789":
        return mobile.group(1)
    landline = _LANDLINE.match(compact)
    if landline and landline.group(2)[0] != "0":
        area, number, extension = landline.groups()
        return f"{area}-{number}{extension or ''}"
    raise ValueError(raw)
