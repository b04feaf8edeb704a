"""Write many .docx packages that differ in a few parts, reusing the others' compressed bytes.

A rendered report changes two of its eleven parts (the document and its core properties); the
styles, footers, relationships and the rest are the template's, unchanged.  Compressing and
framing those again for every report cost about as much as rendering the text.
:class:`PackageWriter` compresses each unchanged part once, with :mod:`zipfile` itself, keeps its
local entry and central-directory record, and per package only compresses the changed parts and
joins the pieces, fixing each entry's offset.  The result is byte for byte what
:func:`xl2report.word_template.zip_parts` writes for the same parts (a test proves it).

Pure: bytes in, bytes out; no files.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Mapping

from xl2report.word_template import ZIP_DATE

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, without a comment
_EOCD_SIGNATURE = b"PK\x05\x06"
_CD_OFFSET_AT = 42  # where a central-directory record stores its entry's offset


def _entry(name: str, data: bytes) -> tuple[bytes, bytes]:
    """(local header + compressed data, central-directory record) of one part, as zip_parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 0
        info.external_attr = 0
        zf.writestr(info, data)
    raw = buffer.getvalue()
    signature, _, _, count, _, cd_size, cd_offset, comment = _EOCD.unpack(raw[-_EOCD.size :])
    if signature != _EOCD_SIGNATURE or count != 1 or comment != 0:  # pragma: no cover
        raise ValueError(f"unexpected zip layout for {name}")
    return raw[:cd_offset], raw[cd_offset : cd_offset + cd_size]


class PackageWriter:
    """Zip packages of ``parts`` (in their order) where only the ``dynamic`` parts change."""

    def __init__(self, parts: Mapping[str, bytes], dynamic: Iterable[str]) -> None:
        self._order = list(parts)
        self._dynamic = set(dynamic)
        self._static = {
            name: _entry(name, data) for name, data in parts.items() if name not in self._dynamic
        }

    def write(self, changed: Mapping[str, bytes]) -> bytes:
        """The package with ``changed`` in place of the dynamic parts (all must be given)."""
        missing = self._dynamic - set(changed)
        if missing or set(changed) - self._dynamic:
            raise KeyError(f"dynamic parts expected: {sorted(self._dynamic)}")
        locals_: list[bytes] = []
        centrals: list[bytes] = []
        offset = 0
        for name in self._order:
            local, central = self._static.get(name) or _entry(name, changed[name])
            locals_.append(local)
            centrals.append(
                central[:_CD_OFFSET_AT] + struct.pack("<L", offset) + central[_CD_OFFSET_AT + 4 :]
            )
            offset += len(local)
        directory = b"".join(centrals)
        n = len(self._order)
        end = _EOCD.pack(_EOCD_SIGNATURE, 0, 0, n, n, len(directory), offset, 0)
        return b"".join(locals_) + directory + end
