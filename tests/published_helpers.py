"""Published-report fixtures made from values: a government web page (.html) with the national
tables, the way county sites publish them, and its printed-cell variants.

The page's labels come from the form (:func:`xl2report.published.labels.table_rows`), as a
published report copies them from the national format; ``printed`` overrides what one cell
shows (a blank, "—", "/", "１２", "1,234", a wrong total), so a test states a variant in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from xl2report.form.national import (
    S1_PARTS,
    S3_COLUMNS,
    S3_NOTE,
    S4_GROUPS,
    S4_RESULTS,
    SECTION_HEADINGS,
    Value,
    compute_formulas,
)
from xl2report.form.types import format_number
from xl2report.published.labels import review_fields, table_rows

CHROME_TOP = "<div class='nav'>首页 | 政务公开 | 政府信息公开年报</div><div>发布时间：2025-01-20 字号：大 中 小</div>"
CHROME_BOTTOM = (
    "<div>【打印本页】【关闭窗口】</div><div>主办单位：××县人民政府办公室 网站标识码 1234</div>"
)


def _cells(values: Mapping[str, Value], printed: Mapping[str, str], keys: list[str]) -> str:
    out = []
    for k in keys:
        shown = printed[k] if k in printed else format_number(values.get(k))  # type: ignore[arg-type]
        out.append(f"<td>{escape(shown)}</td>")
    return "".join(out)


def table2(values: Mapping[str, Value], printed: Mapping[str, str]) -> str:
    rows = table_rows("二")
    blocks = [("第二十条第（一）项", "<td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td>", rows[:2]),
              ("第二十条第（五）项", "<td>信息内容</td><td colspan='3'>本年处理决定数量</td>", rows[2:3]),
              ("第二十条第（六）项", "<td>信息内容</td><td colspan='3'>本年处理决定数量</td>", rows[3:5]),
              ("第二十条第（八）项", "<td>信息内容</td><td colspan='3'>本年收费金额（单位：万元）</td>", rows[5:])]  # fmt: skip
    html = ["<table border='1'>"]
    for caption, header, block in blocks:
        html.append(f"<tr><td colspan='4'>{caption}</td></tr><tr>{header}</tr>")
        for row in block:
            keys = [f.key for f in row.fields]
            span = "" if len(keys) > 1 else " colspan='3'"
            cells = _cells(values, printed, keys)
            if span:
                cells = cells.replace("<td>", f"<td{span}>", 1)
            html.append(f"<tr><td>{row.name}</td>{cells}</tr>")
    return "".join(html) + "</table>"


def table3_header() -> str:
    names = [n for _, n in S3_COLUMNS]
    return (f"<tr><td rowspan='3' colspan='3'>{S3_NOTE}</td><td colspan='7'>申请人情况</td></tr>"
            f"<tr><td rowspan='2'>{names[0]}</td><td colspan='5'>法人或其他组织</td>"
            f"<td rowspan='2'>{names[-1]}</td></tr>"
            "<tr>" + "".join(f"<td>{n}</td>" for n in names[1:-1]) + "</tr>")  # fmt: skip


def table3(values: Mapping[str, Value], printed: Mapping[str, str], split_at: int = 0,
           repeat_header: bool = True, labels: Mapping[str, str] | None = None,
           old_other: bool = False) -> str:  # fmt: skip
    """Table 三 with label cells merged as published; ``split_at`` > 0 breaks it into two
    tables (a page break) after that many body rows."""
    labels = labels or {}
    body = []
    for row in table_rows("三"):
        keys = [f.key for f in row.fields]
        name = labels.get(keys[0], row.name)
        if old_other and keys[0].startswith("s3.other."):
            if keys[0] != "s3.other.no_correction.natural":
                continue
            columns = [f.key.rsplit(".", 1)[1] for f in row.fields]
            sums = [sum(int(values.get(f"s3.other.{part}.{col}") or 0)
                        for part in ("no_correction", "no_fee", "other")) for col in columns]  # fmt: skip
            body.append("<tr><td colspan='3'>（六）其他处理</td>"
                        + "".join(f"<td>{n}</td>" for n in sums) + "</tr>")  # fmt: skip
            continue
        label_cells = f"<td colspan='3'>{escape(name)}</td>" if row.label.col == 0 else (
            f"<td></td><td colspan='2'>{escape(name)}</td>" if row.label.last_col else
            f"<td></td><td></td><td>{escape(name)}</td>")  # fmt: skip
        body.append(f"<tr>{label_cells}{_cells(values, printed, keys)}</tr>")
    head = table3_header()
    if not split_at:
        return f"<table border='1'>{head}{''.join(body)}</table>"
    second = head if repeat_header else ""
    return (f"<table border='1'>{head}{''.join(body[:split_at])}</table>"
            f"<table border='1'>{second}{''.join(body[split_at:])}</table>")  # fmt: skip


def table4(values: Mapping[str, Value], printed: Mapping[str, str], split: bool = False) -> str:
    n = len(S4_RESULTS)
    head = (f"<tr><td colspan='{n}'>{S4_GROUPS[0][1]}</td><td colspan='{2 * n}'>行政诉讼</td></tr>"
            "<tr>" + "".join(f"<td rowspan='2'>{lab}</td>" for _, lab in S4_RESULTS)
            + "".join(f"<td colspan='{n}'>{lab}</td>" for _, lab in S4_GROUPS[1:]) + "</tr>"
            "<tr>" + "".join(f"<td>{lab}</td>" for _, lab in S4_RESULTS) * 2 + "</tr>")  # fmt: skip
    data = "<tr>" + _cells(values, printed, [f.key for f in review_fields()]) + "</tr>"
    if split:
        return f"<table border='1'>{head}</table><table border='1'>{data}</table>"
    return f"<table border='1'>{head}{data}</table>"


def report_html(values: Mapping[str, Value], printed: Mapping[str, str] | None = None,
                chrome: bool = True, **table3_options: object) -> str:  # fmt: skip
    """A whole report page; ``values`` are inputs (totals are computed unless ``printed``)."""
    printed = dict(printed or {})
    full = compute_formulas(dict(values))
    org, year = values["info.org"], values["info.year"]
    p = lambda text: "".join(f"<p>{escape(t)}</p>" for t in str(text).split("\n") if t)  # noqa: E731
    parts = []
    for key, heading, _ in S1_PARTS:
        parts.append(
            p(values.get(f"s1.{key}.heading", heading)) + p(values.get(f"s1.{key}.text", ""))
        )
    html = [f"<html><head><meta charset='utf-8'><title>{org}{year}年政府信息公开工作年度报告_××县人民政府</title></head><body>",
            CHROME_TOP if chrome else "",
            f"<p align='center'><b>{org}{year}年政府信息公开工作年度报告</b></p>",
            p(values.get("preface.text", "")),
            p(SECTION_HEADINGS["一"]), *parts,
            p(SECTION_HEADINGS["二"]), table2(full, printed),
            p(SECTION_HEADINGS["三"]), table3(full, printed, **table3_options),  # type: ignore[arg-type]
            p(SECTION_HEADINGS["四"]), table4(full, printed),
            p(SECTION_HEADINGS["五"]), p(values.get("s5.text", "")),
            p(SECTION_HEADINGS["六"]), p(values.get("s6.text", "")),
            p(org), p(values.get("info.publish_date", "2025年1月20日")),
            CHROME_BOTTOM if chrome else "", "</body></html>"]  # fmt: skip
    return "".join(html)
