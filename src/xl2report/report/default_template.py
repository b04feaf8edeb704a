"""Build the default Word template ``templates/report.docx`` from the form.

Every heading, table label, merge and placeholder comes from :mod:`xl2report.form.national` and
:mod:`xl2report.report.content`; this module assembles the body (title, 前言, sections 一–六,
signature) and the package.  Typography (GB/T 9704-2012, as format-spec.md §6 recommends) is
:mod:`xl2report.report.typography`'s; paragraphs and tables :mod:`xl2report.report.word_blocks`'.

The package is written part by part with fixed dates, so the same form gives the same bytes.
``python -m xl2report.report.default_template [-o FILE]`` regenerates the bundled copy (or writes one for
restyling).  Users restyle a copy in Word or WPS: change styles, keep the ``{{ … }}`` tags.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from xl2report.atomic import write_bytes_atomic
from xl2report.form.national import (
    FORM,
    FORM_TITLE,
    S1_PARTS,
    SECTION_HEADINGS,
)
from xl2report.report.content import (
    DRAFT,
    DRAFT_MARK,
    ORG,
    PARAGRAPH_FIELDS,
    PREFACE,
    PUBLISH_DATE,
    YEAR,
)
from xl2report.report.docx_package import (
    XML_DECL,
    core_xml,
    default_word_template,
    zip_parts,
)
from xl2report.report.typography import (
    FOOTER_DISTANCE,
    LINE_BODY,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_H,
    PAGE_W,
    R_NS,
    STYLE_BODY,
    STYLE_DRAFT,
    STYLE_H1,
    STYLE_H2,
    STYLE_SIGNATURE,
    STYLE_TITLE,
    W,
    font_table_xml,
    footer_xml,
    mm,
    settings_xml,
    styles_xml,
)
from xl2report.report.word_blocks import (
    TABLE_COLUMNS_MM,
    element,
    paragraph,
    placeholder,
    table,
)


def tag(statement: str) -> etree._Element:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); docxtpl removes it."""
    return paragraph(STYLE_BODY, "{%p " + statement + " %}")


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


def section_properties() -> etree._Element:
    return element(
        "sectPr", None,
        element("footerReference", None),  # attributes set below (r: namespace)
        element("footerReference", None),
        element("pgSz", {"w": str(PAGE_W), "h": str(PAGE_H)}),
        element("pgMar", {"top": str(MARGIN_TOP), "right": str(MARGIN_RIGHT),
                      "bottom": str(MARGIN_BOTTOM), "left": str(MARGIN_LEFT),
                      "header": str(mm(15)), "footer": str(FOOTER_DISTANCE), "gutter": "0"}),
        element("cols", {"space": "425"}),
        element("docGrid", {"linePitch": str(LINE_BODY)}),
    )  # fmt: skip


def body_elements() -> Iterable[etree._Element]:
    """The report in order: draft mark, title, sections 一–六, signature."""
    sheets = {spec.section: spec for spec in FORM.sheets if spec.section}
    yield tag(f"if {DRAFT}")
    yield paragraph(STYLE_DRAFT, DRAFT_MARK)
    yield tag("endif")
    yield paragraph(STYLE_TITLE, placeholder(ORG.key), placeholder(YEAR.key) + "年" + FORM_TITLE)
    yield from narrative(PREFACE.key)  # the 前言, before 一、总体情况
    paragraph_keys = {f.key for f in PARAGRAPH_FIELDS} - {PREFACE.key}
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
    body = element("body")
    body.extend(body_elements())
    sect = section_properties()
    refs = sect.findall(W + "footerReference")
    for ref, (kind, rid) in zip(refs, (("default", "rIdFooterOdd"), ("even", "rIdFooterEven")),
                                strict=True):  # fmt: skip
        ref.set(W + "type", kind)
        ref.set(f"{{{R_NS}}}id", rid)
    body.append(sect)
    doc = element("document", None, body)
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
