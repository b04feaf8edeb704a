"""Templates that start from last year (issue #16): ledger and folder sources, the hand-out,
locked prefilled figures, the check that rejects a changed one, byte-identity and determinism."""

from __future__ import annotations

import io
import random
from pathlib import Path

import openpyxl
import pytest

from helpers import S3_APPLICANTS, consistent_values
from inbox_helpers import run_cli, set_mtime, write_valid
from xl2report.batch.lastyear import hand_out, load_last_year
from xl2report.batch.ledger import Ledger, RosterEntry, encode_values
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import template_name
from xl2report.batch.session import default_ledger
from xl2report.checks.check import check_file
from xl2report.form.national import FORM, Value, compute_formulas
from xl2report.form.preface import PREFACE_KEY, standard_preface
from xl2report.xlsx.factory import TemplateFactory
from xl2report.xlsx.prefill import LastYearFill
from xl2report.xlsx.template import TemplateOptions, build_workbook

LAST_YEAR = FORM.last_year
assert LAST_YEAR is not None
NOTE_SHEET, NOTE_ROW, NOTE_COL = LAST_YEAR.note
ROSTER = [RosterEntry("甲镇人民政府"), RosterEntry("乙镇人民政府", contact="李四"),
          RosterEntry("丙镇人民政府"), RosterEntry("丁街道办事处")]  # fmt: skip
JAN_20 = 1_737_331_200 * 10**9  # 2025-01-20 00:00 UTC, in ns


def last_year_values(org: str, seed: int) -> dict[str, Value]:
    values = compute_formulas(consistent_values(random.Random(seed), year=2024))
    values.update({"info.org": org, "info.contact": f"{org[0]}联系人", "info.phone": f"0391-{seed}",
                   "info.website": f"{org}网站（http://{seed}.example.gov.cn）", "info.year": 2024})
    values[PREFACE_KEY] = standard_preface(values)  # kept as the template prefilled it
    return values


def accept(ledger: Ledger, org: str, year: int, values: dict[str, Value], path: str,
           received_ns: int, status: FileStatus = FileStatus.ACCEPTED) -> None:  # fmt: skip
    ledger.commit(insert={
        "path": path, "sha256": f"{path}-{received_ns}", "size": 1, "mtime_ns": received_ns,
        "received_ns": received_ns, "seen_at": "2025-01-20T00:00:00", "status": status,
        "org": org, "year": year, "vals": encode_values(values),
    })  # fmt: skip


@pytest.fixture
def outbox(tmp_path: Path) -> tuple[Path, dict[str, dict[str, Value]]]:
    """Last year's outbox: 甲 accepted twice (the later counts), 乙 once, 丙 only rejected,
    丁 only in 2023; and one org that is not on this year's roster."""
    out = tmp_path / "outbox2024"
    jia_old, jia, yi = (last_year_values(o, s) for o, s in
                        (("甲镇人民政府", 1), ("甲镇人民政府", 2), ("乙镇人民政府", 3)))  # fmt: skip
    yi[PREFACE_KEY] = "乙镇自己写的前言：本报告依据《条例》编制。"
    with Ledger.open(default_ledger(out)) as ledger:
        accept(ledger, "甲镇人民政府", 2024, jia_old, "甲镇第一版.xlsx", JAN_20)
        accept(ledger, "甲镇人民政府", 2024, jia, "甲镇人民政府2024年报表.xlsx", JAN_20 + 10**15)
        accept(ledger, "乙镇人民政府", 2024, yi, "乙/乙镇.xlsx", JAN_20)
        accept(ledger, "丙镇人民政府", 2024, last_year_values("丙镇人民政府", 4), "丙.xlsx",
               JAN_20, status=FileStatus.REJECTED)  # fmt: skip
        accept(ledger, "丁街道办事处", 2023, last_year_values("丁街道办事处", 5), "丁.xlsx", JAN_20)
        accept(ledger, "戊乡人民政府", 2024, last_year_values("戊乡人民政府", 6), "戊.xlsx", JAN_20)
    return out, {"甲镇人民政府": jia, "乙镇人民政府": yi}


def cell(wb: openpyxl.Workbook, sheet: str, row: int, col: int) -> openpyxl.cell.Cell:
    return wb[sheet].cell(row + 1, col + 1)


def test_ledger_hand_out_carries_exactly_those_units(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    src, last = outbox
    done = hand_out(ROSTER, tmp_path / "tpl", 2025, src)
    assert done.prefilled == ["甲镇人民政府", "乙镇人民政府"]
    assert done.missing == ["丙镇人民政府", "丁街道办事处"]
    assert done.unmatched == ["戊乡人民政府"]
    for entry, path in zip(ROSTER, done.paths, strict=True):
        assert path.name == template_name(entry, 2025)
        wb = openpyxl.load_workbook(path)
        note = cell(wb, NOTE_SHEET, NOTE_ROW, NOTE_COL)
        assert note.protection.locked
        before = last.get(entry.name)
        for key, source in LAST_YEAR.carried:
            f = FORM.field(key)
            c = wb[f.sheet][f.cell]
            if before is None:
                assert c.value == 0 and c.protection.locked is False, (entry.name, key)
            else:
                assert c.value == before[source] and c.protection.locked, (entry.name, key)
        for prior in LAST_YEAR.priors:
            c = cell(wb, prior.sheet, prior.row, prior.col)
            assert c.value == (before[prior.source] if before else None)
            assert c.protection.locked
        contact, phone = (wb[FORM.field(k).sheet][FORM.field(k).cell].value
                          for k in ("info.contact", "info.phone"))  # fmt: skip
        website, preface = (wb[FORM.field(k).sheet][FORM.field(k).cell].value
                            for k in ("info.website", PREFACE_KEY))  # fmt: skip
        if entry.name == "甲镇人民政府":
            assert "甲镇人民政府2024年报表.xlsx" in note.value and "2025年1月20日" not in note.value
            assert "2024年度" in note.value and "县（区）政务公开办公室" in note.value
            assert (contact, phone) == ("甲联系人", last["甲镇人民政府"]["info.phone"])
            # Last year's contact details go on; the standard 前言 is this year's, with them.
            assert website == last["甲镇人民政府"]["info.website"]
            assert "2025年1月1日" in preface and "2024年" not in preface and website in preface
        elif entry.name == "乙镇人民政府":
            assert "乙镇.xlsx" in note.value and "收到" in note.value
            assert contact == "李四"  # the roster's contact wins over last year's
            assert preface == "乙镇自己写的前言：本报告依据《条例》编制。"  # its own words go on
        else:
            assert note.value.startswith("未找到本单位2024年度已通过的报送")
            assert (contact, phone, website) == (None, None, None)
            assert "2025年1月1日" in preface


def test_folder_source_uses_the_newest_valid_workbook_of_last_year(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    write_valid(folder / "甲a.xlsx", "甲镇人民政府", seed=1)
    write_valid(folder / "sub" / "甲b.xlsx", "甲镇人民政府", seed=2)
    set_mtime(folder / "甲a.xlsx", 1_700_000_000)
    set_mtime(folder / "sub" / "甲b.xlsx", 1_700_100_000)  # newer: it counts
    write_valid(folder / "乙2023.xlsx", "乙镇人民政府", seed=3, year=2023)
    bad = consistent_values(random.Random(4), 2024)
    bad["info.org"] = "丙镇人民政府"
    bad["s3.new.natural"] = int(bad["s3.new.natural"]) + 1  # type: ignore[call-overload]
    from helpers import make_workbook

    make_workbook(folder / "丙.xlsx", bad, org="丙镇人民政府", year=2024)
    data = load_last_year(folder, 2024)
    assert set(data.records) == {"甲镇人民政府"}
    record = data.records["甲镇人民政府"]
    want = check_file(folder / "sub" / "甲b.xlsx").values
    assert record.file == "甲b.xlsx" and record.values == want
    assert any("乙2023.xlsx" in s and "2023" in s for s in data.skipped)
    assert any("丙.xlsx" in s and "未通过校验" in s for s in data.skipped)


def test_a_township_typing_over_a_prefilled_figure_is_rejected_at_that_cell(
    tmp_path: Path, outbox
) -> None:  # type: ignore[no-untyped-def]
    src, last = outbox
    (path, *_) = hand_out(ROSTER[:1], tmp_path / "tpl", 2025, src).paths
    assert not [f for f in check_file(path).report.findings if f.code == "prefill-changed"]
    wb = openpyxl.load_workbook(path)
    carried = FORM.field("s3.carried.legal")
    before = last["甲镇人民政府"]["s3.carry_over.legal"]
    wb[carried.sheet][carried.cell] = int(before) + 2  # type: ignore[call-overload]
    prior = LAST_YEAR.priors[1]
    cell(wb, prior.sheet, prior.row, prior.col).value = 999
    wb.save(tmp_path / "typed.xlsx")
    report = check_file(tmp_path / "typed.xlsx").report
    changed = {(f.sheet, f.cell): f for f in report.findings if f.code == "prefill-changed"}
    assert set(changed) == {(carried.sheet, carried.cell), (prior.sheet, prior.cell)}
    finding = changed[(carried.sheet, carried.cell)]
    assert finding.is_error and finding.expected == before and str(before) in finding.message
    assert not report.valid


def test_stock_check_from_the_templates_own_record(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    src, last = outbox
    (path,) = hand_out(ROSTER[:1], tmp_path / "tpl", 2025, src).paths
    before = int(last["甲镇人民政府"]["s2.normative.in_force"])  # type: ignore[call-overload]
    wb = openpyxl.load_workbook(path)
    for key, value in (("s2.normative.issued", 3), ("s2.normative.repealed", 1),
                       ("s2.normative.in_force", before + 2), ("s2.rules.in_force",
                        last["甲镇人民政府"]["s2.rules.in_force"])):  # fmt: skip
        f = FORM.field(key)
        wb[f.sheet][f.cell] = value
    wb.save(tmp_path / "ok.xlsx")
    codes = [f.code for f in check_file(tmp_path / "ok.xlsx").report.findings]
    assert "yoy-in-force-mismatch" not in codes
    f = FORM.field("s2.normative.in_force")
    wb[f.sheet][f.cell] = before  # documents expired, or a typo: a warning at the stock cell
    wb.save(tmp_path / "off.xlsx")
    (warning,) = [x for x in check_file(tmp_path / "off.xlsx").report.findings
                  if x.code == "yoy-in-force-mismatch"]  # fmt: skip
    assert (warning.cell, warning.expected, warning.actual) == (f.cell, before + 2, before)
    assert "到期失效" in warning.message and not warning.is_error


@pytest.mark.parametrize("seed", range(12))
def test_factory_prefilled_templates_are_the_same_bytes_as_a_build(seed: int) -> None:
    rng = random.Random(seed)
    values: dict[str, Value] = {f"s3.carry_over.{c}": rng.choice([0, 1, 7, 123]) for c in S3_APPLICANTS}
    values |= {"s2.rules.in_force": rng.randint(0, 9), "s2.normative.in_force": rng.randint(0, 99)}
    if rng.random() < 0.5:
        values["info.phone"] = rng.choice(["0391-1234567", "A&B <x>", "联系人"])
    if rng.random() < 0.5:
        values["info.website"] = rng.choice(["http://x.gov.cn", "县政府网站"])
    if rng.random() < 0.3:
        values[PREFACE_KEY] = "自己写的前言。\n第二段。"
    fill = rng.choice([LastYearFill(2024, values, f"甲{seed}.xlsx，2025年1月{seed + 1}日收到"),
                       LastYearFill(2024), None])  # fmt: skip
    contact = rng.choice([None, "张三", "甲镇人民政府"])
    factory = TemplateFactory(2025, password="pw", submit_to="1月15日前")
    for org in ("甲镇人民政府", "乙镇人民政府", "A&B <县> 局"):
        options = TemplateOptions(org=org, year=2025, password="pw", contact=contact,
                                  submit_to="1月15日前", last_year=fill)  # fmt: skip
        assert factory.build(org, contact, fill) == build_workbook(options), (seed, org)


def test_same_inputs_give_the_same_bytes(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    src, _ = outbox
    first = hand_out(ROSTER, tmp_path / "a", 2025, src).paths
    second = hand_out(ROSTER, tmp_path / "b", 2025, src).paths
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_cli(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    src, _ = outbox
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n甲镇人民政府\n丙镇人民政府\n", encoding="utf-8")
    register = str(tmp_path / "outbox")
    done = run_cli("template", "--roster", str(roster), "--year", "2025", "--previous-year",
                   str(src), "-o", str(tmp_path / "tpl"), "--outbox", register)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 个按2024年度已通过的报送预填" in done.stdout and "丙镇人民政府" in done.stderr
    assert "戊乡人民政府" in done.stderr and "不在名单中" in done.stderr
    one = tmp_path / "one.xlsx"
    done = run_cli("template", "--org", "甲镇人民政府", "--year", "2025", "--previous-year",
                   str(src), "-o", str(one), "--outbox", register)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert one.read_bytes() == (tmp_path / "tpl" / template_name(ROSTER[0], 2025)).read_bytes()
    done = run_cli("template", "--org", "甲镇人民政府", "--previous-year", str(src), "-o",
                   str(tmp_path / "x.xlsx"))  # fmt: skip
    assert done.returncode == 2 and "--year" in done.stderr and "Traceback" not in done.stderr
    done = run_cli("template", "--org", "甲镇人民政府", "--year", "2025", "--previous-year",
                   str(tmp_path / "nothing"), "-o", str(tmp_path / "y.xlsx"))  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_last_years_column_stays_out_of_the_report_and_the_summary(outbox) -> None:  # type: ignore[no-untyped-def]
    """The reference column is the template's help, not part of the national table 二."""
    from xl2report.county.summary import build_summary
    from xl2report.report.word_blocks import table_grid

    prior = LAST_YEAR.priors[0]
    _, rows, ncols = table_grid(prior.sheet)
    assert ncols == 4 and not any(c.text == "上年现行有效件数" for r in rows for c in r.values())
    src, _ = outbox
    with Ledger.open(default_ledger(src)) as ledger:
        data, _, _ = build_summary(ledger, 2024)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert "上年现行有效件数" not in texts and "与上年核对" not in texts


def test_a_renamed_unit_starts_from_last_year_through_its_alias(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    src, _ = outbox
    renamed = RosterEntry("戊镇人民政府", aliases=("戊乡人民政府",))
    done = hand_out([renamed], tmp_path / "tpl", 2025, src)
    assert done.prefilled == ["戊镇人民政府"] and done.missing == []
    assert "甲镇人民政府" in done.unmatched[0] or "甲镇人民政府" in done.unmatched[1]
    wb = openpyxl.load_workbook(done.paths[0])
    assert "戊.xlsx" in cell(wb, NOTE_SHEET, NOTE_ROW, NOTE_COL).value


def test_a_source_without_last_years_data_writes_nothing(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    """--year 2026 against 2024's outbox: an error, not 'no data found' on every cover."""
    src, _ = outbox
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n甲镇人民政府\n", encoding="utf-8")
    done = run_cli("template", "--roster", str(roster), "--year", "2026", "--previous-year",
                   str(src), "-o", str(tmp_path / "tpl"), "--outbox", str(tmp_path / "o"))  # fmt: skip
    assert done.returncode == 2 and "2025 年度" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "tpl").exists()


def test_a_big_folder_is_read_in_worker_processes_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xl2report.batch import lastyear

    folder = tmp_path / "returned"
    for i, org in enumerate(("甲镇人民政府", "乙镇人民政府", "丙镇人民政府")):
        write_valid(folder / f"{org}.xlsx", org, seed=i)
    alone = lastyear._from_folder(folder, 2024, jobs=1)
    monkeypatch.setattr(lastyear, "PARALLEL_FROM", 2)
    pooled = lastyear._from_folder(folder, 2024, jobs=2)
    assert pooled.records == alone.records and len(pooled.records) == 3


def test_one_renamed_unit_through_the_roster_registered_in_the_outbox(tmp_path: Path, outbox) -> None:  # type: ignore[no-untyped-def]
    from xl2report.batch.lastyear import fill_for

    src, _ = outbox
    fill, _ = fill_for("戊镇人民政府", 2025, src)
    assert fill.values is None  # no roster registered yet: the new name is unknown
    with Ledger.open(default_ledger(src)) as ledger:
        ledger.set_roster([RosterEntry("戊镇人民政府", aliases=("戊乡人民政府",))], "名单.csv")
    fill, _ = fill_for("戊镇人民政府", 2025, src)
    assert fill.values is not None and fill.values["info.org"] == "戊乡人民政府"
