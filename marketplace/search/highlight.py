"""Highlighting for backends that do not do it themselves: escaped text with the query's words in <mark>."""

import re

from markupsafe import escape

CONTEXT = 40


def mark(text: str, words: list[str], *, fragment: bool = False) -> str | None:
    """`text` as safe HTML with every occurrence of the words marked, or None when no word occurs. With
    `fragment`, only the stretch around the first occurrence (a snippet)."""
    if not text or not words:
        return None
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return None
    if fragment:
        start, end = max(0, first.start() - CONTEXT), min(len(text), first.end() + 4 * CONTEXT)
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last:match.start()])))
        out.append(f'<mark class="hl">{escape(match.group(0))}</mark>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return "".join(out)
