"""Cell addresses as Excel shows them: 0-based (row, col) <-> 'A1', and quoted sheet names.

Pure string arithmetic shared by the form, the reader, the writers and the checks.
"""

from __future__ import annotations

import re


def col_letter(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int, absolute: bool = False) -> str:
    """(0, 0) -> 'A1' (or '$A$1')."""
    if absolute:
        return f"${col_letter(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


_PLAIN_A1 = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def parse_a1(ref: str) -> tuple[int, int]:
    """'B12' -> (11, 1).  Raises ValueError for anything else."""
    ref = ref.replace("$", "").upper()
    plain = _PLAIN_A1.fullmatch(ref)
    if plain:  # what every writer stores; the same result as the general path below, faster
        letters, digits = plain.groups()
        col = 0
        for ch in letters:
            col = col * 26 + (ord(ch) - 64)
        return int(digits) - 1, col - 1
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = ref[len(letters) :]
    if not letters or not digits.isdigit() or letters + digits != ref:
        raise ValueError(f"not an A1 reference: {ref!r}")
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    return int(digits) - 1, col - 1


def quote_sheet(name: str) -> str:
    """Sheet name as it must appear in a formula reference."""
    return "'" + name.replace("'", "''") + "'"
