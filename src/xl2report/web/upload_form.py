"""Reading a posted form as it streams in, with hard caps (uploads, and every other form).

Starlette's form parser spools any file part to disk whatever its size and only then can the
board look at it.  Here the body is parsed while it arrives (python-multipart, as Starlette
itself uses):

- the whole request may not pass ``max_total`` bytes: a declared ``Content-Length`` above it is
  refused at once, a body that grows past it is refused as soon as it does (413), nothing read
  further;
- a file part may not pass ``max_file`` bytes: from that byte on nothing more of it is kept
  (its spooled copy is dropped), but the part is counted to its end so the clerk is told its
  real size, and the other files of the same upload are still taken;
- at most ``max_files`` files are kept, fields are small, and a body that stops arriving for
  :data:`IDLE_SECONDS` is abandoned (408).

The result holds the fields and each file (kept in a spooled temporary file, or refused with
the reason); :meth:`StreamedForm.close` drops the temporary files.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

try:
    from python_multipart.multipart import MultipartParser, parse_options_header
except ModuleNotFoundError:  # pragma: no cover - older python-multipart
    from multipart.multipart import MultipartParser, parse_options_header  # type: ignore[no-redef]

IDLE_SECONDS = 30.0  # a body that sends nothing for this long is abandoned
MAX_FIELD_BYTES = 100_000  # the longest text field (the mail body allows 20,000 characters)
MAX_FIELDS = 100
SPOOL_BYTES = 1024 * 1024  # a file part is kept in memory up to this, then on disk


@dataclass
class StreamedFile:
    """One file part: its name as sent, its full size, and its bytes unless refused."""

    field: str
    filename: str
    size: int = 0
    file: SpooledTemporaryFile[bytes] | None = None
    refused: str = ""  # why it is not kept ("" when kept)

    def read(self) -> bytes:
        """The kept bytes (b"" when refused)."""
        if self.file is None:
            return b""
        self.file.seek(0)
        return self.file.read()


@dataclass
class StreamedForm:
    """A posted form: its text fields and its files."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[StreamedFile] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """A text field, or None."""
        return self.fields.get(name)

    def close(self) -> None:
        """Drop every temporary file."""
        for item in self.files:
            if item.file is not None:
                item.file.close()
                item.file = None


def mb(size: int) -> str:
    """Bytes as the board shows sizes: 21.0 MB (decimal megabytes, as Windows Explorer's
    properties dialog and the upload limit say)."""
    return f"{size / 1_000_000:.1f} MB"


class _Parser:
    """python-multipart callbacks that fill a :class:`StreamedForm` under the caps."""

    def __init__(self, form: StreamedForm, max_file: int, max_files: int, charset: str) -> None:
        self.form, self.max_file, self.max_files, self.charset = form, max_file, max_files, charset
        self.header_field, self.header_value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.current: StreamedFile | None = None
        self.text: bytearray | None = None
        self.name = ""
        self.pending: list[tuple[SpooledTemporaryFile[bytes], bytes]] = []

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }  # fmt: skip

    def on_part_begin(self) -> None:
        self.headers, self.current, self.text = {}, None, None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode(self.charset, "replace")
        filename = options.get(b"filename")
        if filename is None:
            if len(self.form.fields) >= MAX_FIELDS:
                raise HTTPException(400, f"表单的字段太多（上限 {MAX_FIELDS} 个）。")
            self.text = bytearray()
            return
        self.current = StreamedFile(self.name, filename.decode(self.charset, "replace"))
        kept = sum(1 for f in self.form.files if not f.refused)
        if kept >= self.max_files:
            self.current.refused = (
                f"每次最多上传 {self.max_files} 个文件，这个文件没有接收，请另外上传。"
            )
        else:
            self.current.file = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (closed by StreamedForm.close)
        self.form.files.append(self.current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.text is not None:
            self.text += data[start:end]
            if len(self.text) > MAX_FIELD_BYTES:
                raise HTTPException(413, "表单中的文字太长。")
            return
        item = self.current
        if item is None:
            return
        item.size += end - start
        if item.file is not None and item.size > self.max_file:  # refused from this byte on
            item.file.close()
            item.file = None
            self.pending = [(f, d) for f, d in self.pending if not f.closed]
            item.refused = "over"
        if item.file is not None:
            self.pending.append((item.file, bytes(data[start:end])))

    def on_part_end(self) -> None:
        if self.text is not None:
            self.form.fields.setdefault(self.name, self.text.decode(self.charset, "replace"))
        elif self.current is not None and self.current.refused == "over":
            self.current.refused = (f"有 {mb(self.current.size)}，超过每个文件 "
                                    f"{mb(self.max_file).replace('.0 ', ' ')} 的上限，没有接收。")  # fmt: skip
        self.text, self.current = None, None


async def read_form(
    request: Request, *, max_total: int, max_file: int = 0, max_files: int = 0
) -> StreamedForm:
    """The posted form (multipart or url-encoded) read under the caps; HTTP errors (413, 408,
    400) in Chinese otherwise.  ``max_files=0``: a form without files."""
    length = request.headers.get("content-length", "")
    if not (length.isascii() and length.isdigit()):
        raise HTTPException(411, "请求缺少长度（Content-Length）。")
    if int(length) > max_total:
        raise HTTPException(413, too_large(int(length), max_total, max_files))
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    charset = options.get(b"charset", b"utf-8").decode("latin-1")
    form = StreamedForm()
    if content_type != b"multipart/form-data":
        body = await _body(request, max_total)
        from urllib.parse import parse_qsl

        form.fields = dict(parse_qsl(body.decode(charset, "replace"), keep_blank_values=True))
        return form
    boundary = options.get(b"boundary")
    if not boundary:
        raise HTTPException(400, "上传的表单无法读取（缺少分隔符）。")
    parser = _Parser(form, max_file, max_files, charset)
    reader = MultipartParser(boundary, parser.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in _chunks(request):
            received += len(chunk)
            if received > max_total:
                raise HTTPException(413, too_large(received, max_total, max_files))
            reader.write(chunk)
            if parser.pending:  # file bytes are written off the event loop
                writes, parser.pending = parser.pending, []
                await run_in_threadpool(_write_all, writes)
        reader.finalize()
    except HTTPException:
        form.close()
        raise
    except Exception as exc:  # python-multipart's errors for a malformed body
        form.close()
        raise HTTPException(400, "上传的表单无法读取（格式不对或没有传完），请重试。") from exc
    return form


def too_large(size: int, limit: int, files: int) -> str:
    """The message for a request over its cap (Chinese)."""
    if files:
        return (f"这次上传共 {mb(size)}，超过每次 {mb(limit).replace('.0 ', ' ')} 的上限；"
                f"请分几次上传（每个文件不超过 20 MB）。")  # fmt: skip
    return f"提交的内容太大（{mb(size)}），已拒绝。"


def _write_all(writes: list[tuple[SpooledTemporaryFile[bytes], bytes]]) -> None:
    for fh, data in writes:
        if not fh.closed:
            fh.write(data)


async def _chunks(request: Request):  # type: ignore[no-untyped-def]
    """The body's chunks; a body that stops arriving for :data:`IDLE_SECONDS` is abandoned."""
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), IDLE_SECONDS)
        except StopAsyncIteration:
            return
        except (TimeoutError, asyncio.TimeoutError):  # distinct before Python 3.11
            raise HTTPException(408, "上传中断了（很久没有收到数据），请重试。") from None
        if chunk:
            yield chunk


async def _body(request: Request, max_total: int) -> bytes:
    out = bytearray()
    async for chunk in _chunks(request):
        out += chunk
        if len(out) > max_total:
            raise HTTPException(413, too_large(len(out), max_total, 0))
    return bytes(out)
