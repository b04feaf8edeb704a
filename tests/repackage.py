"""Repackage a workbook the ways other writers package one: the same cells, other part names.

Excel, WPS, LibreOffice and the libraries find a workbook's parts through relationships, so a
writer may call them what it likes.  These editors change only the package around the cells
(part names, their letter case, separators, the relationships and content types pointing at
them), never a cell, so a reader that follows the package reads exactly what it read before.

Written independently of :mod:`xl2report.xlsx.opc` (relationship targets are resolved here with
``posixpath``, as openpyxl does), so a mistake there is not repeated here.  Bytes in, bytes out.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable

from lxml import etree

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
TYPES = "[Content_Types].xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _package(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels") if part else "_rels/.rels"


def _source_of(rels: str) -> str:
    """The part whose relationships ``rels`` holds ("" for the package's)."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _target(source: str, part: str) -> str:
    """``part`` as a target from ``source``: relative below its folder, else absolute."""
    folder = posixpath.dirname(source)
    return part[len(folder) + 1 :] if folder and part.startswith(folder + "/") else "/" + part


def rename_part(data: bytes, old: str, new: str, *, follow: bool = True) -> bytes:
    """Part ``old`` renamed ``new``: the zip item, its content type and its own relationships
    (moved, their targets kept pointing at the same parts).  With ``follow`` the relationships
    pointing at it are changed too; without, they keep the old name (only a reader comparing
    names as OPC does, ignoring case, still finds it)."""
    parts = _parts(data)
    if follow:
        for name in [n for n in parts if n.endswith(".rels")]:
            source = _source_of(name)
            root = etree.fromstring(parts[name])
            for rel in root:
                external = rel.get("TargetMode") == "External"
                if not external and _resolve(source, rel.get("Target", "")) == old:
                    rel.set("Target", _target(new if source == old else source, new))
                    parts[name] = _xml(root)
    own = _rels_of(old)
    if own in parts:
        root = etree.fromstring(parts.pop(own))
        for rel in root:
            if rel.get("TargetMode") != "External":
                rel.set("Target", _target(new, _resolve(old, rel.get("Target", ""))))
        parts[_rels_of(new)] = _xml(root)
    types = etree.fromstring(parts[TYPES])
    for el in types.iter(f"{{{NS_TYPES}}}Override"):
        if el.get("PartName") == "/" + old:
            el.set("PartName", "/" + new)
    parts[TYPES] = _xml(types)
    return _package({(new if n == old else n): body for n, body in parts.items()})


def backslashes(data: bytes) -> bytes:
    """Every zip item name and relationship target written with ``\\`` (some Windows tools)."""
    parts = _parts(data)
    for name in [n for n in parts if n.endswith(".rels")]:
        root = etree.fromstring(parts[name])
        for rel in root:
            if rel.get("TargetMode") != "External":
                rel.set("Target", rel.get("Target", "").replace("/", "\\"))
        parts[name] = _xml(root)
    return _package({n.replace("/", "\\"): body for n, body in parts.items()})


def replace_bytes(data: bytes, old: bytes, new: bytes, where: Callable[[str], bool]) -> bytes:
    """``old`` replaced by ``new`` in the parts ``where`` accepts (a namespace, say)."""
    return _package({n: (b.replace(old, new) if where(n) else b) for n, b in _parts(data).items()})


def workbook_part(data: bytes) -> str:
    """The workbook part's name, from the package relationships."""
    rels = etree.fromstring(_parts(data)["_rels/.rels"])
    return next(
        _resolve("", r.get("Target", ""))
        for r in rels
        if r.get("Type", "").endswith("/officeDocument")
    )


def sheet_part(data: bytes, sheet: str) -> str:
    """The part holding sheet ``sheet``."""
    parts = _parts(data)
    book = workbook_part(data)
    wb = etree.fromstring(parts[book])
    rid = next(
        el.get(f"{{{NS_REL}}}id")
        for el in wb.iter(f"{{{NS_MAIN}}}sheet")
        if el.get("name") == sheet
    )
    rels = etree.fromstring(parts[_rels_of(book)])
    return _resolve(book, next(r.get("Target", "") for r in rels if r.get("Id") == rid))


def add_sheet_copy(data: bytes, sheet: str, name: str) -> bytes:
    """A copy of sheet ``sheet`` added after the others as ``name`` (its own part, relationship
    and content type; nothing else refers to it)."""
    parts = _parts(data)
    book = workbook_part(data)
    source = sheet_part(data, sheet)
    n = 1
    while f"xl/worksheets/copy{n}.xml" in parts:
        n += 1
    copy = f"xl/worksheets/copy{n}.xml"
    parts[copy] = parts[source]
    rels = etree.fromstring(parts[_rels_of(book)])
    rid = f"rIdCopy{n}"
    etree.SubElement(rels, f"{{{NS_PKG}}}Relationship", Id=rid, Type=f"{NS_REL}/worksheet",
                     Target=_target(book, copy))  # fmt: skip
    parts[_rels_of(book)] = _xml(rels)
    wb = etree.fromstring(parts[book])
    sheets = wb.find(f"{{{NS_MAIN}}}sheets")
    ids = [int(el.get("sheetId", "0")) for el in sheets]
    entry = etree.SubElement(sheets, f"{{{NS_MAIN}}}sheet", name=name, sheetId=str(max(ids) + 1))
    entry.set(f"{{{NS_REL}}}id", rid)
    parts[book] = _xml(wb)
    types = etree.fromstring(parts[TYPES])
    etree.SubElement(
        types, f"{{{NS_TYPES}}}Override", PartName="/" + copy, ContentType=CT_WORKSHEET
    )
    parts[TYPES] = _xml(types)
    return _package(parts)
