"""``mail fetch``: save the workbooks of new messages into the inbox, record where they came from.

The folder is opened read-only (IMAP EXAMINE) and messages are read with ``BODY.PEEK[]``, so
nothing on the server changes — no \\Seen flag, no move, no delete — unless ``--move-to`` is
given.  A message is new when its (account, folder, UIDVALIDITY, UID) is not in the ledger and its
Message-ID has not been fetched before.  Each workbook is written atomically under its decoded
name (numbered when the name is taken by other content), stamped with the time the server
received the message (``run`` orders versions by that time); then the message and its
workbooks are recorded in one transaction.  A run killed in between finds the same file with
the same content on the next run and records it without writing a second copy.
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from xl2report.atomic import atomic_path
from xl2report.batch.inbox import Kind, classify
from xl2report.batch.outbox import numbered, safe_filename
from xl2report.compat import StrEnum
from xl2report.errors import FatalError
from xl2report.log import logger
from xl2report.mail.attachments import WORKBOOK_SUFFIXES, FoundWorkbook, contents
from xl2report.mail.mail_ledger import MailLedger, SavedAttachment
from xl2report.mail.names import header_text
from xl2report.mail.settings import MailSettings, Secret
from xl2report.mail.transport import ImapSession, imap_session, imap_utf7

MAX_MESSAGE_BYTES = 60 * 1024 * 1024
FALLBACK_NAME = "邮件附件.xlsx"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Fetched(StrEnum):
    """What became of one new message."""

    SAVED = "saved"
    NO_WORKBOOK = "no_workbook"
    SEEN_BEFORE = "seen_before"
    TOO_LARGE = "too_large"

    @property
    def label(self) -> str:
        """Chinese wording for tables."""
        return {
            "saved": "已保存工作簿",
            "no_workbook": "没有工作簿",
            "seen_before": "同一邮件已收取过",
            "too_large": "邮件过大，未读取",
        }[self.value]


@dataclass
class FetchedMessage:
    """One message looked at in this run."""

    uid: int
    sender: str
    subject: str
    received: str
    message_id: str
    outcome: Fetched
    saved: list[SavedAttachment] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # inbox files written in this run
    duplicates: list[str] = field(default_factory=list)  # names whose content was saved before
    note: str = ""
    moved_to: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "uid": self.uid,
            "sender": self.sender,
            "subject": self.subject,
            "received": self.received,
            "message_id": self.message_id,
            "outcome": self.outcome.value,
            "label": self.outcome.label,
            "saved": [{"name": a.name, "file": a.saved, "sha256": a.sha256} for a in self.saved],
            "note": self.note,
            "moved_to": self.moved_to,
        }


@dataclass
class FetchResult:
    """The new messages of this run (old ones are counted, not listed)."""

    folder: str
    messages: list[FetchedMessage]
    known: int  # messages of the folder fetched in earlier runs
    moved_earlier: int = 0  # earlier messages moved now because --move-to was given

    @property
    def saved_files(self) -> list[str]:
        """Inbox paths written in this run."""
        return [name for m in self.messages for name in m.written]

    @property
    def without_workbook(self) -> list[FetchedMessage]:
        """New messages that brought no workbook (listed for a person)."""
        return [m for m in self.messages if m.outcome in (Fetched.NO_WORKBOOK, Fetched.TOO_LARGE)]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "folder": self.folder,
            "known": self.known,
            "messages": [m.to_dict() for m in self.messages],
        }


@dataclass(frozen=True)
class FetchRequest:
    """What ``mail fetch`` was asked to do."""

    inbox: Path
    folder: str = "INBOX"
    since: date | None = None
    move_to: str | None = None


def imap_date(day: date) -> str:
    """2025-01-05 -> 05-Jan-2025 (IMAP's English month names, whatever the locale)."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def fetch_workbooks(
    request: FetchRequest,
    book: MailLedger,
    settings: MailSettings,
    password: Secret,
    on_message: Callable[[FetchedMessage], None] | None = None,
) -> FetchResult:
    """Fetch the folder's new messages and save their workbooks into the inbox."""
    inbox = Path(request.inbox)
    if inbox.exists() and not inbox.is_dir():
        raise FatalError(f"收件目录 {inbox} 是一个文件，不是文件夹。")
    settings.need_imap()
    account = f"{settings.user}@{settings.imap_host}"
    with imap_session(settings, password) as imap:
        uidvalidity = _open_folder(imap, request.folder, writable=request.move_to is not None)
        if request.move_to:
            _ensure_folder(imap, request.move_to)
        criteria = ["SINCE", imap_date(request.since)] if request.since else ["ALL"]
        found = imap.call("查找邮件", "uid", "SEARCH", *criteria)
        uids = sorted(int(u) for u in b" ".join(d for d in found if d).split())
        known = book.fetched_uids(account, request.folder, uidvalidity)
        result = FetchResult(request.folder, [], known=sum(1 for u in uids if u in known))
        new = [u for u in uids if u not in known]
        sizes = _sizes(imap, new)
        inbox.mkdir(parents=True, exist_ok=True)
        for uid in new:
            message = _fetch_one(imap, book, inbox, account, request.folder, uidvalidity, uid,
                                 sizes.get(uid, 0))  # fmt: skip
            if request.move_to and message.row_id is not None:
                _move(imap, book, message.row_id, uid, request.move_to)
                message.item.moved_to = request.move_to
            result.messages.append(message.item)
            if on_message is not None:
                on_message(message.item)
        if request.move_to:
            for uid, row in known.items():
                if row.moved_to is None and uid in uids:
                    _move(imap, book, row.id, uid, request.move_to)
                    result.moved_earlier += 1
    return result


@dataclass
class _Done:
    item: FetchedMessage
    row_id: int | None


def _open_folder(imap: ImapSession, folder: str, writable: bool) -> int:
    imap.call(f"打开邮件夹“{folder}”", "select", imap_utf7(folder), not writable)
    _, data = imap.client.response("UIDVALIDITY")
    try:
        return int(data[0])
    except (TypeError, ValueError, IndexError):
        return 0  # a server without UIDVALIDITY: UIDs are then taken as stable


def _ensure_folder(imap: ImapSession, folder: str) -> None:
    listed = imap.call("列出邮件夹", "list", '""', imap_utf7(folder))
    if not any(item for item in listed if item):
        imap.call(f"建立邮件夹“{folder}”", "create", imap_utf7(folder))


def _sizes(imap: ImapSession, uids: list[int]) -> dict[int, int]:
    if not uids:
        return {}
    out: dict[int, int] = {}
    for start in range(0, len(uids), 200):
        chunk = ",".join(str(u) for u in uids[start : start + 200])
        for item in imap.call("读取邮件大小", "uid", "FETCH", chunk, "(RFC822.SIZE)"):
            text = item.decode("ascii", "replace") if isinstance(item, bytes) else ""
            uid, size = re.search(r"UID (\d+)", text), re.search(r"RFC822\.SIZE (\d+)", text)
            if uid and size:
                out[int(uid.group(1))] = int(size.group(1))
    return out


def _fetch_one(
    imap: ImapSession,
    book: MailLedger,
    inbox: Path,
    account: str,
    folder: str,
    uidvalidity: int,
    uid: int,
    size: int,
) -> _Done:
    record = dict(account=account, folder=folder, uidvalidity=uidvalidity, uid=uid)
    if size > MAX_MESSAGE_BYTES:
        data = imap.call("读取邮件", "uid", "FETCH", str(uid), "(BODY.PEEK[HEADER] INTERNALDATE)")
    else:
        data = imap.call("读取邮件", "uid", "FETCH", str(uid), "(BODY.PEEK[] INTERNALDATE)")
    meta, raw = _literal(data)
    msg = message_from_bytes(raw, policy=policy.default)
    received = _received(meta, msg)
    message_id = (header_text(msg, "Message-ID") or
                  f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@xl2report.invalid>")  # fmt: skip
    author = _address(msg, "From")
    item = FetchedMessage(uid, _sender(msg), header_text(msg, "Subject"),
                          received.isoformat(timespec="seconds"), message_id,
                          Fetched.SAVED)  # fmt: skip
    found = contents(msg) if size <= MAX_MESSAGE_BYTES else None
    earlier = book.fetched_by_message_id(message_id)
    if found is None:
        item.outcome = Fetched.TOO_LARGE
        item.note = f"邮件 {size / 1024 / 1024:.0f} MB，超过 {MAX_MESSAGE_BYTES // 1024 // 1024} MB，请手工保存附件"
    elif earlier is not None and all(_seen(book, w) for w in found.workbooks):
        item.outcome = Fetched.SEEN_BEFORE  # the same message in another folder, or again
        item.note = f"同一邮件已于 {earlier.fetched_at} 从“{earlier.folder}”收取"
    else:  # new, or a reused Message-ID with other workbooks: kept by their content
        notes = [found.note()]
        if earlier is not None:
            notes.append(f"Message-ID 与 {earlier.fetched_at} 收取的邮件相同，但附件内容不同，已保存")
        for workbook in found.workbooks:
            saved, fresh = _save(inbox, workbook, received, book)
            item.saved.append(saved)
            if author:  # where it came from, for the batch run (the ledger's provenance)
                book.ledger.record_sender(saved.sha256, author, message_id, item.received)
            if fresh:
                item.written.append(saved.saved)
                if Path(saved.saved).name != workbook.name:
                    notes.append(f"“{workbook.name}”存为“{saved.saved}”")
            else:
                item.duplicates.append(workbook.name)
        if not found.workbooks:
            item.outcome = Fetched.NO_WORKBOOK
        if item.duplicates:
            notes.append("与之前收到的附件内容相同，未重复保存：" + "、".join(item.duplicates))
        item.note = "；".join(n for n in notes if n)
    row_id = book.record_fetch(message_id=message_id, sender=item.sender, subject=item.subject,
                               received=item.received, note=item.note, attachments=item.saved,
                               **record)  # type: ignore[arg-type]  # fmt: skip
    logger.info("收取邮件 UID {}：{}（{}）{}", uid, item.outcome.label, item.sender,
                "、".join(a.saved for a in item.saved))  # fmt: skip
    return _Done(item, row_id)


def _literal(data: list) -> tuple[bytes, bytes]:  # type: ignore[type-arg]
    """(response line, message bytes) of a FETCH answer."""
    for piece in data:
        if isinstance(piece, tuple) and len(piece) == 2:
            return piece[0], piece[1]
    raise FatalError("收信服务器返回的邮件内容无法识别。")


def _received(meta: bytes, msg: Message) -> datetime:
    """When the server received the message (INTERNALDATE), else its Date header, else now."""
    stamp = imaplib.Internaldate2tuple(meta)
    if stamp is not None:
        return datetime.fromtimestamp(time.mktime(stamp))
    try:
        return parsedate_to_datetime(header_text(msg, "Date")).astimezone().replace(tzinfo=None)
    except (TypeError, ValueError, IndexError):
        return datetime.now().replace(microsecond=0)


def _sender(msg: Message) -> str:
    """The address to answer: Reply-To if given, else From."""
    return _address(msg, "Reply-To") or _address(msg, "From")


def _address(msg: Message, header: str) -> str:
    """The first address of ``header`` (lower case), or ""."""
    for _, address in getaddresses([header_text(msg, header)]):
        if "@" in address:
            return address.strip().lower()
    return ""


def _seen(book: MailLedger, workbook: FoundWorkbook) -> bool:
    """Whether a workbook with this content was saved before."""
    return book.saved_attachment(hashlib.sha256(workbook.data).hexdigest()) is not None


def runnable_name(name: str) -> str:
    """``name`` as a file ``run`` takes for a workbook: safe on every system, and without the
    leading dots and tildes that mark temporary files (``.x.xlsx`` → ``x.xlsx``, ``~x.xlsx`` →
    ``x.xlsx``, ``.xlsx`` → ``邮件附件.xlsx``)."""
    name = safe_filename(name, fallback=FALLBACK_NAME)
    lower = name.lower()
    suffix = next((s for s in WORKBOOK_SUFFIXES if lower.endswith(s)), "")
    stem = name[: len(name) - len(suffix)].lstrip(".~ ").rstrip(". ")
    candidate = (stem or Path(FALLBACK_NAME).stem) + (name[len(name) - len(suffix):] or ".xlsx")
    if classify(candidate) not in (Kind.WORKBOOK, Kind.LEGACY):  # e.g. 'x.xlsx.tmp'
        candidate = Path(FALLBACK_NAME).stem + ".xlsx"
    return candidate


def _save(
    inbox: Path, workbook: FoundWorkbook, received: datetime, book: MailLedger
) -> tuple[SavedAttachment, bool]:
    """Write one workbook into the inbox; (its record, whether a new file was written)."""
    sha = hashlib.sha256(workbook.data).hexdigest()
    prior = book.saved_attachment(sha)
    if prior is not None and (inbox / prior.saved).is_file():
        return SavedAttachment(workbook.name, sha, len(workbook.data), prior.saved), False
    name = runnable_name(workbook.name)
    path, n = inbox / name, 1
    while path.exists():
        if path.is_file() and _sha256(path) == sha:  # written by a run killed before recording
            return SavedAttachment(workbook.name, sha, len(workbook.data), path.name), True
        n += 1
        path = inbox / numbered(name, n)
    stamp = received.timestamp()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(workbook.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.utime(tmp, (stamp, stamp))
    return SavedAttachment(workbook.name, sha, len(workbook.data), path.name), True


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _move(imap: ImapSession, book: MailLedger, row_id: int, uid: int, folder: str) -> None:
    """Move one message (only with --move-to): MOVE, else COPY + \\Deleted + UID EXPUNGE."""
    target = imap_utf7(folder)
    if "MOVE" in imap.capabilities:
        imap.call(f"移动邮件到“{folder}”", "uid", "MOVE", str(uid), target)
    elif "UIDPLUS" in imap.capabilities:
        imap.call(f"复制邮件到“{folder}”", "uid", "COPY", str(uid), target)
        imap.call("标记已移动的邮件", "uid", "STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
        imap.call("清除已移动的邮件", "uid", "EXPUNGE", str(uid))
    else:  # a plain EXPUNGE would also remove messages others marked deleted: copy only
        imap.call(f"复制邮件到“{folder}”", "uid", "COPY", str(uid), target)
    book.mark_moved(row_id, folder)
