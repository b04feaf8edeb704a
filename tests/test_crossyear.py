"""Last year in a run (issue 23): ``run --previous-year`` takes last year's outbox as ``template
--previous-year`` does and says what it loaded; two years of one unit in the same inbox are
checked against each other; the similarity of every section is shown (check, JSON, board)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from helpers import make_workbook
from inbox_helpers import run_cli, set_mtime, values_for
from xl2report.batch.ledger import Ledger
from xl2report.batch.records import RunOptions
from xl2report.batch.session import default_ledger, run_batch
from xl2report.checks.check import check_file
from xl2report.form.national import FORM, ValueType
from xl2report.form.preface import PREFACE_KEY
from xl2report.web.units import load_unit

ORG = "甲镇人民政府"
TEXT_KEYS = [f.key for f in FORM.fields
             if f.type is ValueType.TEXT and f.multiline and f.key != PREFACE_KEY]  # fmt: skip


def _last_year() -> dict:  # type: ignore[type-arg]
    """2023: 2 requests (自然人) carried over into 2024, table 三 balanced."""
    values = values_for(ORG, seed=1, year=2023)
    extra = 2 - int(values["s3.carry_over.natural"])  # type: ignore[call-overload]
    values["s3.carry_over.natural"] = 2
    values["s3.new.natural"] = int(values["s3.new.natural"]) + extra  # type: ignore[call-overload]
    return values


def _this_year() -> dict:  # type: ignore[type-arg]
    """2024: 上年结转 (自然人) 0, still balanced: the broken carry-over."""
    values = values_for(ORG, seed=2)
    carried = int(values["s3.carried.natural"])  # type: ignore[call-overload]
    values["s3.carried.natural"] = 0
    values["s3.new.natural"] = int(values["s3.new.natural"]) + carried  # type: ignore[call-overload]
    return values


def _write(folder: Path, name: str, values: dict, year: int, mtime: int) -> Path:  # type: ignore[type-arg]
    path = make_workbook(folder / name, values, org=ORG, year=year)
    set_mtime(path, mtime)
    return path


def _codes(findings: list[dict]) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(str(f["code"]), str(f["cell"])) for f in findings}


@pytest.fixture
def last_outbox(tmp_path: Path) -> Path:
    """Last year's outbox: 甲镇's 2023 return accepted by an ordinary run."""
    inbox = tmp_path / "inbox2023"
    _write(inbox, "甲2023.xlsx", _last_year(), 2023, 1_704_000_000)
    out = tmp_path / "outbox2023"
    assert run_batch(RunOptions(inbox, out, jobs=1, settle=0)).files[0].status == "accepted"
    return out


@pytest.mark.parametrize("source", ["outbox", "ledger"])
def test_run_previous_year_takes_last_years_outbox(
    tmp_path: Path, last_outbox: Path, source: str
) -> None:
    inbox = tmp_path / "inbox"
    _write(inbox, "甲.xlsx", _this_year(), 2024, 1_736_000_000)
    previous = last_outbox if source == "outbox" else default_ledger(last_outbox)
    done = run_cli("run", "--inbox", str(inbox), "--outbox", str(tmp_path / "out"), "--settle",
                   "0", "--jobs", "1", "--previous-year", str(previous), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    (entry,) = result["files"]
    assert ("yoy-carried-mismatch", "D7") in _codes(entry["findings"])  # 2 carried, 0 received
    assert entry["status"] == "accepted"  # year-over-year findings are warnings
    loaded = [n for n in result["notes"] if "已载入 1 个单位的 2023 年数字" in n]
    assert loaded and str(last_outbox) in loaded[0]
    plain = run_cli("run", "--inbox", str(inbox), "--outbox", str(tmp_path / "out2"),
                    "--settle", "0", "--previous-year", str(previous))  # fmt: skip
    assert "已载入 1 个单位的 2023 年数字" in plain.stdout, plain.stdout + plain.stderr


def test_run_previous_year_that_loads_nothing_says_why(tmp_path: Path) -> None:
    inbox, empty = tmp_path / "inbox", tmp_path / "空文件夹"
    empty.mkdir()
    (empty / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    _write(inbox, "甲.xlsx", _this_year(), 2024, 1_736_000_000)
    result = run_batch(RunOptions(inbox, tmp_path / "out", jobs=1, settle=0, previous_year=empty))
    (note,) = [n for n in result.notes if n.startswith("上年数据")]
    # A .txt may be a published report: it was read, and the note says why it was not used.
    assert "没有载入任何上年数字" in note and "说明.txt" in note and "不是政府信息公开" in note
    (empty / "说明.txt").unlink()
    result = run_batch(RunOptions(inbox, tmp_path / "out-empty", jobs=1, settle=0, previous_year=empty))
    (note,) = [n for n in result.notes if n.startswith("上年数据")]
    assert "没有载入任何上年数字" in note and "没有工作簿" in note
    # An outbox whose ledger holds no accepted return (only one sent back).
    rejected_inbox = tmp_path / "inbox2023"
    broken = _last_year()
    broken["s3.new.natural"] = int(broken["s3.new.natural"]) + 1  # type: ignore[call-overload]
    _write(rejected_inbox, "甲2023.xlsx", broken, 2023, 1_704_000_000)
    run_batch(RunOptions(rejected_inbox, tmp_path / "out2023", jobs=1, settle=0))
    result = run_batch(RunOptions(inbox, tmp_path / "out2", jobs=1, settle=0,
                                  previous_year=tmp_path / "out2023"))  # fmt: skip
    (note,) = [n for n in result.notes if n.startswith("上年数据")]
    assert "台账里没有已通过的报送" in note and "没有载入任何上年数字" in note


@pytest.mark.parametrize(("jobs", "last_year_first"), [(1, True), (1, False), (2, False)])
def test_two_years_of_one_unit_in_one_inbox(
    tmp_path: Path, jobs: int, last_year_first: bool
) -> None:
    """Checked against each other whichever file is committed first: the same findings as
    ``check --previous`` gives for the pair."""
    inbox = tmp_path / "inbox"
    old, new = (1_704_000_000, 1_736_000_000) if last_year_first else (1_736_100_000, 1_736_000_000)
    last = _write(inbox, "甲2023.xlsx", _last_year(), 2023, old)
    this = _write(inbox, "甲2024.xlsx", _this_year(), 2024, new)
    result = run_batch(RunOptions(inbox, tmp_path / "out", jobs=jobs, settle=0))
    by_file = {f.file: f for f in result.files}
    assert by_file["甲2023.xlsx"].status == by_file["甲2024.xlsx"].status == "accepted"
    expected = check_file(this, previous=last).report
    got = by_file["甲2024.xlsx"]
    assert ("yoy-carried-mismatch", "D7") in _codes(got.findings)
    assert _codes(got.findings) == {(f.code, f.cell) for f in expected.findings}
    assert got.warnings == len(expected.warnings)
    log = result.log.read_text(encoding="utf-8") if result.log else ""
    assert "2024 年度报送 1 份，1 份与本单位 2023 年度已通过的数字核对" in log
    assert "各单位下一年度的报送与之核对" not in log  # the old, confusing line


def test_a_returned_later_year_keeps_its_errors_and_gains_the_warnings(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    this = _this_year()
    this["s3.new.business"] = int(this["s3.new.business"]) + 1  # type: ignore[call-overload]
    _write(inbox, "甲2024.xlsx", this, 2024, 1_736_000_000)
    _write(inbox, "甲2023.xlsx", _last_year(), 2023, 1_736_100_000)  # committed after it
    result = run_batch(RunOptions(inbox, tmp_path / "out", jobs=1, settle=0))
    got = next(f for f in result.files if f.file == "甲2024.xlsx")
    assert got.status == "rejected" and ("balance-mismatch", "E6") in _codes(got.findings)
    assert ("yoy-carried-mismatch", "D7") in _codes(got.findings)


# --- similarity to last year, always shown -----------------------------------------------------


def _pair(tmp_path: Path, same_tables: bool) -> tuple[Path, Path]:
    last, this = _last_year(), values_for(ORG, seed=2)
    if same_tables:
        this |= {k: v for k, v in last.items() if k.startswith(("s2.", "s3.", "s4."))}
        this["s3.carried.natural"] = last["s3.carried.natural"]
    this["s1.active.text"] = last["s1.active.text"]
    return (make_workbook(tmp_path / "2023.xlsx", last, org=ORG, year=2023),
            make_workbook(tmp_path / "2024.xlsx", this, org=ORG, year=2024))  # fmt: skip


def test_similarity_of_every_section_in_check_json_and_output(tmp_path: Path) -> None:
    last, this = _pair(tmp_path, same_tables=False)
    done = run_cli("check", "--json", "--previous", str(last), str(this))
    (entry,) = json.loads(done.stdout)["files"]
    measured = {m["key"]: m for m in entry["similarity"]}
    assert [k for k in measured if "." in k] == TEXT_KEYS  # every narrative section, in order
    assert set(measured) - set(TEXT_KEYS) == {"二", "三", "四"}
    assert measured["s1.active.text"]["percent"] == 100  # the same words, not warned: short
    assert all(isinstance(measured[k]["percent"], int) for k in TEXT_KEYS)
    assert all(measured[t]["changed"] > 0 for t in ("二", "三", "四"))
    assert not any(f["code"] == "table-same-as-last-year" for f in entry["findings"])
    plain = run_cli("check", "--previous", str(last), str(this))
    assert "与上年相同的比例" in plain.stdout and "一（一） 100%" in plain.stdout


def test_a_table_identical_to_last_years_is_a_warning(tmp_path: Path) -> None:
    last, this = _pair(tmp_path, same_tables=True)
    report = check_file(this, previous=last).report
    same = sorted(f.sheet for f in report.findings if f.code == "table-same-as-last-year")
    assert same == sorted(s.name for s in FORM.sheets if s.section in ("二", "三", "四"))
    assert report.valid  # warnings


def test_tables_at_zero_in_both_years_are_not_flagged(tmp_path: Path) -> None:
    zero = {f.key: 0 for f in FORM.fields
            if f.kind.value == "input" and f.key.startswith(("s3.", "s4.", "s6.fee"))}  # fmt: skip
    last = make_workbook(tmp_path / "2023.xlsx", values_for(ORG, 1, 2023) | zero, ORG, 2023)
    this = make_workbook(tmp_path / "2024.xlsx", values_for(ORG, 2) | zero, ORG, 2024)
    report = check_file(this, previous=last).report
    assert not [f for f in report.findings if f.code == "table-same-as-last-year"]
    shown = {m.key: m.shown for m in report.similarity or []}
    assert shown["三"] == shown["四"] == "与上年相同（全为 0）"


def test_similarity_on_the_unit_page(tmp_path: Path) -> None:
    pytest.importorskip("starlette")
    from web_helpers import make_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from xl2report.web.app import create_app

    config = make_config(tmp_path, wait_seconds=20)
    _pair(config.inbox, same_tables=True)  # both years of the unit in the board's inbox
    run_batch(RunOptions(config.inbox, config.outbox, ledger=config.ledger_path, jobs=1, settle=0))
    with Ledger.open(config.ledger_path) as ledger:
        page = load_unit(ledger, ORG, 2024)
    assert page is not None and page.similarity is not None
    assert [m.key for m in page.similarity] == [*TEXT_KEYS, "二", "三", "四"]
    assert all(page.is_warned(m) for m in page.similarity if m.is_table)
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765") as client:
        html = client.get(f"/unit?org={ORG}&year=2024").text
    section = html.split('id="likeness"', 1)[1].split("</section>", 1)[0]
    assert "一、总体情况（一）主动公开" in section and "100%" in section
    assert section.count('class="warned"') == 3  # the three identical tables
