""".ods is converted like .xls/.et (issue #22): one list of workbook suffixes for the inbox,
`check`, the board's upload form and mail fetch, and a real .ods made by LibreOffice from the
克井镇 example gets the example's verdict, values and report."""

from __future__ import annotations

import json
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from inbox_helpers import run_cli
from xl2report.batch.inbox import Kind, classify
from xl2report.batch.outbox import report_filename
from xl2report.batch.worker import convert_legacy
from xl2report.checks.check import check_file
from xl2report.mail.attachments import contents
from xl2report.report.office import convert
from xl2report.web.uploads import store_upload
from xl2report.xlsx.sniff import CONVERTED_SUFFIXES, XLSX_SUFFIXES

ROOT = Path(__file__).resolve().parents[1]
KEJING = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
ALL = sorted(XLSX_SUFFIXES | CONVERTED_SUFFIXES)


@pytest.fixture(scope="module")
def ods(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 克井镇 example saved as .ods by LibreOffice (as a clerk's "另存为" would)."""
    folder = tmp_path_factory.mktemp("ods")
    (made,) = convert([KEJING], "ods:calc8", folder)
    assert (
        zipfile.ZipFile(made).read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    )
    return made.rename(folder / "克井镇.ods")


@pytest.mark.parametrize("suffix", ALL)
def test_every_workbook_suffix_is_taken_everywhere(suffix: str, tmp_path: Path) -> None:
    """The inbox, mail fetch and the board's upload take the same suffixes, .ods among them."""
    assert ".ods" in CONVERTED_SUFFIXES
    assert classify(f"报表{suffix}") is (Kind.WORKBOOK if suffix in XLSX_SUFFIXES else Kind.LEGACY)
    msg = EmailMessage()
    msg.set_content("见附件")
    msg.add_attachment(b"PK\x03\x04", maintype="application", subtype="octet-stream",
                       filename=f"报表{suffix}")  # fmt: skip
    assert [w.name for w in contents(msg).workbooks] == [f"报表{suffix}"]
    stored = store_upload(tmp_path, f"报表{suffix}", b"PK\x03\x04", 1000)
    assert stored.rel.endswith(suffix)


def test_board_upload_picker_offers_every_suffix(tmp_path: Path) -> None:
    from xl2report.web.app import Web, WebConfig

    web = Web(WebConfig(inbox=tmp_path / "in", outbox=tmp_path / "out"))
    html = web.templates.from_string('<input accept="{{ workbook_accept }}">').render()
    assert html == f'<input accept="{",".join(ALL)}">'
    board = (ROOT / "src" / "xl2report" / "web" / "templates" / "board.html").read_text("utf-8")
    assert 'accept="{{ workbook_accept }}"' in board


def test_a_password_protected_ods_is_encrypted_not_unconvertible(tmp_path: Path) -> None:
    """LibreOffice cannot open it headless; the clerk is told to remove the password."""
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        "</manifest:file-entry></manifest:manifest>"
    )
    path = tmp_path / "加密.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
    (finding,) = convert_legacy([(path, "sha")], tmp_path / "work").values()
    assert getattr(finding, "code", None) == "encrypted"


@pytest.mark.libreoffice
def test_check_converts_an_ods_and_gives_the_example_verdict(ods: Path, tmp_path: Path) -> None:
    done = run_cli("check", "--json", str(ods), str(KEJING))
    assert done.returncode == 0, done.stderr
    got, want = json.loads(done.stdout)["files"]
    assert (got["valid"], got["org"], got["findings"]) == (
        want["valid"],
        want["org"],
        want["findings"],
    )
    (converted,) = convert_legacy([(ods, "sha")], tmp_path).values()
    assert isinstance(converted, Path)
    assert check_file(converted).values == check_file(KEJING).values


@pytest.mark.libreoffice
def test_run_takes_an_ods_from_the_inbox(ods: Path, tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / ods.name).write_bytes(ods.read_bytes())
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--settle", "0")
    assert done.returncode == 0, done.stderr + done.stdout
    assert (outbox / "2024" / report_filename("克井镇人民政府", 2024)).is_file()
    assert (inbox / ods.name).read_bytes() == ods.read_bytes()  # the original is never changed


@pytest.mark.libreoffice
def test_an_ods_renamed_xlsx_says_what_it_is(ods: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "克井镇.xlsx"
    renamed.write_bytes(ods.read_bytes())
    (finding,) = check_file(renamed).report.findings
    assert finding.code == "zip-without-workbook" and ".ods" in finding.message
