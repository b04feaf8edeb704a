"""What a one-line name may hold: the 机关名称, a contact, an email address, an alias.

Such names travel into file names, mail headers (subjects, display names, attachment names),
ledger keys and web pages, so each must be one line of visible text.  Not allowed in them:

- control characters (C0 and C1: NUL, tab, line feed, carriage return, U+0085 …);
- line and paragraph separators (U+2028, U+2029);
- format characters: the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069)
  that make ``a‮gnp.xlsx`` look like ``axlsx.png``, zero-width characters, the soft hyphen, the
  byte-order mark;
- surrogates (half an emoji) and noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF).

Private-use characters stay allowed: Chinese fonts map rare characters of names there.  The one
place these rules are written; the roster, the checks, mail and the board all ask here.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_SPACES = re.compile(r"\s+")


def _is_noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def is_hidden(ch: str) -> bool:
    """Whether ``ch`` may not stand in a one-line name (see the module docstring)."""
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES or _is_noncharacter(ch)


def hidden_characters(text: str) -> list[str]:
    """The characters of ``text`` a one-line name may not hold, each once, in order."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in seen and (ch in _LINE_BREAKS or is_hidden(ch)):
            seen[ch] = None
    return list(seen)


def _kind(ch: str) -> tuple[str, str]:
    """(kind of hidden character, how a message names one of them)."""
    if ch in _LINE_BREAKS:
        return "换行", ""
    if ch == "\t":
        return "制表符", ""
    code = f"（U+{ord(ch):04X}）"
    if ch in _BIDI:
        return "改变文字显示方向的字符", code
    if unicodedata.category(ch) == "Cs" or _is_noncharacter(ch):
        return "无法保存的字符", code
    if unicodedata.category(ch) == "Cf":
        return "不可见的格式字符", code
    return "不可见的控制字符", code


def one_line_problem(text: str) -> str | None:
    """What makes ``text`` unusable as a one-line name, in Chinese (``含有换行、改变文字显示
    方向的字符（U+202E）``: each kind once, with its first character), or None when it is fine."""
    kinds: dict[str, str] = {}
    for ch in hidden_characters(text):
        kind, code = _kind(ch)
        kinds.setdefault(kind, code)
    return "含有" + "、".join(k + c for k, c in kinds.items()) if kinds else None


def one_line(text: str) -> str:
    """``text`` as one line of visible text: line breaks and other controls become a space,
    format characters (bidi overrides, zero-width) are removed, runs of spaces become one.

    What a mail header, a stored upload name or a page shows instead of the raw text."""
    out = []
    for ch in text:
        if ch in _LINE_BREAKS or ch == "\t" or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif not is_hidden(ch):
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


_FORMAT = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def without_format(text: str) -> str:
    """``text`` without bidi overrides and isolates, zero-width and other invisible format
    characters (line breaks kept): what a page shows of any name or text."""
    return _FORMAT.sub("", text) if _FORMAT.search(text) else text


def marked(text: str) -> str:
    """``text`` for a message about it: each hidden character shown as ``[换行]`` or
    ``[U+202E]`` so the person sees where it is (messages are printed, mailed and shown)."""
    out = []
    for ch in text:
        if ch in _LINE_BREAKS:
            out.append("[换行]")
        elif ch == "\t":
            out.append("[制表符]")
        elif is_hidden(ch):
            out.append(f"[U+{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out)
