"""Numbers as Chinese prose writes them, turned into plain digits.

Real reports write "１２件" (full-width), "1,234件" (thousands separators) and "十三件", "二十一件",
"一百零五件" (Chinese numerals).  :func:`normalize_numbers` rewrites all three into ASCII digits so
one regular expression can read the statements.  Chinese numerals are converted only before a
counting unit, so "一是"、"三安全一稳定" stay as they are.  Callers quote the original text, never
the normalized one.
"""

from __future__ import annotations

import re

_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
# "1,234" / "12,345,678": a comma between digits followed by exactly three digits.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # not "，": that ends a clause
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_SCALES = {"十": 10, "百": 100, "千": 1000}
# Chinese numerals are converted only before a counting unit (件/起/宗/项/个/份/条/人次).
COUNT_UNITS = "件起宗项个份条"
_CHINESE = re.compile(
    r"([零〇一二两三四五六七八九十百千万]+)(?=\s*(?:[" + COUNT_UNITS + r"]|人次))"
)


def chinese_to_int(text: str) -> int | None:
    """ "十三" -> 13, "二十一" -> 21, "一百零五" -> 105, "两千" -> 2000, "三万五千" -> 35000.

    None for what is not a well-formed numeral (e.g. "十十").
    """
    total, section, digit, last_scale = 0, 0, None, 10**9
    for ch in text:
        if ch in "零〇" and digit is None and (section or total):  # 一百零五: 零 marks a gap
            continue
        if ch in _DIGITS:
            if digit is not None:  # "一二" is not a number
                return None
            digit = _DIGITS[ch]
        elif ch in _SCALES:
            scale = _SCALES[ch]
            n = 1 if digit is None and section == 0 else digit  # "十三": the 一 is implied
            if not n or scale >= last_scale:  # "十十", "百十百"
                return None
            section += n * scale
            digit, last_scale = None, scale
        elif ch == "万":
            section += digit or 0
            if section == 0:
                return None
            total += section * 10000
            section, digit, last_scale = 0, None, 10**9
        else:
            return None
    return total + section + (digit or 0)


def normalize_numbers(text: str) -> str:
    """Full-width digits, thousands separators and Chinese numerals (before a unit) -> ASCII."""
    text = _THOUSANDS.sub("", text.translate(_FULLWIDTH))

    def convert(m: re.Match[str]) -> str:
        n = chinese_to_int(m.group(1))
        return m.group(1) if n is None else str(n)

    return _CHINESE.sub(convert, text)
