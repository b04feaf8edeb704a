"""The package around a workbook: its parts, found the way Excel finds them (ECMA-376 Part 2, OPC).

A workbook is a zip of parts tied together by relationships, not by fixed names: the workbook
part is the target of the package's ``officeDocument`` relationship (``_rels/.rels``), its shared
strings, styles and sheets the targets of the workbook part's relationships, each target a URI
relative to the part that points at it.  Part names are compared as case-insensitive ASCII
(OPC §6.2.2.3: ``xl/SharedStrings.xml`` is ``xl/sharedStrings.xml``), and zip item names written
with ``\\`` (some Windows tools; Python's zipfile turns them into ``/`` only on Windows) are read
as ``/``.  Relationship types are matched in both the Transitional and the Strict spelling.

:class:`Package` also parses parts safely: the declared sizes and the number of parts are capped
before anything is decompressed, a part declaring a DTD or entity is refused before and after
parsing, and Strict namespaces are read as Transitional (Strict is a renaming of the namespaces
for everything read here).  It raises :class:`~xl2report.xlsx.sniff.UnreadableError` with a
finding code; it knows nothing of cells or the form (that is :mod:`xl2report.xlsx.parts`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote

from lxml import etree

from xl2report.xlsx.sniff import CONVERTED_SUFFIXES, XLSX_SUFFIXES, UnreadableError

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
# Far above anything the template (or Excel, WPS, LibreOffice re-saving it) produces: its largest
# part is ~40 KB.  A part beyond it is refused before it is parsed.
MAX_PART_BYTES = 4 * 1024 * 1024

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
# ISO/IEC 29500 Strict namespaces (Excel: "Strict Open XML 电子表格") mapped to Transitional ones,
# so a Strict file reads like any other.
_STRICT = ((STRICT_MAIN.encode(), NS_MAIN.encode()), (STRICT_REL.encode(), NS_REL.encode()))
_REL_PREFIXES = (NS_REL + "/", STRICT_REL + "/")
# Content types of a workbook part (openpyxl finds the workbook by these): the fallback when a
# package has no officeDocument relationship.
_WORKBOOK_TYPES = frozenset(
    f"application/vnd.{kind}.main+xml"
    for kind in (
        "openxmlformats-officedocument.spreadsheetml.sheet",
        "openxmlformats-officedocument.spreadsheetml.template",
        "ms-excel.sheet.macroEnabled",
        "ms-excel.template.macroEnabled",
    )
)
_RELATIONSHIP = f"{{{NS_PKG_REL}}}Relationship"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# What the main part of other Office documents is called, for "this is a Word document".
OTHER_DOCUMENTS = {"document": "里面是 Word 文档", "presentation": "里面是 PowerPoint 演示文稿"}
_WORKBOOK_SUFFIXES = tuple(XLSX_SUFFIXES | CONVERTED_SUFFIXES)


class Relationship(NamedTuple):
    id: str
    kind: str  # the type's last segment ("worksheet", "sharedStrings"…), "" for other types
    target: str  # the part name it points at, resolved ("" for an external target)


def open_zip(path_or_file: object) -> zipfile.ZipFile:
    """A zip package with its part count and declared size checked; ``UnreadableError`` else."""
    try:
        zf = zipfile.ZipFile(path_or_file)  # type: ignore[arg-type]
    except zipfile.BadZipFile as exc:
        raise UnreadableError("corrupt-workbook", str(exc)) from exc
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        zf.close()
        raise UnreadableError("zip-bomb", f"{len(infos)} 个部件")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        zf.close()
        raise UnreadableError("zip-bomb", f"解压后 {total / 1e6:.0f} MB")
    return zf


def part_key(name: str) -> str:
    """A part name compared as OPC compares them: ``/`` separators, no leading ``/``, any case."""
    return name.replace("\\", "/").lstrip("/").lower()


def resolve(source: str, target: str) -> str:
    """A relationship ``target`` (relative to part ``source``'s folder, or absolute) as a part
    name; ``source`` is ``""`` for the package's own relationships."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return _normalise(PurePosixPath(target.lstrip("/")))
    return _normalise(PurePosixPath(source).parent / target)


def rels_name(source: str) -> str:
    """The relationships part of part ``source`` (``""``: the package's, ``_rels/.rels``)."""
    path = PurePosixPath(source)
    return str(path.parent / "_rels" / (path.name + ".rels")) if source else "_rels/.rels"


class Package:
    """The parts of an open zip, by OPC part name, parsed safely."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self._members: dict[str, str] = {}
        for info in zf.infolist():
            key = part_key(info.filename)
            if key in self._members and not info.is_dir():
                # OPC forbids equivalent names: which one a reader takes would be a guess.
                raise UnreadableError("corrupt-workbook", f"部件名重复：{info.filename}")
            self._members[key] = info.filename

    def member(self, part: str) -> str | None:
        """The zip item holding part ``part`` (any case, either separator), or None."""
        found = self._members.get(part_key(part))
        if found is None and "%" in part:  # a percent-encoded target (OPC part URI)
            found = self._members.get(part_key(unquote(part)))
        return found

    def has(self, part: str) -> bool:
        return self.member(part) is not None

    def xml(self, part: str) -> etree._Element:
        """Part ``part`` parsed (no DTD, no entities, Strict read as Transitional).

        ``KeyError`` for a missing part, lxml's ``XMLSyntaxError`` for bad XML.
        """
        member = self.member(part)
        if member is None:
            raise KeyError(part)
        size = self.zf.getinfo(member).file_size  # the declared size bounds what read() returns
        if size > MAX_PART_BYTES:
            raise UnreadableError(
                "content-too-large", f"的部件 {member} 解压后有 {size / 1e6:.1f} MB"
            )
        data = self.zf.read(member)
        if _DTD.search(data):
            raise UnreadableError("xml-dtd-forbidden", member)
        for strict, transitional in _STRICT:
            data = data.replace(strict, transitional)
        root = etree.fromstring(data, _PARSER)
        # The byte search misses a DTD in a UTF-16 part; the parsed tree does not.
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise UnreadableError("xml-dtd-forbidden", member)
        return root

    def relationships(self, source: str) -> list[Relationship]:
        """The relationships of part ``source`` (``""``: the package), in document order."""
        name = rels_name(source)
        if not self.has(name):
            return []
        out = []
        for rel in self.xml(name).iter(_RELATIONSHIP):
            rel_type = rel.get("Type", "")
            kind = next((rel_type[len(p) :] for p in _REL_PREFIXES if rel_type.startswith(p)), "")
            external = rel.get("TargetMode") == "External"
            target = "" if external else resolve(source, rel.get("Target", ""))
            out.append(Relationship(rel.get("Id", ""), kind, target))
        return out

    def related(self, source: str, kind: str) -> str | None:
        """The first existing part ``source`` points at with a relationship of ``kind``."""
        return next(
            (r.target for r in self.relationships(source) if r.kind == kind and self.has(r.target)),
            None,
        )

    def workbook_part(self) -> str:
        """The workbook part: the package's officeDocument target, else the part whose content
        type is a workbook's (as openpyxl finds it), else ``xl/workbook.xml``.

        A package with none of these is a zip without a workbook: ``UnreadableError`` saying
        what it holds instead.
        """
        found = self.related("", "officeDocument")
        if found is not None:
            return found
        for name in self._typed_workbooks():
            if self.has(name):
                return name
        if self.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise UnreadableError("zip-without-workbook", self._contents())

    def _typed_workbooks(self) -> list[str]:
        if not self.has("[Content_Types].xml"):
            return []
        try:
            types = self.xml("[Content_Types].xml")
        except etree.XMLSyntaxError:
            return []
        return [
            el.get("PartName", "")
            for el in types.iter(f"{{{NS_TYPES}}}Override")
            if el.get("ContentType") in _WORKBOOK_TYPES
        ]

    def _contents(self) -> str:
        """What a zip without a workbook holds, in a few Chinese words."""
        if self.has("mimetype"):  # an OpenDocument file (.ods, .odt) under another name
            with self.zf.open(self.member("mimetype") or "") as fh:
                kind = fh.read(100)
            if b"opendocument.spreadsheet" in kind:
                return "里面是 OpenDocument 表格（.ods）"
            if b"opendocument" in kind:
                return "里面是 OpenDocument 文档"
        for main in ("word/document.xml", "ppt/presentation.xml"):
            if self.has(main):
                return OTHER_DOCUMENTS[PurePosixPath(main).stem]
        names = [m for m in self._members.values() if not m.endswith("/")]
        books = [m for m in names if m.lower().endswith(_WORKBOOK_SUFFIXES)]
        if books:
            return "里面是 " + "、".join(
                PurePosixPath(b.replace("\\", "/")).name for b in books[:3]
            )
        return f"里面有 {len(names)} 个其他文件"


def holds_workbook(zf: zipfile.ZipFile) -> bool:
    """Whether package ``zf`` has a workbook part, found as :meth:`Package.workbook_part` finds it."""
    try:
        Package(zf).workbook_part()
    except (UnreadableError, etree.XMLSyntaxError, KeyError, ValueError):
        return False
    return True


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", "", "/"):
            parts.append(part)
    return "/".join(parts)
