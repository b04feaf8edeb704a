"""Opening the outbox's ledger for a mail command: one mail command at a time, a log file.

The lock (``.xl2report/mail.lock``) is separate from ``run``'s, so a clerk can fetch mail while
``watch`` is processing; two mail commands at once could send the same message twice, so the
second one stops at once.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xl2report.batch.runlock import LockHeld, RunLock
from xl2report.batch.session import default_ledger
from xl2report.log import MAIL_LOG, log_to_file, logger
from xl2report.mail.errors import MailBusyError
from xl2report.mail.mail_ledger import MailLedger


def ledger_path(outbox: Path, ledger: Path | None = None) -> Path:
    """The ledger file a mail command uses (the one ``run`` keeps for this outbox)."""
    return Path(ledger) if ledger else default_ledger(Path(outbox))


@contextlib.contextmanager
def mail_workspace(outbox: Path, ledger: Path | None, command: str) -> Iterator[MailLedger]:
    """The ledger with its mail tables, the mail lock held and the command logging to a file."""
    path = ledger_path(outbox, ledger).absolute()
    lock = RunLock(path.parent / "mail.lock")
    try:
        lock.acquire()
    except LockHeld:
        raise MailBusyError(
            f"另一个 xl2report mail 命令正在使用台账 {path}；请等它结束后再运行。"
        ) from None
    try:
        logs = path.parent / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with log_to_file(logs / MAIL_LOG), MailLedger.open(path) as book:
            logger.info("xl2report mail {}", command)
            yield book
    finally:
        lock.release()


@contextlib.contextmanager
def read_only_view(outbox: Path, ledger: Path | None) -> Iterator[MailLedger]:
    """For ``--dry-run``: the ledger if it exists, else an empty throw-away one; no lock, no log.

    A dry run must not create an outbox.
    """
    path = ledger_path(outbox, ledger)
    if path.exists():
        with MailLedger.open(path) as book:
            yield book
        return
    with (
        tempfile.TemporaryDirectory(prefix="xl2report-dry-") as tmp,
        MailLedger.open(Path(tmp) / "ledger.sqlite") as book,
    ):
        yield book
