"""Outgoing messages as Chinese mail clients expect them.

Headers in RFC 2047 (UTF-8, base64), the body as base64 UTF-8 text (safe through servers without
8BITMIME), attachments named twice: ``filename*=`` (RFC 2231) on Content-Disposition for current
clients and an RFC 2047 ``name="=?utf-8?b?…?="`` on Content-Type for old ones, which otherwise
show ``AT00001.bin``.  The classic ``email.mime`` classes are used on purpose: the modern
``EmailMessage`` re-encodes a ``name=`` parameter as RFC 2231 and cannot write the second form.

Every header value built from user text (a unit's name, a subject, an attachment's name, a
Message-ID a township's mail brought) is first made one line of visible text
(:func:`~xl2report.form.characters.one_line`): a line break in a roster name can neither add a
header (``Bcc:``) nor make the email package refuse to write the message.  :func:`flatten`
writes a message as it will go out, so a message that cannot be written is known before any
server is spoken to.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import encoders
from email.generator import BytesGenerator
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid

from xl2report.form.characters import one_line

MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xls": ("application", "vnd.ms-excel"),
    ".et": ("application", "octet-stream"),
    ".zip": ("application", "zip"),
}


@dataclass(frozen=True)
class Attachment:
    """A file to attach: the name the recipient sees and its bytes."""

    filename: str
    data: bytes


def new_message_id(sender: Address) -> str:
    """A fresh Message-ID in the sender's domain."""
    return make_msgid(domain=sender.domain or "xl2report.invalid")


_MESSAGE_ID = re.compile(r"<[!-~]{1,900}>")  # printable ASCII only: it is written as is


def address_header(name: str, address: str) -> str:
    """``"名称" <a@b>`` with the name one line and RFC 2047-encoded when it is not ASCII."""
    return formataddr((one_line(name), address), charset="utf-8")


def flatten(msg: Message) -> bytes:
    """The bytes ``msg`` goes out as (as :meth:`smtplib.SMTP.send_message` writes them)."""
    out = io.BytesIO()
    BytesGenerator(out, policy=msg.policy.clone(linesep="\r\n")).flatten(msg)
    return out.getvalue()


def compose(
    *,
    sender: Address,
    to_name: str,
    to_addresses: Sequence[str],
    subject: str,
    body: str,
    message_id: str,
    attachments: Sequence[Attachment] = (),
    in_reply_to: str | None = None,
) -> Message:
    """One message, ready for :meth:`~xl2report.mail.transport.SmtpSession.send`."""
    msg = MIMEMultipart() if attachments else MIMEText(body, "plain", "utf-8")
    msg["From"] = address_header(sender.display_name, sender.addr_spec)
    msg["To"] = ", ".join(address_header(to_name, a) for a in to_addresses)
    msg["Subject"] = Header(one_line(subject), "utf-8")  # folded after "Subject: "
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    if in_reply_to and _MESSAGE_ID.fullmatch(in_reply_to.strip()):  # else not threaded
        msg["In-Reply-To"] = in_reply_to.strip()
        msg["References"] = in_reply_to.strip()
    msg["X-Mailer"] = "xl2report"
    if attachments:
        msg.attach(MIMEText(body, "plain", "utf-8"))
        for item in attachments:
            msg.attach(attachment_part(item))
    return msg


def attachment_part(item: Attachment) -> MIMEBase:
    """A base64 attachment named both ways (RFC 2231 ``filename*`` and RFC 2047 ``name``)."""
    name = one_line(item.filename) or "附件"
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    maintype, subtype = MIME_TYPES.get(suffix, ("application", "octet-stream"))
    part = MIMEBase(maintype, subtype)
    part.set_payload(item.data)
    encoders.encode_base64(part)
    if name.isascii():
        part.set_param("name", name)
        part.add_header("Content-Disposition", "attachment", filename=name)
    else:
        part.set_param("name", Header(name, "utf-8").encode())
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return part
