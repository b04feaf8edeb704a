"""Editing a workbook package in place: only the parts asked for change, every other part's
zip entry is reused byte for byte.

:class:`WorkbookPackage` opens an .xlsx (bytes), parses a part only when asked for it (as safely
as the reader: no DTD, no entities; size and part-count caps first), and offers what the feedback
copy needs: the sheets and their parts, relationships, content types, adding a sheet in front,
removing a sheet (defined names that count sheets follow), comments parts, and the workbook's
view.  :meth:`WorkbookPackage.save` serialises the parts that were touched and rewrites the
package with :func:`xl2report.xlsx.package.rewrite`.  It knows nothing of findings or the form.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import PurePosixPath

from lxml import etree

from xl2report.xlsx.opc import (
    MAX_MEMBERS,
    MAX_UNZIPPED_BYTES,
    NS_MAIN,
    NS_PKG_REL,
    NS_REL,
    Package,
    part_key,
    rels_name,
    resolve,
)
from xl2report.xlsx.package import rewrite
from xl2report.xlsx.sniff import UnreadableError

M = f"{{{NS_MAIN}}}"
R_ID = f"{{{NS_REL}}}id"
REL = f"{{{NS_PKG_REL}}}Relationship"
NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = f"{NS_REL}/worksheet"
REL_STYLES = f"{NS_REL}/styles"
REL_SHARED_STRINGS = f"{NS_REL}/sharedStrings"
REL_COMMENTS = f"{NS_REL}/comments"
REL_VML = f"{NS_REL}/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
TYPES = "[Content_Types].xml"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_STRICT = b"http://purl.oclc.org/ooxml/"
_TAB_SELECTED = re.compile(rb'(<(?:\w+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"')
# Elements a worksheet may hold after <legacyDrawing>, in schema order (it goes before them).
_AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                         "webPublishItems", "tableParts", "extLst")  # fmt: skip
# Elements <bookViews> must precede in a workbook.
_AFTER_BOOK_VIEWS = ("sheets",)


class NotMarkable(Exception):
    """A workbook this editor leaves alone (its message says why, in Chinese)."""


class WorkbookPackage:
    """An .xlsx package being edited."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._zf = zipfile.ZipFile(io.BytesIO(data))
        infos = self._zf.infolist()
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
            raise UnreadableError("zip-bomb")
        self.names = {i.filename for i in infos}
        self._opc = Package(self._zf)  # parts by OPC name: any letter case, \ or /
        self._trees: dict[str, etree._Element] = {}
        self._touched: set[str] = set()
        self._new: dict[str, bytes | etree._Element] = {}
        self._removed: set[str] = set()
        self._replaced: dict[str, bytes] = {}  # parts changed as bytes, never parsed
        try:
            self.workbook_name = self.part(self._opc.workbook_part())
        except UnreadableError as exc:
            raise NotMarkable("没有工作簿部件") from exc
        if _STRICT in self._zf.read(self.workbook_name)[:4096]:
            # ISO Strict namespaces: editing them as Transitional parts would mix the two.
            raise NotMarkable("Strict 格式")
        self.workbook = self.tree(self.workbook_name)
        self.types = self.tree(TYPES)

    # --- parts ---------------------------------------------------------------------------

    def part(self, name: str) -> str:
        """The zip item (or new part) that is part ``name``, its name compared as OPC compares
        part names (any letter case, ``\\`` or ``/``); ``name`` itself when there is none."""
        if name in self.names or name in self._new:
            return name
        key = part_key(name)
        new = next((n for n in self._new if part_key(n) == key), None)
        return new or self._opc.member(name) or name

    def tree(self, name: str) -> etree._Element:
        """Part ``name`` parsed (once); edits to it are saved when :meth:`touch` is called."""
        if name not in self._trees:
            if name in self._new:
                tree = self._new[name]
                assert not isinstance(tree, bytes)
                return tree
            if name in self._replaced:  # edited as bytes first: parse that
                self._trees[name] = etree.fromstring(self._replaced.pop(name), _SAFE)
                self._touched.add(name)
            else:
                self._trees[name] = self._opc.xml(name)
        return self._trees[name]

    def raw(self, name: str) -> bytes:
        return self._zf.read(name)

    def touch(self, name: str) -> None:
        """Mark part ``name`` (parsed with :meth:`tree`) as edited."""
        if name not in self._new:  # new parts are serialised anyway
            self._touched.add(name)

    def exists(self, name: str) -> bool:
        name = self.part(name)
        return (name in self.names and name not in self._removed) or name in self._new

    def put(self, name: str, part: bytes | etree._Element, content_type: str = "") -> None:
        """Set the whole of part ``name`` (new or replaced); register its content type."""
        if name in self.names and name not in self._removed:
            if isinstance(part, bytes):
                self._replace_raw(name, part)
            else:
                self._trees[name] = part
                self.touch(name)
        else:
            self._new[name] = part
        if content_type:
            self.set_override(name, content_type)

    def remove(self, name: str) -> None:
        """Drop part ``name`` and its content-type override."""
        if name in self._new:
            del self._new[name]
        elif name in self.names:
            self._removed.add(name)
            self._touched.discard(name)
        for el in list(self.types):
            if part_key(el.get("PartName", "")) == part_key(name):
                self.types.remove(el)
                self.touch(TYPES)

    def _replace_raw(self, name: str, data: bytes) -> None:
        self._new.pop(name, None)
        self._trees.pop(name, None)
        self._touched.discard(name)
        self._replaced[name] = data

    def free_name(self, pattern: str) -> str:
        """The first of pattern.format(1), (2)… that no part uses."""
        n = 1
        while self.exists(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def save(self) -> bytes:
        """The edited package: touched and new parts serialised, the rest reused as stored."""
        changed: dict[str, bytes | None] = {name: None for name in self._removed}
        changed.update(self._replaced)
        for name in self._touched:
            changed[name] = _serialise(self._trees[name])
        added = {
            name: part if isinstance(part, bytes) else _serialise(part)
            for name, part in self._new.items()
        }
        return rewrite(self._data, changed, added)

    # --- content types and relationships ----------------------------------------------------

    def set_override(self, name: str, content_type: str) -> None:
        for el in self.types:
            if el.get("PartName") == "/" + name:
                if el.get("ContentType") != content_type:
                    el.set("ContentType", content_type)
                    self.touch(TYPES)
                return
        override = etree.SubElement(self.types, f"{{{NS_TYPES}}}Override")
        override.set("PartName", "/" + name)
        override.set("ContentType", content_type)
        self.touch(TYPES)

    def ensure_default(self, extension: str, content_type: str) -> None:
        for el in self.types:
            if el.tag == f"{{{NS_TYPES}}}Default" and el.get("Extension", "").lower() == extension:
                return
        default = etree.Element(f"{{{NS_TYPES}}}Default")
        default.set("Extension", extension)
        default.set("ContentType", content_type)
        self.types.insert(0, default)
        self.touch(TYPES)

    def rels(self, part: str, create: bool = False) -> tuple[str, etree._Element] | None:
        """The relationships part of ``part`` (its name and tree); created when asked."""
        name = self.part(rels_name(part.replace("\\", "/")))
        if self.exists(name):
            return name, self.tree(name)
        if not create:
            return None
        root = etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
        self.put(name, root)
        return name, root

    def targets(self, part: str, rel_type: str) -> list[tuple[etree._Element, str]]:
        """(relationship, target part) of ``part``'s internal relationships of ``rel_type``."""
        found = self.rels(part)
        if found is None:
            return []
        out = []
        for rel in found[1].iter(REL):
            if rel.get("Type") == rel_type and rel.get("TargetMode") != "External":
                target = resolve(part.replace("\\", "/"), rel.get("Target", ""))
                out.append((rel, self.part(target)))
        return out

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        """A new relationship from ``part`` to part ``target``; returns its id."""
        name, root = self.rels(part, create=True)  # type: ignore[misc]
        used = {rel.get("Id") for rel in root}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        rel = etree.SubElement(root, REL)
        rel.set("Id", f"rId{n}")
        rel.set("Type", rel_type)
        rel.set("Target", relative(part, target))
        self.touch(name)
        return f"rId{n}"

    def drop_rel(self, part: str, rel: etree._Element) -> None:
        name, root = self.rels(part)  # type: ignore[misc]
        root.remove(rel)
        self.touch(name)

    # --- the workbook -----------------------------------------------------------------------

    def sheets(self) -> list[tuple[str, str]]:
        """(name, part) of every sheet, in workbook order (parts that are missing are left out)."""
        rels = {
            rel.get("Id"): path for rel, path in self.targets(self.workbook_name, REL_WORKSHEET)
        }
        out = []
        for el in self._sheet_elements():
            path = rels.get(el.get(R_ID))
            if path and self.exists(path):
                out.append((el.get("name", ""), path))
        return out

    def _sheet_elements(self) -> list[etree._Element]:
        sheets = self.workbook.find(M + "sheets")
        return [] if sheets is None else list(sheets.iterchildren(M + "sheet"))

    def workbook_part(self, rel_type: str) -> str | None:
        found = self.targets(self.workbook_name, rel_type)
        return found[0][1] if found and self.exists(found[0][1]) else None

    def remove_sheet(self, name: str) -> None:
        """Remove sheet ``name``: its entry, relationship, part and sheet-local defined names."""
        elements = self._sheet_elements()
        index = next(i for i, el in enumerate(elements) if el.get("name") == name)
        el = elements[index]
        rid = el.get(R_ID)
        el.getparent().remove(el)
        for rel, path in self.targets(self.workbook_name, REL_WORKSHEET):
            if rel.get("Id") == rid:
                self.drop_rel(self.workbook_name, rel)
                self.remove(path)
                found = self.rels(path)
                if found is not None:
                    self.remove(found[0])
        self._shift_local_names(index, -1)
        self.touch(self.workbook_name)

    def add_first_sheet(self, name: str, sheet: bytes | etree._Element) -> str:
        """Insert ``sheet`` as the first sheet, called ``name``, selected and active."""
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.put(part, sheet, CT_WORKSHEET)
        rid = self.add_rel(self.workbook_name, REL_WORKSHEET, part)
        sheets = self.workbook.find(M + "sheets")
        if sheets is None:
            sheets = etree.SubElement(self.workbook, M + "sheets")
        ids = [int(el.get("sheetId", "0")) for el in sheets if el.get("sheetId", "").isdigit()]
        entry = etree.Element(M + "sheet")
        entry.set("name", name)
        entry.set("sheetId", str(max(ids, default=0) + 1))
        entry.set(R_ID, rid)
        sheets.insert(0, entry)
        self._shift_local_names(0, +1)
        self._select_first()
        self.touch(self.workbook_name)
        return part

    def add_defined_name(self, name: str, local_sheet: int, text: str) -> None:
        names = self.workbook.find(M + "definedNames")
        if names is None:
            names = etree.Element(M + "definedNames")
            self.workbook.find(M + "sheets").addnext(names)
        el = etree.SubElement(names, M + "definedName")
        el.set("name", name)
        el.set("localSheetId", str(local_sheet))
        el.text = text
        self.touch(self.workbook_name)

    def _shift_local_names(self, index: int, by: int) -> None:
        """Sheet-local defined names count sheets by position: follow an insert or removal."""
        names = self.workbook.find(M + "definedNames")
        for dn in [] if names is None else list(names):
            local = dn.get("localSheetId")
            if local is None or not local.isdigit():
                continue
            n = int(local)
            if by < 0 and n == index:
                names.remove(dn)
            elif n >= index:
                dn.set("localSheetId", str(n + by))
        if names is not None and len(names) == 0:
            self.workbook.remove(names)

    def _select_first(self) -> None:
        """The first sheet is the active one; no other sheet's tab stays selected."""
        views = self.workbook.find(M + "bookViews")
        if views is None:
            views = etree.Element(M + "bookViews")
            self.workbook.find(M + "sheets").addprevious(views)
        view = views.find(M + "workbookView")
        if view is None:
            view = etree.SubElement(views, M + "workbookView")
        view.set("activeTab", "0")
        view.attrib.pop("firstSheet", None)
        for _, part in self.sheets()[1:]:
            if part in self._trees:
                for sv in self._trees[part].iter(M + "sheetView"):
                    if sv.attrib.pop("tabSelected", "0") in ("1", "true"):  # not "false"
                        self.touch(part)
            elif part in self.names:
                # <sheetView> comes near the top: look there before reading the whole part.
                with self._zf.open(part) as fh:
                    head = fh.read(4096)
                selected = _TAB_SELECTED.search(head) or (
                    b"<sheetData" not in head and _TAB_SELECTED.search(self.raw(part))
                )
                if selected:
                    data = self.raw(part)
                    self._replace_raw(part, _TAB_SELECTED.sub(rb"\1", data, count=1))


def insert_legacy_drawing(sheet: etree._Element, rid: str) -> None:
    """``<legacyDrawing r:id=…/>`` (the comments' shapes) at its place in a worksheet."""
    el = etree.Element(M + "legacyDrawing")
    el.set(R_ID, rid)
    later = {M + tag for tag in _AFTER_LEGACY_DRAWING}
    for child in sheet:
        if child.tag in later:
            child.addprevious(el)
            return
    sheet.append(el)


def relative(source: str, target: str) -> str:
    """Part ``target`` as a relationship target from ``source`` (relative when below it)."""
    base = str(PurePosixPath(source).parent)
    if target.startswith(base + "/"):
        return target[len(base) + 1 :]
    return "/" + target


def clone(el: etree._Element) -> etree._Element:
    return copy.deepcopy(el)


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
