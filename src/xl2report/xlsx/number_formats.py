"""Which number formats show a date or time, so a date typed into a cell reads as a date.

Used by the single-pass reader for every cell style (``xl/styles.xml``'s ``cellXfs``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Built-in number formats that display dates or times: the international ones (14–22, 45–47)
# and those Chinese-locale Excel/WPS use for 2024年1月5日, 1月5日, 上午/下午… (27–36, 50–58).
DATE_FORMAT_IDS = frozenset([*range(14, 23), 45, 46, 47, *range(27, 37), *range(50, 59)])
_FORMAT_LITERALS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_TOKENS = re.compile(r"(?<![_\\])[dmhysDMHYS]")


def shows_date(fmt_id: str, custom: Mapping[str, str]) -> bool:
    """Whether the format ``fmt_id`` (a custom code from ``custom``, else a built-in) is a date."""
    if fmt_id in custom:
        return is_date_format(custom[fmt_id])
    return fmt_id.isdigit() and int(fmt_id) in DATE_FORMAT_IDS


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (the first section decides)."""
    code = _FORMAT_LITERALS.sub("", code.split(";")[0])
    return _DATE_TOKENS.search(code) is not None
