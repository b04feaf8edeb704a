"""Test helpers: build filled workbooks with the real template writer, and consistent fills."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from xl2report.form.national import (
    FORM,
    S3_COLUMNS,
    S3_OUTCOME_ROWS,
    Kind,
    Value,
    ValueType,
)
from xl2report.xlsx.template import TemplateOptions, write_template

S3_APPLICANTS = [c for c, _ in S3_COLUMNS if c != "total"]

TEXTS = {
    f.key: f"{f.label}：2024年本机关依法做好相关工作，情况如下。"
    for f in FORM.fields
    if f.type is ValueType.TEXT and f.multiline
}


def consistent_values(rng: random.Random, year: int = 2024) -> dict[str, Value]:
    """A random fill that satisfies every rule (T3-1 per column, fees, texts of ``year``)."""
    values: dict[str, Value] = {"info.org": "测试镇人民政府", "info.year": year}
    values.update({k: t.replace("2024", str(year)) for k, t in TEXTS.items()})
    for col in S3_APPLICANTS:
        outcomes = {row: rng.choice([0, 0, 0, 1, 2, 5, 30]) for row in S3_OUTCOME_ROWS}
        carry_over = rng.randint(0, 5)
        carried = rng.randint(0, 5)
        handled = sum(outcomes.values())
        new = handled + carry_over - carried
        if new < 0:
            carried += new
            new = 0
        values[f"s3.new.{col}"] = new
        values[f"s3.carried.{col}"] = carried
        values[f"s3.carry_over.{col}"] = carry_over
        for row, n in outcomes.items():
            values[f"s3.{row}.{col}"] = n
    # 四, 二 and fees: free of cross rules apart from fees.
    for f in FORM.fields:
        if f.kind is Kind.INPUT and f.key.startswith(("s4.", "s2.")) and f.key not in values:
            values[f.key] = rng.randint(0, 50)
    values["s2.fees.amount"] = Decimal(rng.randint(0, 2_000_000)) / 10000
    # At least one notice, so T3-6 holds whatever 逾期未缴费 row the outcomes drew.
    values["s6.fee_notices"] = rng.randint(1, 3)
    billed = Decimal(rng.randint(0, 50000)) / 100
    values["s6.fee_billed"] = billed
    values["s6.fee_collected"] = billed - Decimal(rng.randint(0, int(billed * 100))) / 100
    return values


def make_workbook(
    path: Path,
    values: dict[str, Value] | None = None,
    org: str | None = None,
    year: int | None = None,
) -> Path:
    write_template(path, TemplateOptions(org=org, year=year), values, overwrite=True)
    return path


def rebalance(values: dict[str, Value]) -> dict[str, Value]:
    """Make 一 = 三(七) + 四 − 二 hold again in every applicant column after an edit."""
    for col in S3_APPLICANTS:
        handled = sum(int(values.get(f"s3.{row}.{col}", 0)) for row in S3_OUTCOME_ROWS)
        new = handled + int(values[f"s3.carry_over.{col}"]) - int(values[f"s3.carried.{col}"])
        if new < 0:
            values[f"s3.carry_over.{col}"] = int(values[f"s3.carry_over.{col}"]) - new
            new = 0
        values[f"s3.new.{col}"] = new
    return values


def load_cell_by_cell(source: Path):  # type: ignore[no-untyped-def]
    """openpyxl's workbook of ``source`` with every stored cell's own style, as Excel reads it.

    On load openpyxl re-derives the borders of cells inside merged ranges from the range's
    first cell; here the sheets are handed to it without their ``<mergeCells>`` and the ranges
    registered afterwards as plain ranges, so covered cells keep the style the file stores.
    """
    import io
    import zipfile

    import openpyxl
    from lxml import etree
    from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

    from xl2report.xlsx.parts import NS_MAIN, worksheet_trees

    merges: dict[str, list[str]] = {}
    rewritten: dict[str, bytes] = {}
    with zipfile.ZipFile(source) as zf:
        for name, (member, root) in worksheet_trees(zf).items():
            found = root.findall(f"{{{NS_MAIN}}}mergeCells")
            merges[name] = [c.get("ref", "") for mc in found for c in mc]
            for mc in found:
                root.remove(mc)
            rewritten[member] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as copy:
            for info in zf.infolist():
                copy.writestr(info.filename, rewritten.get(info.filename) or zf.read(info))
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    for name, refs in merges.items():
        if name in wb.sheetnames and refs:
            wb[name].merged_cells = MultiCellRange([CellRange(ref) for ref in refs])
    return wb
