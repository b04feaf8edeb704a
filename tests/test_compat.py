"""Python 3.10 stand-ins behave as 3.11's; xl2report.toml saved by Notepad is read, not refused.

The stand-ins are compared with the real thing on the Python running the tests; CI also runs the
main job and a core subset of the suite on Python 3.10 and 3.13 (``.ci/other-pythons``).
"""

from __future__ import annotations

import enum
import json
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from xl2report import compat
from xl2report.log import log_to
from xl2report.mail.errors import MailSettingsError
from xl2report.mail.settings import Security, load_settings

TOML = """\
# 县政务公开办的邮箱设置
[mail]
smtp_host = "smtp.县政府.gov.cn"
user = "gongkai@县政府.gov.cn"
from = "县政务公开办 <gongkai@县政府.gov.cn>"
security = "starttls"

[office]
soffice = 'D:\\办公软件\\LibreOffice\\program\\soffice.exe'
"""


def _enum_pair() -> tuple[type, type]:
    class Real(enum.StrEnum):  # type: ignore[misc, name-defined, unused-ignore]
        OK = "ok"
        HELD = "待确认"
        AUTO = enum.auto()

    class StandIn(compat.StrEnumStandIn):
        OK = "ok"
        HELD = "待确认"
        AUTO = enum.auto()

    return Real, StandIn


@pytest.mark.skipif(sys.version_info < (3, 11), reason="compares with Python 3.11's StrEnum")
def test_strenum_stand_in_prints_as_311_does() -> None:
    real, stand_in = _enum_pair()
    for a, b in zip(real, stand_in, strict=True):
        assert (str(a), format(a), f"{a}", f"{a:>6}", f"[{a!s}]") == (
            str(b), format(b), f"{b}", f"{b:>6}", f"[{b!s}]"
        )  # fmt: skip
        assert repr(a).replace("Real", "X") == repr(b).replace("StandIn", "X")
        assert json.dumps([a, {a: 1}], ensure_ascii=False) == json.dumps(
            [b, {b: 1}], ensure_ascii=False
        )
        assert a == a.value and b == b.value and hash(a) == hash(b)
    assert stand_in("待确认") is stand_in.HELD and stand_in.AUTO == "auto"
    with pytest.raises(TypeError):

        class Bad(compat.StrEnumStandIn):
            ONE = 1


def test_the_package_enums_print_their_value() -> None:
    from xl2report.batch.records import FileStatus
    from xl2report.form.types import Level

    for member in (*FileStatus, *Level, *Security):
        assert str(member) == f"{member}" == member.value
        assert type(str(member)) is str


@pytest.mark.parametrize(
    "text",
    ["2025-01-20", "20250120", "2025-01-20T08:30:00", "2025-01-20T08:30:00Z",
     "2025-01-20T08:30:00.5", "2025-01-20T08:30:00.1234567", "2025-01-20 08:30"],
)  # fmt: skip
def test_iso_dates_read_as_311_reads_them(text: str) -> None:
    expected = datetime.fromisoformat(text) if sys.version_info >= (3, 11) else None
    got = datetime.fromisoformat(compat.iso_text_for_310(text))
    assert compat.iso_datetime(text) == got
    if expected is not None:
        assert got == expected
    if len(text) <= 10:
        assert compat.iso_date(text) == date(2025, 1, 20)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
     ("gbk", b""), ("utf-8", b"")],
)  # fmt: skip
def test_settings_saved_by_notepad_are_read(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "xl2report.toml"
    path.write_bytes(bom + TOML.replace("\n", "\r\n").encode(encoding))
    logged: list[str] = []
    with log_to(logged.append, "WARNING"):
        settings = load_settings(path)
    assert settings.smtp_host == "smtp.县政府.gov.cn"
    assert settings.from_address.display_name == "县政务公开办"
    assert settings.security is Security.STARTTLS
    table, note = compat.load_toml(path)
    assert table["office"]["soffice"].endswith("LibreOffice\\program\\soffice.exe")
    assert (note is not None) == (encoding == "gbk")
    assert any("GBK" in line for line in logged) == (encoding == "gbk")


def test_settings_in_neither_utf8_nor_gbk_are_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "xl2report.toml"
    path.write_bytes(b"[mail]\nuser = \"\x80\xff\"\n")
    with pytest.raises(MailSettingsError, match="UTF-8"):
        load_settings(path)
