"""Write many zip packages (.docx, .xlsx) that differ from one original in a few parts only.

A rendered report changes two of its eleven parts (the document and its core properties); a
personalised template changes two of eighteen (the shared strings holding the org's name, and
the title).  Compressing and framing the unchanged parts again for every package cost about as
much as making the changed ones.  :class:`PackageWriter` keeps each unchanged part's entry
exactly as the original package stores it (local header, compressed bytes, directory record)
and per package only compresses the changed parts — with :mod:`zipfile`, under the original
entry's settings — and joins the pieces, fixing each entry's offset.  The result is byte for
byte the package the original writer would have produced with those parts (tests compare with
``word_template.zip_parts`` and with xlsxwriter).

:func:`rewrite` does the same once for a single package that gains, loses and changes parts
(the feedback copy of a township's workbook).

Pure: bytes in, bytes out; no files.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from collections.abc import Iterable, Mapping

NEW_PART_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same package

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, without a comment
_EOCD_SIGNATURE = b"PK\x05\x06"
_CD_HEADER = struct.Struct("<4s6H3L5H2L")  # one central-directory record, before its name
_CD_OFFSET_AT = 42  # where a central-directory record stores its entry's offset


def _split(package: bytes) -> dict[str, tuple[bytes, bytes]]:
    """Each entry's (local header + data, central-directory record), by name, in order."""
    signature, _, _, count, _, cd_size, cd_offset, comment = _EOCD.unpack(package[-_EOCD.size :])
    if signature != _EOCD_SIGNATURE or comment != 0:
        raise ValueError("not a plain zip package (zip64 or comment)")
    records: list[tuple[str, int, bytes]] = []
    at = cd_offset
    for _ in range(count):
        fields = _CD_HEADER.unpack_from(package, at)
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        size = _CD_HEADER.size + name_len + extra_len + comment_len
        name = package[at + _CD_HEADER.size : at + _CD_HEADER.size + name_len]
        flags = fields[3]
        records.append((name.decode("utf-8" if flags & 0x800 else "cp437"), fields[-1],
                        package[at : at + size]))  # fmt: skip
        at += size
    if at != cd_offset + cd_size:
        raise ValueError("inconsistent central directory")
    starts = [*sorted(offset for _, offset, _ in records), cd_offset]
    following = dict(itertools.pairwise(starts))  # each entry ends where the next begins
    return {name: (package[offset : following[offset]], record) for name, offset, record in records}


def _entry(like: zipfile.ZipInfo, data: bytes) -> tuple[bytes, bytes]:
    """(local header + compressed data, central-directory record) of ``data`` stored under the
    settings of the original entry ``like``, exactly as zipfile writes it."""
    info = zipfile.ZipInfo(like.filename, date_time=like.date_time)
    info.compress_type = like.compress_type
    info.create_system = like.create_system
    info.external_attr = like.external_attr
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", like.compress_type) as zf:
        zf.writestr(info, data)
    ((local, central),) = _split(buffer.getvalue()).values()
    return local, central


class PackageWriter:
    """Packages like ``package`` where only the ``dynamic`` parts change."""

    def __init__(self, package: bytes, dynamic: Iterable[str]) -> None:
        self._entries = _split(package)
        self._dynamic = set(dynamic)
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            self._infos = {info.filename: info for info in zf.infolist()}
            # A dynamic part given unchanged keeps its original entry (no recompression).
            self._original = {n: zf.read(n) for n in self._dynamic if n in self._infos}
        unknown = self._dynamic - set(self._entries)
        if unknown:
            raise KeyError(f"not in the package: {sorted(unknown)}")

    def write(self, changed: Mapping[str, bytes]) -> bytes:
        """The package with ``changed`` in place of the dynamic parts (all must be given)."""
        if set(changed) != self._dynamic:
            raise KeyError(f"dynamic parts expected: {sorted(self._dynamic)}")
        return _join(
            _entry(self._infos[name], changed[name])
            if name in changed and changed[name] != self._original[name]
            else entry
            for name, entry in self._entries.items()
        )


def rewrite(
    package: bytes, changed: Mapping[str, bytes | None], added: Mapping[str, bytes]
) -> bytes:
    """``package`` with ``changed`` parts replaced (``None``: removed) and ``added`` appended.

    Every other entry is kept exactly as stored (compressed bytes and all); replaced parts keep
    their entry's settings, added ones are deflated.  A package this cannot split (zip64, or a
    zip comment) is rebuilt entry by entry with :mod:`zipfile` instead.
    """
    try:
        entries = _split(package)
    except (ValueError, struct.error):
        return _rebuilt(package, changed, added)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        infos = {info.filename: info for info in zf.infolist()}
    pieces: list[tuple[bytes, bytes]] = []
    for name, entry in entries.items():
        if name not in changed:
            pieces.append(entry)
        elif changed[name] is not None:
            pieces.append(_entry(infos[name], changed[name]))  # type: ignore[arg-type]
    for name, data in added.items():
        pieces.append(_entry(_new_info(name), data))
    return _join(pieces)


def _new_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=NEW_PART_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _join(pieces: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Entries (local part, central record) joined into a package, offsets fixed."""
    locals_: list[bytes] = []
    centrals: list[bytes] = []
    offset = 0
    for local, central in pieces:
        locals_.append(local)
        centrals.append(
            central[:_CD_OFFSET_AT] + struct.pack("<L", offset) + central[_CD_OFFSET_AT + 4 :]
        )
        offset += len(local)
    directory = b"".join(centrals)
    n = len(centrals)
    end = _EOCD.pack(_EOCD_SIGNATURE, 0, 0, n, n, len(directory), offset, 0)
    return b"".join(locals_) + directory + end


def _rebuilt(
    package: bytes, changed: Mapping[str, bytes | None], added: Mapping[str, bytes]
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in changed:
                data = changed[info.filename]
                if data is not None:
                    dst.writestr(info, data, compress_type=info.compress_type)
            else:
                dst.writestr(info, src.read(info), compress_type=info.compress_type)
        for name, data in added.items():
            dst.writestr(_new_info(name), data)
    return out.getvalue()
