"""Standard output and error that never fail on a character their encoding lacks.

A redirected or piped stdout on Chinese Windows is GBK (the ANSI code page) in strict mode:
``✓ ✗ −`` and characters a workbook may hold (GB18030-only hanzi, emoji) are not in it, and one
of them used to end ``check … > 结果.txt`` with a ``UnicodeEncodeError``.  :func:`prepare`
(called once by the entry point) makes both streams replace such a character instead — with a
look-alike that the encoding has (``✓`` → ``√``, ``−`` → ``-``), else ``?``, which is what a
clerk opening the file in Notepad can read.  A stream that claims plain ASCII is a
misconfigured locale (``LC_ALL=C`` without UTF-8 mode); it writes UTF-8 instead, as click
already does for its own output, so the whole file stays in one encoding and readable.

JSON for machines (:func:`json_text`) loses nothing: a character the stream cannot carry is
written as a JSON escape (``\\uXXXX``), which every JSON reader turns back into the character.
"""

from __future__ import annotations

import codecs
import io
import json
import sys
from typing import Any

# Characters this program prints that GBK lacks, and what stands in for them.
LOOKALIKES = {
    "✓": "√",
    "✔": "√",
    "✗": "×",
    "✘": "×",
    "−": "-",  # U+2212 MINUS SIGN (in the checks' formulas)
    "›": ">",
    "\u00a0": " ",
}
REPLACE = "xl2report-replace"
JSON_ESCAPE = "xl2report-json"


def _replace(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each unencodable character becomes its look-alike or ``?``."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for char in exc.object[exc.start : exc.end]:
        alike = LOOKALIKES.get(char, "?")
        out.append(alike if _encodable(alike, exc.encoding) else "?")
    return "".join(out), exc.end


def _json_escape(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each unencodable character becomes JSON's ``\\uXXXX`` escape
    (a surrogate pair above U+FFFF).  Valid because JSON has non-ASCII only inside strings."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    return json.dumps(text, ensure_ascii=True)[1:-1], exc.end


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


codecs.register_error(REPLACE, _replace)
codecs.register_error(JSON_ESCAPE, _json_escape)


def prepare() -> None:
    """Make stdout and stderr replace what they cannot encode (see the module docstring).

    Python's own defaults are changed (``strict``; ``surrogateescape`` in a C locale, where
    it only helps a UTF-8 stream write back undecodable file names), a handler the user
    chose (``PYTHONIOENCODING=gbk:replace``) is kept.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        encoding = codecs.lookup(stream.encoding).name
        if encoding == "ascii":
            encoding = "utf-8"
        errors = stream.errors
        if errors == "strict" or (errors == "surrogateescape" and encoding != "utf-8"):
            errors = REPLACE
        if (encoding, errors) != (codecs.lookup(stream.encoding).name, stream.errors):
            stream.reconfigure(encoding=encoding, errors=errors)


def json_text(data: Any, indent: int | None = 1) -> str:
    """``data`` as JSON for stdout: readable characters where the stream can carry them,
    ``\\uXXXX`` escapes where it cannot, so nothing is lost in any encoding."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, JSON_ESCAPE).decode(encoding)
    except LookupError:
        return json.dumps(data, ensure_ascii=True, indent=indent)
