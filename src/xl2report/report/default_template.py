"""Build the default Word template ``templates/report.docx`` from the form.

Every heading, table label, merge and placeholder comes from :mod:`xl2report.form.national` and
:mod:`xl2report.report.content`; this module adds only typography (GB/T 9704-2012, as
format-spec.md §6 recommends): A4, margins 37/35/28/26 mm, 方正小标宋简体 二号 title, 黑体 /
楷体_GB2312 三号 headings, 仿宋_GB2312 三号 body indented two characters at a fixed 28.9 pt line,
五号 仿宋 tables with explicit column widths, "— 1 —" page numbers (odd pages right, even pages
left).  Fonts are set in the styles with their East Asian slot and the document language is
zh-CN; no theme fonts are referenced, so WPS does not report missing fonts.

The package is written part by part with fixed dates, so the same form gives the same bytes.
``python -m xl2report.report.default_template [-o FILE]`` regenerates the bundled copy (or writes one for
restyling).  Users restyle a copy in Word or WPS: change styles, keep the ``{{ … }}`` tags.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from xl2report.atomic import write_bytes_atomic
from xl2report.form.national import (
    FORM,
    FORM_TITLE,
    S1_PARTS,
    SECTION_HEADINGS,
    LabelRole,
)
from xl2report.report.content import (
    DRAFT,
    DRAFT_MARK,
    ORG,
    PARAGRAPH_FIELDS,
    PUBLISH_DATE,
    YEAR,
)
from xl2report.report.docx_package import (
    XML_DECL,
    core_xml,
    default_word_template,
    zip_parts,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = f"{{{W_NS}}}"
NSMAP = {"w": W_NS, "r": R_NS}

# ---------------------------------------------------------------------------------------------
# Typography (GB/T 9704-2012).  Sizes in half-points, lengths in twips (1/1440 inch).
# ---------------------------------------------------------------------------------------------

FONT_TITLE = "方正小标宋简体"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_BODY = "仿宋_GB2312"
FONT_PAGE_NUMBER = "宋体"
# fontTable alternates: what Word looks for when the GB2312-era font is not installed.
FONT_ALTERNATES = {
    FONT_TITLE: "方正小标宋_GBK",
    FONT_H1: "SimHei",
    FONT_H2: "楷体",
    FONT_BODY: "仿宋",
    FONT_PAGE_NUMBER: "SimSun",
}
SIZE_ER = 44  # 二号 22 pt
SIZE_SAN = 32  # 三号 16 pt
SIZE_SI = 28  # 四号 14 pt
SIZE_WU = 21  # 五号 10.5 pt
LINE_BODY = 578  # fixed 28.9 pt: 22 lines on the 225 mm 版心
LINE_TITLE = 700  # fixed 35 pt for the two-line title
INDENT_2_CHARS = 2 * SIZE_SAN * 10  # two 三号 characters = 640 twips


def mm(value: float) -> int:
    return round(value * 1440 / 25.4)


PAGE_W, PAGE_H = 11906, 16838  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = mm(37), mm(35), mm(28), mm(26)
FOOTER_DISTANCE = mm(24.7)  # puts the page number's dashes about 7 mm below the 版心
TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 156 mm
CELL_MARGIN = 57  # 1 mm left and right inside table cells
ROW_MIN_HEIGHT = mm(7)

# Tables kept on one page, or (table 二) broken only between its 第二十条 blocks, each of which
# has its own header row.  Word and LibreOffice keep rows together when their paragraphs are
# "keep with next".
KEEP_TOGETHER = ("二", "四")
# Column widths (mm) of the three tables, in sheet column order; each sums to the 156 mm 版心.
TABLE_COLUMNS_MM: dict[str, tuple[float, ...]] = {
    "二": (45.0, 37.0, 37.0, 37.0),
    "三": (14.0, 20.0, 50.1) + (10.27,) * 7,
    "四": (10.4,) * 15,
}

STYLE_TITLE = "Title"
STYLE_H1 = "Heading1"
STYLE_H2 = "Heading2"
STYLE_BODY = "Normal"
STYLE_TABLE = "TableText"
STYLE_TABLE_LABEL = "TableLabel"
STYLE_DRAFT = "DraftMark"
STYLE_SIGNATURE = "Signature"
STYLE_FOOTER = "Footer"


def _rfonts(font: str) -> str:
    return (
        f'<w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}" w:cs="{font}" '
        'w:hint="eastAsia"/>'
    )


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'


def styles_xml() -> bytes:
    """Styles with explicit East Asian fonts; docDefaults carry the zh-CN language."""
    body_ppr = (
        '<w:widowControl w:val="0"/>'
        f'<w:spacing w:line="{LINE_BODY}" w:lineRule="exact"/>'
        f'<w:ind w:firstLineChars="200" w:firstLine="{INDENT_2_CHARS}"/>'
        '<w:jc w:val="both"/>'
    )
    styles = [
        f'<w:style w:type="paragraph" w:default="1" w:styleId="{STYLE_BODY}">'
        '<w:name w:val="Normal"/><w:qFormat/>'
        f"<w:pPr>{body_ppr}</w:pPr><w:rPr>{_rfonts(FONT_BODY)}{_size(SIZE_SAN)}</w:rPr></w:style>",
        f'<w:style w:type="paragraph" w:styleId="{STYLE_TITLE}"><w:name w:val="Title"/>'
        f'<w:basedOn w:val="{STYLE_BODY}"/><w:next w:val="{STYLE_BODY}"/><w:qFormat/>'
        f'<w:pPr><w:spacing w:before="0" w:after="{LINE_BODY}" w:line="{LINE_TITLE}" '
        f'w:lineRule="exact"/>{NO_INDENT}<w:jc w:val="center"/><w:outlineLvl w:val="9"/></w:pPr>'
        f"<w:rPr>{_rfonts(FONT_TITLE)}{_size(SIZE_ER)}</w:rPr></w:style>",
        f'<w:style w:type="paragraph" w:styleId="{STYLE_H1}"><w:name w:val="heading 1"/>'
        f'<w:basedOn w:val="{STYLE_BODY}"/><w:next w:val="{STYLE_BODY}"/><w:qFormat/>'
        '<w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr>'
        f"<w:rPr>{_rfonts(FONT_H1)}{_size(SIZE_SAN)}</w:rPr></w:style>",
        f'<w:style w:type="paragraph" w:styleId="{STYLE_H2}"><w:name w:val="heading 2"/>'
        f'<w:basedOn w:val="{STYLE_BODY}"/><w:next w:val="{STYLE_BODY}"/><w:qFormat/>'
        '<w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr>'
        f"<w:rPr>{_rfonts(FONT_H2)}{_size(SIZE_SAN)}</w:rPr></w:style>",
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_TABLE}">'
        f'<w:name w:val="表格文字"/><w:basedOn w:val="{STYLE_BODY}"/><w:qFormat/>'
        f'<w:pPr><w:spacing w:line="240" w:lineRule="auto"/>{NO_INDENT}<w:jc w:val="center"/>'
        f"</w:pPr><w:rPr>{_size(SIZE_WU)}</w:rPr></w:style>",
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_TABLE_LABEL}">'
        f'<w:name w:val="表格项目"/><w:basedOn w:val="{STYLE_TABLE}"/><w:qFormat/>'
        '<w:pPr><w:jc w:val="left"/></w:pPr></w:style>',
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_DRAFT}">'
        f'<w:name w:val="草稿标记"/><w:basedOn w:val="{STYLE_BODY}"/>'
        f'<w:pPr>{NO_INDENT}<w:jc w:val="center"/></w:pPr>'
        f'<w:rPr>{_rfonts(FONT_H1)}<w:color w:val="C00000"/></w:rPr></w:style>',
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_SIGNATURE}">'
        f'<w:name w:val="落款"/><w:basedOn w:val="{STYLE_BODY}"/>'
        '<w:pPr><w:ind w:rightChars="400" w:right="1280" w:firstLineChars="0" w:firstLine="0"/>'
        '<w:jc w:val="right"/></w:pPr></w:style>',
        f'<w:style w:type="paragraph" w:styleId="{STYLE_FOOTER}"><w:name w:val="footer"/>'
        f'<w:basedOn w:val="{STYLE_BODY}"/>'
        f'<w:pPr><w:spacing w:line="240" w:lineRule="auto"/>{NO_INDENT}</w:pPr>'
        f"<w:rPr>{_rfonts(FONT_PAGE_NUMBER)}{_size(SIZE_SI)}</w:rPr></w:style>",
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
        "<w:unhideWhenUsed/></w:style>",
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        '<w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr></w:style>",
    ]
    xml = (
        f'<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr>{_rfonts(FONT_BODY)}'
        f'<w:kern w:val="2"/>{_size(SIZE_SAN)}'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:pPrDefault>'
        "</w:docDefaults>" + "".join(styles) + "</w:styles>"
    )
    return XML_DECL + xml.encode()


def settings_xml() -> bytes:
    return (
        XML_DECL
        + (
            f'<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/>'
            '<w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/>'
            '<w:characterSpacingControl w:val="doNotCompress"/>'
            '<w:compat><w:compatSetting w:name="compatibilityMode" '
            'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
            '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
            '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
        ).encode()
    )


def font_table_xml() -> bytes:
    fonts = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
        '<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
        for name, alt in FONT_ALTERNATES.items()
    )
    return XML_DECL + f'<w:fonts xmlns:w="{W_NS}">{fonts}</w:fonts>'.encode()


def footer_xml(odd: bool) -> bytes:
    """ "— 1 —": odd pages right-aligned, even pages left-aligned, one character in."""
    side = (
        '<w:ind w:right="280"/><w:jc w:val="right"/>'
        if odd
        else ('<w:ind w:left="280"/><w:jc w:val="left"/>')
    )
    runs = (
        '<w:r><w:t xml:space="preserve">— </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>1</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> —</w:t></w:r>'
    )
    return (
        XML_DECL
        + (
            f'<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr>'
            f'<w:pStyle w:val="{STYLE_FOOTER}"/>{side}</w:pPr>{runs}</w:p></w:ftr>'
        ).encode()
    )


# ---------------------------------------------------------------------------------------------
# Body
# ---------------------------------------------------------------------------------------------


def _el(tag: str, attrs: dict[str, str] | None = None, *children: etree._Element) -> etree._Element:
    el = etree.Element(W + tag, {W + k: v for k, v in (attrs or {}).items()}, nsmap=NSMAP)
    el.extend(children)
    return el


def paragraph(style: str, *texts: str, keep_next: bool = False) -> etree._Element:
    """A paragraph; several ``texts`` are separated by line breaks (one run each)."""
    ppr = _el("pPr", None, _el("pStyle", {"val": style}))
    if keep_next:
        ppr.append(_el("keepNext"))
    p = _el("p", None, ppr)
    for i, text in enumerate(texts):
        if i:
            p.append(_el("r", None, _el("br")))
        if text:
            t = _el("t")
            t.text = text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            p.append(_el("r", None, t))
    return p


def tag(statement: str) -> etree._Element:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); docxtpl removes it."""
    return paragraph(STYLE_BODY, "{%p " + statement + " %}")


def placeholder(key: str) -> str:
    return "{{ " + key + " }}"


def narrative(key: str) -> list[etree._Element]:
    """A text cell's paragraphs: short （一）… lines as level-2 headings, the rest as body."""
    return [
        tag(f"for para in {key}"),
        tag("if para.heading"),
        paragraph(STYLE_H2, placeholder("para.text")),
        tag("else"),
        paragraph(STYLE_BODY, placeholder("para.text")),
        tag("endif"),
        tag("endfor"),
    ]


@dataclass(frozen=True)
class Cell:
    text: str
    style: str
    cols: int = 1
    rows: int = 1
    bold: bool = False


def table_grid(sheet: str) -> tuple[int, list[dict[int, Cell]], int]:
    """The table of a sheet as Word needs it: (first sheet row, rows of anchored cells, ncols).

    Labels (captions, headers, row labels) and fields come from the form with their merges;
    the sheet's title, notes and check rows are not part of the printed table.
    """
    roles = {LabelRole.CAPTION, LabelRole.HEADER, LabelRole.ROW}
    anchors: dict[tuple[int, int], Cell] = {}
    for lab in FORM.labels_on(sheet):
        if lab.role in roles:
            style = STYLE_TABLE_LABEL if lab.role is LabelRole.ROW else STYLE_TABLE
            anchors[(lab.row, lab.col)] = Cell(
                lab.text, style,
                cols=(lab.last_col or lab.col) - lab.col + 1,
                rows=(lab.last_row or lab.row) - lab.row + 1,
                bold=lab.role is LabelRole.CAPTION,
            )  # fmt: skip
    for f in FORM.fields_on(sheet):
        anchors[(f.row, f.col)] = Cell(
            placeholder(f.key), STYLE_TABLE, cols=(f.last_col or f.col) - f.col + 1
        )
    first = min(r for r, _ in anchors)
    last = max(r + cell.rows - 1 for (r, _), cell in anchors.items())
    ncols = max(c + cell.cols for (_, c), cell in anchors.items())
    rows: list[dict[int, Cell]] = [{} for _ in range(last - first + 1)]
    for (r, c), cell in anchors.items():
        rows[r - first][c] = cell
    return first, rows, ncols


def table(section: str, sheet: str, header_rows: tuple[int, int] | None) -> etree._Element:
    """A fixed-layout table with explicit widths, vertical (vMerge) and horizontal merges."""
    first, rows, ncols = table_grid(sheet)
    widths_mm = TABLE_COLUMNS_MM[section]
    if len(widths_mm) != ncols:
        raise ValueError(f"table {section}: {len(widths_mm)} widths for {ncols} columns")
    widths = [mm(w) for w in widths_mm]
    widths[-1] += TEXT_WIDTH - sum(widths)  # rounding remainder: exactly the 版心 width
    border = {"val": "single", "sz": "4", "space": "0", "color": "000000"}
    tbl = _el(
        "tbl", None,
        _el("tblPr", None,
            _el("tblW", {"w": str(TEXT_WIDTH), "type": "dxa"}),
            _el("jc", {"val": "center"}),
            _el("tblBorders", None, *(_el(side, border) for side in
                                      ("top", "left", "bottom", "right", "insideH", "insideV"))),
            _el("tblLayout", {"type": "fixed"}),
            _el("tblCellMar", None, _el("left", {"w": str(CELL_MARGIN), "type": "dxa"}),
                _el("right", {"w": str(CELL_MARGIN), "type": "dxa"})),
            _el("tblLook", {"val": "0000", "firstRow": "0", "lastRow": "0", "firstColumn": "0",
                            "lastColumn": "0", "noHBand": "1", "noVBand": "1"})),
        _el("tblGrid", None, *(_el("gridCol", {"w": str(w)}) for w in widths)),
    )  # fmt: skip
    # Cells continuing a vertical merge: (row index, col) -> the anchor cell above.
    continuing: dict[tuple[int, int], Cell] = {}
    covered: set[tuple[int, int]] = set()
    for i, row in enumerate(rows):
        for c, cell in row.items():
            for dr in range(cell.rows):
                for dc in range(cell.cols):
                    if (dr, dc) != (0, 0):
                        covered.add((i + dr, c + dc))
                if dr:
                    continuing[(i + dr, c)] = cell
    for i, row in enumerate(rows):
        trpr = _el("trPr", None, _el("cantSplit"),
                   _el("trHeight", {"val": str(ROW_MIN_HEIGHT), "hRule": "atLeast"}))  # fmt: skip
        if header_rows and header_rows[0] <= first + i <= header_rows[1]:
            trpr.append(_el("tblHeader"))
        tr = _el("tr", None, trpr)
        next_is_caption = i + 1 < len(rows) and any(
            cell.bold for cell in rows[i + 1].values()
        )  # a caption row starts the next block
        keep = section in KEEP_TOGETHER and i < len(rows) - 1 and not next_is_caption
        c = 0
        while c < ncols:
            if (i, c) in continuing:
                cell = continuing[(i, c)]
                tr.append(_cell(widths, c, cell, merge="continue", keep=keep))
                c += cell.cols
            elif c in row:
                cell = row[c]
                merge = "restart" if cell.rows > 1 else None
                tr.append(_cell(widths, c, cell, merge=merge, keep=keep))
                c += cell.cols
            elif (i, c) in covered:
                c += 1
            else:
                raise ValueError(f"table {section}: no cell at row {first + i}, column {c}")
        tbl.append(tr)
    return tbl


def _cell(
    widths: Sequence[int], col: int, cell: Cell, merge: str | None, keep: bool
) -> etree._Element:
    tcpr = _el("tcPr", None, _el("tcW", {"w": str(sum(widths[col : col + cell.cols])),
                                         "type": "dxa"}))  # fmt: skip
    if cell.cols > 1:
        tcpr.append(_el("gridSpan", {"val": str(cell.cols)}))
    if merge == "restart":
        tcpr.append(_el("vMerge", {"val": "restart"}))
    elif merge == "continue":
        tcpr.append(_el("vMerge"))
    tcpr.append(_el("vAlign", {"val": "center"}))
    p = paragraph(cell.style, cell.text if merge != "continue" else "", keep_next=keep)
    if cell.bold and merge != "continue":
        for run in p.iter(W + "r"):
            run.insert(0, _el("rPr", None, _el("b"), _el("bCs")))
    return _el("tc", None, tcpr, p)


def section_properties() -> etree._Element:
    return _el(
        "sectPr", None,
        _el("footerReference", None),  # attributes set below (r: namespace)
        _el("footerReference", None),
        _el("pgSz", {"w": str(PAGE_W), "h": str(PAGE_H)}),
        _el("pgMar", {"top": str(MARGIN_TOP), "right": str(MARGIN_RIGHT),
                      "bottom": str(MARGIN_BOTTOM), "left": str(MARGIN_LEFT),
                      "header": str(mm(15)), "footer": str(FOOTER_DISTANCE), "gutter": "0"}),
        _el("cols", {"space": "425"}),
        _el("docGrid", {"linePitch": str(LINE_BODY)}),
    )  # fmt: skip


def body_elements() -> Iterable[etree._Element]:
    """The report in order: draft mark, title, sections 一–六, signature."""
    sheets = {spec.section: spec for spec in FORM.sheets if spec.section}
    yield tag(f"if {DRAFT}")
    yield paragraph(STYLE_DRAFT, DRAFT_MARK)
    yield tag("endif")
    yield paragraph(STYLE_TITLE, placeholder(ORG.key), placeholder(YEAR.key) + "年" + FORM_TITLE)
    paragraph_keys = {f.key for f in PARAGRAPH_FIELDS}
    for section, heading in SECTION_HEADINGS.items():
        yield paragraph(STYLE_H1, heading)
        spec = sheets[section]
        if section == "一":
            for part, _, _ in S1_PARTS:
                yield paragraph(STYLE_H2, placeholder(f"s1.{part}.heading"))
                yield from narrative(f"s1.{part}.text")
        elif section in TABLE_COLUMNS_MM:
            yield table(section, spec.name, spec.header_rows)
        for f in FORM.fields_on(spec.name):
            if f.key in paragraph_keys and section != "一":
                yield from narrative(f.key)
    yield tag(f"if {PUBLISH_DATE.key}")
    yield paragraph(STYLE_BODY, "")
    yield paragraph(STYLE_SIGNATURE, placeholder(ORG.key))
    yield paragraph(STYLE_SIGNATURE, placeholder(PUBLISH_DATE.key))
    yield tag("endif")


def document_xml() -> bytes:
    body = _el("body")
    body.extend(body_elements())
    sect = section_properties()
    refs = sect.findall(W + "footerReference")
    for ref, (kind, rid) in zip(refs, (("default", "rIdFooterOdd"), ("even", "rIdFooterEven")),
                                strict=True):  # fmt: skip
        ref.set(W + "type", kind)
        ref.set(f"{{{R_NS}}}id", rid)
    body.append(sect)
    doc = _el("document", None, body)
    return XML_DECL + etree.tostring(doc, encoding="UTF-8")


CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rIdStyles" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rIdSettings" Type="{REL}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rIdFonts" Type="{REL}/fontTable" Target="fontTable.xml"/>'
    f'<Relationship Id="rIdFooterOdd" Type="{REL}/footer" Target="footer1.xml"/>'
    f'<Relationship Id="rIdFooterEven" Type="{REL}/footer" Target="footer2.xml"/>'
    "</Relationships>"
)


APP_XML = XML_DECL + (
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>xl2report</Application></Properties>"
)


def template_parts() -> dict[str, bytes]:
    """Every part of the template package, in zip order."""
    return {
        "[Content_Types].xml": XML_DECL + CONTENT_TYPES.encode(),
        "_rels/.rels": XML_DECL + PACKAGE_RELS.encode(),
        "docProps/core.xml": core_xml(),
        "docProps/app.xml": APP_XML,
        "word/document.xml": document_xml(),
        "word/_rels/document.xml.rels": XML_DECL + DOCUMENT_RELS.encode(),
        "word/styles.xml": styles_xml(),
        "word/settings.xml": settings_xml(),
        "word/fontTable.xml": font_table_xml(),
        "word/footer1.xml": footer_xml(odd=True),
        "word/footer2.xml": footer_xml(odd=False),
    }


def build_word_template() -> bytes:
    """The default Word template (.docx bytes), derived from the form."""
    return zip_parts(template_parts())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m xl2report.report.default_template",
        description="重新生成默认 Word 模板（或另存一份供修改样式）。",
    )
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="输出文件；省略时更新包内的 templates/report.docx")  # fmt: skip
    args = parser.parse_args(argv)
    data = build_word_template()
    targets = [args.output] if args.output else [default_word_template(), *_repo_copy()]
    for target in targets:
        write_bytes_atomic(target, data, overwrite=args.output is None)
        print(f"已写出 Word 模板：{target}")


def _repo_copy() -> list[Path]:
    """In a source checkout, ``templates/report.docx`` is the copy users find and restyle."""
    folder = Path(__file__).resolve().parents[3] / "templates"
    return [folder / "report.docx"] if folder.is_dir() else []


if __name__ == "__main__":
    main()
