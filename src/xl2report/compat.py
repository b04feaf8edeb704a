"""What differs between the Pythons and the editors xl2report meets: one place for stand-ins.

Python 3.10 lacks :class:`enum.StrEnum` and :mod:`tomllib`, and its ``fromisoformat`` reads
fewer ISO 8601 forms than 3.11's; the stand-ins below behave exactly like 3.11's (outputs are
byte-identical on both).  ``xl2report.toml`` may have been saved by Windows Notepad: with a
byte-order mark, as UTF-16, or in the ANSI code page (GBK); :func:`load_toml` reads them all.

Part of the shared base: imports no layer of the package.
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any


class StrEnumStandIn(str, Enum):
    """Python 3.11's ``enum.StrEnum`` for 3.10: ``str()`` and ``format()`` give the value.

    Defined on every Python so the tests can compare it with the real one.
    """

    def __new__(cls, *values: str) -> StrEnumStandIn:
        if len(values) != 1 or not isinstance(values[0], str):
            raise TypeError(f"{values!r} is not a string")
        member = str.__new__(cls, values[0])
        member._value_ = values[0]
        return member

    __str__ = str.__str__
    __format__ = str.__format__

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last: list[Any]) -> str:
        return name.lower()


if sys.version_info >= (3, 11):
    from enum import StrEnum

    import tomllib
else:  # pragma: no cover - the Python 3.10 lane of CI
    import tomli as tomllib

    StrEnum = StrEnumStandIn

TOMLDecodeError = tomllib.TOMLDecodeError

# 3.11 also reads the basic form (20250120), a "Z" for UTC and any number of fraction digits.
_BASIC_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_FRACTION = re.compile(r"\.(\d+)")
NEW_ISO = sys.version_info >= (3, 11)


def iso_date(text: str) -> date:
    """``date.fromisoformat`` as Python 3.11 reads it (also 20250120); ValueError otherwise."""
    return date.fromisoformat(text if NEW_ISO else iso_text_for_310(text))


def iso_datetime(text: str) -> datetime:
    """``datetime.fromisoformat`` as Python 3.11 reads it (also a trailing Z and any fraction)."""
    return datetime.fromisoformat(text if NEW_ISO else iso_text_for_310(text))


def iso_text_for_310(text: str) -> str:
    """ISO 8601 text rewritten into the forms Python 3.10's ``fromisoformat`` reads."""
    if _BASIC_DATE.fullmatch(text):
        return _BASIC_DATE.sub(r"\1-\2-\3", text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)


SETTINGS_FILE = "xl2report.toml"  # in the folder a command runs in: [mail], [office]

# Byte-order marks Notepad writes for "UTF-8 with BOM", "UTF-16 LE" and "UTF-16 BE".
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
LEGACY_ENCODING = "gb18030"  # a superset of GBK, the ANSI code page of Chinese Windows


def read_text_any(path: Path) -> tuple[str, str | None]:
    """The text of a small settings file, however a Windows editor saved it.

    Returns ``(text, note)``: ``note`` is a Chinese sentence when the file was not UTF-8 and was
    read as GBK (GB18030), else None.  Raises OSError, or UnicodeDecodeError when the bytes are
    neither UTF-8 nor GB18030.
    """
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        text = data.decode(LEGACY_ENCODING)  # raises when it is not GBK either
    note = (
        f"设置文件 {path} 不是 UTF-8 编码，已按 GBK（GB18030）读取；"
        "建议用记事本“另存为”时把编码选为 UTF-8。"
    )
    return text, note


def load_toml(path: Path) -> tuple[dict[str, Any], str | None]:
    """A TOML file as :func:`read_text_any` reads it: ``(table, note)``.

    Raises OSError, UnicodeDecodeError or :data:`TOMLDecodeError`.
    """
    text, note = read_text_any(path)
    return tomllib.loads(text), note


__all__ = [
    "LEGACY_ENCODING",
    "SETTINGS_FILE",
    "StrEnum",
    "StrEnumStandIn",
    "TOMLDecodeError",
    "iso_date",
    "iso_datetime",
    "iso_text_for_310",
    "load_toml",
    "read_text_any",
    "tomllib",
]
