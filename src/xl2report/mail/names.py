"""Attachment names as Chinese mail really writes them.

Seen in the wild, all decoded here:

- RFC 2231 (``filename*=utf-8''%E5%85%8B…``, also with ``gbk''``), the standard;
- an RFC 2047 encoded word inside the quoted parameter (``name="=?gb2312?B?…?="``, ``GBK``,
  ``gb18030``), as Outlook and many Chinese clients write it;
- raw 8-bit bytes with no encoding declared, usually GBK (many Chinese servers pass 8-bit
  headers): decoded as UTF-8 when valid, else as GB18030;
- zip members whose names are GBK without the zip's UTF-8 flag (Windows' built-in zip).

GB2312 and GBK are decoded as GB18030, their superset: a name declared GB2312 often carries
characters only GBK has (e.g. 镕, 堃).
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.message import Message

_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "x-euc-cn": "gb18030",
}
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_SURROGATES = re.compile(r"[\udc80-\udcff]")


def charset_for(name: str | None) -> str:
    """The codec to decode ``name`` with (GB2312/GBK → GB18030; unknown → UTF-8)."""
    text = (name or "utf-8").strip().lower()
    text = _SUPERSETS.get(text, text)
    try:
        "".encode(text)
    except LookupError:
        return "utf-8"
    return text


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Bytes of a name: the declared charset, else UTF-8 if valid, else GB18030."""
    if declared:
        return data.decode(charset_for(declared), "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words anywhere in ``text`` (also inside a quoted parameter)."""
    if not _ENCODED_WORD.search(text):
        return text
    try:
        pieces = decode_header(text)
    except ValueError:  # a malformed word: keep the text as it came
        return text
    out = []
    for piece, charset in pieces:
        out.append(decode_bytes(piece, charset) if isinstance(piece, bytes) else piece)
    return "".join(out)


def _raw_header(part: Message, name: str) -> str | None:
    """A header's value exactly as parsed (8-bit bytes still as surrogate escapes)."""
    for key, value in part.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _unescape_8bit(text: str) -> str:
    """Header text whose undeclared 8-bit bytes were kept as surrogates: decode those bytes."""
    if not _SURROGATES.search(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def _param(header_text: str, header: str, param: str) -> str | None:
    """One parameter of a header value, RFC 2231 continuations and charsets included."""
    probe = Message()
    probe[header] = header_text
    value = probe.get_param(param, header=header)
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text as latin-1)
        charset, _language, text = value
        return decode_bytes(text.encode("latin-1", "replace"), charset or None)
    return str(value)


def attachment_name(part: Message) -> str | None:
    """The decoded file name of a MIME part (Content-Disposition ``filename``, else
    Content-Type ``name``), without any folder a client put in front; None when it has none."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _raw_header(part, header)
        if raw is None:
            continue
        value = _param(_unescape_8bit(raw), header, param)
        if value:
            name = decode_words(value).strip()
            name = re.split(r"[\\/]", name)[-1].strip()  # "C:\\Users\\…\\表.xlsx" → "表.xlsx"
            if name:
                return name
    return None


def zip_member_name(filename: str, flag_bits: int) -> str:
    """A zip member's name: UTF-8 when the zip says so, else the bytes as GBK/UTF-8."""
    if flag_bits & 0x800:
        return filename
    try:
        raw = filename.encode("cp437")  # how zipfile decoded the bytes without the flag
    except UnicodeEncodeError:
        return filename
    return decode_bytes(raw)


def header_text(msg: Message, name: str) -> str:
    """A header's text decoded however it came: RFC 2047 (any charset) or raw 8-bit GBK/UTF-8."""
    raw = _raw_header(msg, name.lower())
    if raw is None:
        return ""
    return " ".join(decode_words(_unescape_8bit(raw)).split())
