"""Joining phrases in the reader's language: Chinese writes 甲、乙 and 问题一；问题二, English "a, b" and "a; b"."""

from collections.abc import Iterable

from flask_babel import gettext as _


def join_items(items: Iterable[str]) -> str:
    return _("、").join(items)


def join_clauses(items: Iterable[str]) -> str:
    return _("；").join(items)
