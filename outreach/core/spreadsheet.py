"""Cells safe to open in a spreadsheet: text that could run as a formula is defused.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can
run as a formula in Excel, LibreOffice or Google Sheets; it gets a leading ``'`` so that
it shows as text (OWASP, "CSV Injection"). Every CSV the project writes from data it did
not make itself (API exports, ``outreach link`` and ``outreach dedupe`` output, their
rejected rows) passes its text cells through ``neutralize``.
"""

from __future__ import annotations

from typing import Final

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """The text, with a leading ``'`` if a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
