"""Typography of the Word report (GB/T 9704-2012): fonts, sizes, page, styles, footers.

A4, margins 37/35/28/26 mm, 方正小标宋简体 二号 title, 黑体 / 楷体_GB2312 三号 headings,
仿宋_GB2312 三号 body indented two characters at a fixed 28.9 pt line, 五号 仿宋 tables,
"— 1 —" page numbers (odd pages right, even pages left).  Fonts are set in the styles with their
East Asian slot and the document language is zh-CN; no theme fonts are referenced, so WPS does
not report missing fonts.  This module only writes XML parts; the body is
:mod:`xl2report.report.default_template`'s, the tables :mod:`xl2report.report.word_blocks`'.
"""

from __future__ import annotations

from xl2report.report.docx_package import XML_DECL

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
SIZE_XIAOWU = 18  # 小五 9 pt: the dense tables 三 and 四
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

STYLE_TITLE = "Title"
STYLE_H1 = "Heading1"
STYLE_H2 = "Heading2"
STYLE_BODY = "Normal"
STYLE_TABLE = "TableText"
STYLE_TABLE_LABEL = "TableLabel"
STYLE_TABLE_SMALL = "TableTextSmall"
STYLE_TABLE_LABEL_SMALL = "TableLabelSmall"
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
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_TABLE_SMALL}">'
        f'<w:name w:val="表格文字（小）"/><w:basedOn w:val="{STYLE_TABLE}"/><w:qFormat/>'
        f"<w:rPr>{_size(SIZE_XIAOWU)}</w:rPr></w:style>",
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_TABLE_LABEL_SMALL}">'
        f'<w:name w:val="表格项目（小）"/><w:basedOn w:val="{STYLE_TABLE_SMALL}"/><w:qFormat/>'
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
