"""Messages as townships really send them back, built byte by byte (not by Python's email
package, which would only write the standard forms): attachment names in RFC 2231, RFC 2047 in
GB18030/GBK/GB2312 inside quoted parameters, raw 8-bit GBK, forwarded messages, zips."""

from __future__ import annotations

import base64
import io
import itertools
import urllib.parse
import zipfile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOUNDARIES = itertools.count(1)  # a forwarded message inside needs its own boundary


def _b64(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _word(name: str, charset: str) -> str:
    # Clients label GBK bytes "gb2312" even for characters GB2312 lacks (镕): do the same.
    data = name.encode("gbk" if charset == "gb2312" else charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def disposition(name: str, style: str) -> tuple[bytes, bytes]:
    """(Content-Type parameters, Content-Disposition) naming ``name`` in one of the styles."""
    if style == "rfc2231":
        quoted = urllib.parse.quote(name.encode("utf-8"))
        return b"", f"attachment; filename*=utf-8''{quoted}".encode()
    if style in ("gb18030", "gbk", "gb2312"):
        word = _word(name, style).encode()
        return b'; name="' + word + b'"', b'attachment; filename="' + word + b'"'
    if style == "raw-gbk":
        raw = name.encode("gbk")
        return b'; name="' + raw + b'"', b'attachment; filename="' + raw + b'"'
    if style == "octet-name-only":  # Content-Type name only, as old Outlook writes it
        return b'; name="' + _word(name, "gbk").encode() + b'"', b"attachment"
    raise ValueError(style)


def message(
    sender: str,
    subject: str,
    text: str,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    message_id: str | None = None,
    content_type: str = XLSX,
    reply_to: str | None = None,
) -> bytes:
    """One township message; attachments as (name, bytes, naming style)."""
    head = [
        f"From: {sender}".encode(),
        b"To: office@county.test",
        b"Subject: " + _word(subject, "gbk").encode(),
        b"Date: Mon, 13 Jan 2025 09:30:00 +0800",
        b"MIME-Version: 1.0",
    ]
    if message_id:
        head.append(f"Message-ID: {message_id}".encode())
    if reply_to:
        head.append(f"Reply-To: {reply_to}".encode())
    body = base64.b64encode(text.encode("gbk"))
    if not attachments:
        head += [b'Content-Type: text/plain; charset="gbk"', b"Content-Transfer-Encoding: base64"]
        return b"\r\n".join(head) + b"\r\n\r\n" + body + b"\r\n"
    boundary = f"----=_Part_{next(_BOUNDARIES)}_township".encode()
    head.append(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"')
    parts = [
        b'Content-Type: text/plain; charset="gbk"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + body
    ]
    for name, data, style in attachments:
        if style == "rfc822":
            parts.append(
                b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + data
            )
            continue
        params, disp = disposition(name, style)
        parts.append(
            b"Content-Type: " + content_type.encode() + params + b"\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: " + disp + b"\r\n\r\n" + _b64(data)
        )
    out = b"\r\n".join(head) + b"\r\n\r\nThis is a multi-part message in MIME format.\r\n"
    for part in parts:
        out += b"\r\n--" + boundary + b"\r\n" + part
    return out + b"\r\n--" + boundary + b"--\r\n"


def gbk_zip(members: dict[str, bytes]) -> bytes:
    """A zip as Windows' built-in compressor writes it: GBK names, no UTF-8 flag.

    zipfile always writes non-ASCII names as UTF-8, so each member is written under an ASCII
    placeholder of the same byte length, which is then replaced by the GBK bytes.
    """
    buf = io.BytesIO()
    swaps = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for index, (name, data) in enumerate(members.items()):
            raw = name.encode("gbk")
            placeholder = f"{index:03d}".encode() + b"Q" * (len(raw) - 3)
            zf.writestr(placeholder.decode("ascii"), data)
            swaps.append((placeholder, raw))
    out = buf.getvalue()
    for placeholder, raw in swaps:
        out = out.replace(placeholder, raw)
    return out
