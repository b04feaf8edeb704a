"""The package writer that reuses unchanged parts writes exactly what zipfile writes (issue #6)."""

from __future__ import annotations

import io
import zipfile

import pytest

from xl2report.form.national import blank_values, compute_formulas
from xl2report.report.content import report_content
from xl2report.report.default_template import template_parts, zip_parts
from xl2report.report.render import ReportRenderer
from xl2report.xlsx.package import PackageWriter

DYNAMIC = ("word/document.xml", "docProps/core.xml")


def _parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {info.filename: zf.read(info) for info in zf.infolist()}


@pytest.mark.parametrize(
    "changed",
    [
        {"word/document.xml": b"<a/>", "docProps/core.xml": b""},
        {"word/document.xml": "正文".encode() * 5000, "docProps/core.xml": b"<c>x</c>"},
    ],
)
def test_same_bytes_as_zip_parts(changed: dict[str, bytes]) -> None:
    parts = template_parts()
    writer = PackageWriter(zip_parts(parts), DYNAMIC)
    data = writer.write(changed)
    assert data == zip_parts({**parts, **changed})
    assert _parts_of(data) == {**parts, **changed}


def test_every_dynamic_part_must_be_given() -> None:
    writer = PackageWriter(zip_parts(template_parts()), DYNAMIC)
    with pytest.raises(KeyError):
        writer.write({"word/document.xml": b"<a/>"})
    with pytest.raises(KeyError):
        writer.write({"word/document.xml": b"", "docProps/core.xml": b"", "word/styles.xml": b""})


def test_rendered_report_is_a_plain_zip_of_its_parts(kejing_values) -> None:  # type: ignore[no-untyped-def]
    values = compute_formulas({**blank_values(), **kejing_values})
    data = ReportRenderer().render_bytes(report_content(values))
    assert zip_parts(_parts_of(data)) == data
