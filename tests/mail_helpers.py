"""Helpers for the mail tests: the CLI with a password in the environment, rosters, templates."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

from inbox_helpers import output_encoding
from mail_servers import PASSWORD
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.roster import TemplateRequest, write_roster_templates
from xl2report.xlsx.submission import Submission

SUBMIT_TO = "请于2025年1月15日前报送至县政务公开办 office@county.test"


def mail_cli(*args: str, password: str | None = PASSWORD, cwd: Path | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:  # fmt: skip
    """``python -m xl2report …`` with the mail password only in the environment."""
    env = dict(os.environ)
    env.pop("XL2REPORT_MAIL_PASSWORD", None)
    if password is not None:
        env["XL2REPORT_MAIL_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "xl2report", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding=output_encoding(),
                          timeout=timeout, check=False)  # fmt: skip


def smtp_args(port: int, user: str = "office@county.test") -> list[str]:
    return ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none",
            "--user", user, "--from", f"县政务公开办 <{user}>"]  # fmt: skip


def imap_args(port: int, user: str) -> list[str]:
    return ["--imap-host", "127.0.0.1", "--imap-port", str(port), "--security", "none",
            "--user", user]  # fmt: skip


ROSTER = [
    RosterEntry("克井镇人民政府", "001", "张三", "kejing@town.test"),
    RosterEntry("白沙乡人民政府", "002", "李四", "baisha@town.test"),
    RosterEntry("五龙口镇人民政府", "003", "王五", ""),
]


def write_roster(path: Path, entries: list[RosterEntry] = ROSTER) -> Path:
    lines = ["机关名称,代码,联系人,邮箱"] + [
        f"{e.name},{e.code},{e.contact},{e.email}" for e in entries
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_templates(
    folder: Path, entries: list[RosterEntry] = ROSTER, year: int = 2024
) -> list[Path]:
    return write_roster_templates(entries, folder, TemplateRequest(year, submit_to=SUBMIT_TO))


def attachment_org(msg: EmailMessage) -> tuple[str, str]:
    """(attachment name, 机关名称 locked in the attached workbook)."""
    parts = list(msg.iter_attachments())
    assert len(parts) == 1, [p.get_filename() for p in parts]
    data = parts[0].get_content()
    assert isinstance(data, bytes)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as fh:
        fh.write(data)
        fh.flush()
        org = Submission.open(Path(fh.name)).meta["org"]
    return parts[0].get_filename() or "", org


def grep_tree(folder: Path, needle: str) -> list[str]:
    """Files under ``folder`` whose bytes contain ``needle`` (UTF-8), e.g. the password."""
    raw = needle.encode()
    return [str(p) for p in folder.rglob("*") if p.is_file() and raw in p.read_bytes()]


def body_text(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return body.get_content()
