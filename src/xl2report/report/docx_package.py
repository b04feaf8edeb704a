"""Word package plumbing shared by the template generator and the run-time engine.

Fixed dates and zip timestamps keep every generated package byte-identical for the same input;
:func:`default_word_template` says where the bundled template ships.  Imports nothing above
``form``, so the renderer never needs the generator.
"""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

from lxml import etree

from xl2report.form.national import FORM_TITLE

XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FIXED_DATE = "2021-09-29T00:00:00Z"  # the 2021 format's issue date; keeps output reproducible
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def core_xml(title: str = FORM_TITLE, author: str = "xl2report", when: str = FIXED_DATE) -> bytes:
    """Core properties: the report's title, its author (the unit) and created/modified ``when``.

    ``when`` is a W3CDTF timestamp; the template itself keeps the fixed date.
    """
    return (
        XML_DECL
        + (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_escape(title)}</dc:title><dc:creator>{_escape(author)}</dc:creator>"
            f"<cp:lastModifiedBy>{_escape(author)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
            "</cp:coreProperties>"
        ).encode()
    )


def _escape(text: str) -> str:
    t = etree.Element("t")
    t.text = text
    return etree.tostring(t, encoding="unicode")[3:-4]


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A .docx package with fixed timestamps: same parts, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            zf.writestr(info, data)
    return buffer.getvalue()


def default_word_template() -> Path:
    """Where the bundled template lives: ``xl2report/templates/report.docx`` in the package."""
    return Path(str(resources.files("xl2report") / "templates" / "report.docx"))
