"""The workbooks inside a message: attachments named like workbooks (.xlsx, .xls, .et, .ods…),
also inside a .zip and inside forwarded messages (message/rfc822), and what else it carried.

Pure: bytes in, named bytes out; nothing is written.  Zip archives are opened with limits
(member count, member and total size) so a hostile attachment cannot exhaust memory; a member is
trusted for its name only, never for a path.  The whole message has the same caps as a zip:
at most :data:`MAX_WORKBOOKS` workbooks, each at most :data:`MAX_MEMBER_BYTES`, together at
most :data:`MAX_ZIP_TOTAL`; what is left out is said in the message's note.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message

from xl2report.mail.names import attachment_name, zip_member_name
from xl2report.xlsx.opc import holds_workbook
from xl2report.xlsx.sniff import CONVERTED_SUFFIXES, XLSX_SUFFIXES

WORKBOOK_SUFFIXES = tuple(sorted(XLSX_SUFFIXES | CONVERTED_SUFFIXES))  # what `run` takes
ARCHIVE_SUFFIXES = (".rar", ".7z", ".tar", ".gz")
MAX_ZIP_MEMBERS = 500
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # the reader refuses bigger workbooks anyway
MAX_ZIP_TOTAL = 100 * 1024 * 1024
MAX_WORKBOOKS = 50  # per message, zips and forwards included: a county has a few dozen units
_XLSX_MAGIC = b"PK\x03\x04"
FORWARDED = "转发的邮件"


@dataclass(frozen=True)
class FoundWorkbook:
    """A workbook found in a message: its decoded name, bytes, and where it was."""

    name: str
    data: bytes
    inside: str = ""  # "" directly attached; else the zip's name or FORWARDED


@dataclass
class MessageContents:
    """What one message carried."""

    workbooks: list[FoundWorkbook] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)  # names of non-workbook attachments
    problems: list[str] = field(default_factory=list)  # e.g. an unreadable zip, a .rar
    left_out: list[str] = field(default_factory=list)  # workbooks past MAX_WORKBOOKS

    def take(self, workbook: FoundWorkbook) -> None:
        """Keep ``workbook`` unless it is too large or the message's caps are reached."""
        mb = len(workbook.data) / 1024 / 1024
        if len(workbook.data) > MAX_MEMBER_BYTES:
            self.problems.append(f"{workbook.name} 过大（{mb:.1f} MB，上限 "
                                 f"{MAX_MEMBER_BYTES // 1024 // 1024} MB），未保存")  # fmt: skip
        elif len(self.workbooks) >= MAX_WORKBOOKS or self.total + len(workbook.data) > MAX_ZIP_TOTAL:
            self.left_out.append(workbook.name)
        else:
            self.workbooks.append(workbook)

    @property
    def total(self) -> int:
        """Bytes of the workbooks kept so far."""
        return sum(len(w.data) for w in self.workbooks)

    def note(self) -> str:
        """Why no workbook was taken (Chinese), or what was left out of a message that had some."""
        problems = list(self.problems)
        if self.left_out:
            shown = "、".join(self.left_out[:5]) + ("等" if len(self.left_out) > 5 else "")
            problems.append(
                f"这封邮件的工作簿太多：只保存了前 {len(self.workbooks)} 个（每封邮件最多 "
                f"{MAX_WORKBOOKS} 个、共 {MAX_ZIP_TOTAL // 1024 // 1024} MB），另有 "
                f"{len(self.left_out)} 个未保存（{shown}）；请对方分几封邮件发送"
            )
        if self.workbooks:
            return "；".join(problems)
        reasons = problems
        if self.other_files:
            reasons.append("附件不是工作簿：" + "、".join(self.other_files))
        return "；".join(reasons) or "没有附件"


def is_workbook_name(name: str) -> bool:
    """Named like a workbook the pipeline takes (lock files ``~$…`` excluded)."""
    base = name.rsplit("/", 1)[-1]
    return base.lower().endswith(WORKBOOK_SUFFIXES) and not base.startswith("~$")


def contents(msg: Message) -> MessageContents:
    """Every workbook in ``msg`` (directly, in zips, in forwarded messages), in message order."""
    out = MessageContents()
    _walk(msg, out, inside="")
    return out


def _walk(part: Message, out: MessageContents, inside: str) -> None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        for message in inner if isinstance(inner, list) else [inner]:
            if isinstance(message, Message):
                _walk(message, out, inside or FORWARDED)
        return
    if part.is_multipart():
        for sub in part.get_payload():
            _walk(sub, out, inside)
        return
    name = attachment_name(part)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data:
        if name:
            out.other_files.append(name)
        return
    if name is None:
        if part.get_content_maintype() == "text" or not _looks_like_xlsx(data):
            return  # the message text itself, or an unnamed inline image
        name = "未命名附件.xlsx"
    lower = name.lower()
    if is_workbook_name(name):
        out.take(FoundWorkbook(name, data, inside))
    elif lower.endswith(".zip"):
        _unzip(name, data, out)
    elif lower.endswith(".eml"):  # a forward saved as a file (Outlook, Foxmail)
        _walk(message_from_bytes(data, policy=policy.default), out, inside or FORWARDED)
    elif lower.endswith(ARCHIVE_SUFFIXES):
        out.problems.append(f"压缩包 {name} 不是 .zip 格式，请对方改用 .zip 或直接发送工作簿")
    else:
        out.other_files.append(name)


def _looks_like_xlsx(data: bytes) -> bool:
    """An unnamed octet-stream that is an Office Open XML workbook."""
    if not data.startswith(_XLSX_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return holds_workbook(zf)  # found as the reader finds it, whatever its part name
    except zipfile.BadZipFile:
        return False


def _unzip(name: str, data: bytes, out: MessageContents) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        out.problems.append(f"压缩包 {name} 已损坏，无法打开")
        return
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            out.problems.append(f"压缩包 {name} 中文件过多（{len(members)} 个），未解开")
            return
        total = 0
        found = 0
        for info in members:
            member = zip_member_name(info.filename, info.flag_bits)
            base = member.replace("\\", "/").rsplit("/", 1)[-1]
            if info.is_dir() or member.startswith("__MACOSX/") or not is_workbook_name(base):
                continue
            if info.file_size > MAX_MEMBER_BYTES or total + info.file_size > MAX_ZIP_TOTAL:
                out.problems.append(f"压缩包 {name} 中的 {base} 过大，未解开")
                continue
            if info.flag_bits & 0x1:
                out.problems.append(f"压缩包 {name} 设了密码，无法解开 {base}")
                continue
            try:
                content = _read_limited(zf, info)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
                out.problems.append(f"压缩包 {name} 中的 {base} 无法解开")
                continue
            total += len(content)
            found += 1
            out.take(FoundWorkbook(base, content, name))
        if not found:
            out.other_files.append(name)


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, refusing more than the declared (and allowed) size: a forged header
    cannot make it inflate without bound."""
    with zf.open(info) as fh:
        data = fh.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
    if len(data) > info.file_size:
        raise ValueError("member larger than declared")
    return data
