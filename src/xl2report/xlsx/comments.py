"""Cell comments (notes) of a worksheet being edited: the comments part and its VML shapes.

A note in an .xlsx is two parts: ``commentsN.xml`` (author and text per cell) and a legacy VML
drawing (the yellow box: size, hidden until hovered) that Excel and LibreOffice need to show
it.  :func:`set_comments` replaces a sheet's notes: it keeps the notes of other authors that
are still wanted, adds ours, and writes both parts (or removes them when no note is left).
The boxes look as openpyxl drew them (300 px wide, height by text, hidden until hovered).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from xl2report.form.national import parse_a1
from xl2report.xlsx.package_edit import (
    CT_COMMENTS,
    CT_VML,
    R_ID,
    REL_COMMENTS,
    REL_VML,
    M,
    WorkbookPackage,
    insert_legacy_drawing,
)
from xl2report.xlsx.text import cell_text, escape, ooxml_escape, quoteattr

_LEGACY_DRAWING = M + "legacyDrawing"


@dataclass
class Note:
    """One cell's note."""

    ref: str
    author: str
    text: str
    width: int = 300  # px
    height: int = 76  # px


def read_notes(pkg: WorkbookPackage, sheet_part: str) -> list[Note]:
    """The notes a sheet has now (text only: rich formatting is not kept)."""
    found = pkg.targets(sheet_part, REL_COMMENTS)
    if not found or not pkg.exists(found[0][1]):
        return []
    root = pkg.tree(found[0][1])
    authors_el = root.find(M + "authors")
    authors = [] if authors_el is None else [a.text or "" for a in authors_el]
    notes = []
    for comment in root.iter(M + "comment"):
        index = int(comment.get("authorId", "0"))
        text_el = comment.find(M + "text")
        text = "" if text_el is None else cell_text(text_el)
        author = authors[index] if index < len(authors) else ""
        notes.append(Note(comment.get("ref", ""), author, text))
    return notes


def set_comments(pkg: WorkbookPackage, sheet_part: str, sheet: etree._Element,
                 notes: list[Note], shape_block: int) -> None:  # fmt: skip
    """Make ``notes`` the sheet's notes (``sheet`` is its parsed, touched tree).

    ``shape_block`` keeps VML shape ids unique across the workbook (one block of 1024 per sheet).
    """
    comments = pkg.targets(sheet_part, REL_COMMENTS)
    drawings = pkg.targets(sheet_part, REL_VML)
    if not notes:
        for rel, part in comments + drawings:
            pkg.drop_rel(sheet_part, rel)
            pkg.remove(part)
        for el in list(sheet.iter(_LEGACY_DRAWING)):
            sheet.remove(el)
        return
    if comments:
        comments_part = comments[0][1]
    else:
        comments_part = pkg.free_name("xl/comments{}.xml")
        pkg.add_rel(sheet_part, REL_COMMENTS, comments_part)
    pkg.put(comments_part, comments_xml(notes), CT_COMMENTS)
    if drawings:
        vml_part = drawings[0][1]
    else:
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        rid = pkg.add_rel(sheet_part, REL_VML, vml_part)
        for el in list(sheet.iter(_LEGACY_DRAWING)):  # a drawing without a part: replaced
            sheet.remove(el)
        insert_legacy_drawing(sheet, rid)
    pkg.ensure_default("vml", CT_VML)
    pkg.put(vml_part, vml(notes, shape_block))
    if not any(el.get(R_ID) for el in sheet.iter(_LEGACY_DRAWING)):
        insert_legacy_drawing(sheet, drawings[0][0].get("Id", ""))


def comments_xml(notes: list[Note]) -> bytes:
    """The comments part for ``notes``."""
    authors = list(dict.fromkeys(n.author for n in notes))
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors>'
    ]
    out += [f"<author>{escape(a)}</author>" for a in authors]
    out.append("</authors><commentList>")
    for n in notes:
        out.append(
            f'<comment ref="{n.ref}" authorId="{authors.index(n.author)}"><text>'
            f'<t xml:space="preserve">{xml_text(n.text)}</t></text></comment>'
        )
    out.append("</commentList></comments>")
    return "".join(out).encode("utf-8")


def vml(notes: list[Note], block: int) -> bytes:
    """The legacy drawing with one hidden note box per note."""
    out = [
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
        ' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
    ]
    for i, n in enumerate(notes):
        row, col = parse_a1(n.ref)
        style = (
            "position:absolute; margin-left:59.25pt;margin-top:1.5pt;"
            f"width:{n.width}px;height:{n.height}px;z-index:{i + 1};visibility:hidden"
        )
        out.append(
            f'<v:shape id="_x0000_s{block * 1024 + 1 + i}" type="#_x0000_t202" style={quoteattr(style)}'
            ' fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column>"
            "</x:ClientData></v:shape>"
        )
    out.append("</xml>")
    return "".join(out).encode("utf-8")


def xml_text(text: str) -> str:
    """``text`` for an element's content: escaped; characters XML cannot hold as OOXML's
    ``_xHHHH_`` (and a literal ``_xHHHH_`` protected), as Excel writes them."""
    return escape(ooxml_escape(text))
