"""status (who has reported) and summary (the county 汇总表) against a processed outbox."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from inbox_helpers import run_cli, set_mtime, values_for, write_invalid, write_valid
from xl2report.batch.ledger import Ledger
from xl2report.batch.records import RunOptions
from xl2report.batch.session import default_ledger, run_batch
from xl2report.county.campaign import load_campaign
from xl2report.county.detail import HEADER_ROW, NAME_CHARS, detail_rows, name_lines
from xl2report.county.remind import COLUMNS, build_reminders, build_reminders_xlsx
from xl2report.county.status import LINE_HEIGHT, build_status_xlsx, text_lines
from xl2report.county.summary import DETAIL, numeric_fields, write_summary
from xl2report.form.national import FORM, Kind, ValueType, compute_formulas
from xl2report.report import office
from xl2report.xlsx.derived import is_derived

T0 = 1_736_000_000
INJECTION = '=HYPERLINK("http://x","点我")镇'


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """An outbox after one run; returns (inbox, outbox, the current values per org)."""
    base = tmp_path_factory.mktemp("county")
    inbox, outbox = base / "inbox", base / "outbox"
    files = [
        ("甲.xlsx", "甲镇人民政府", 1, T0, True),
        ("乙-旧.xlsx", "乙镇人民政府", 2, T0, True),
        ("乙-新.xlsx", "乙镇人民政府", 3, T0 + 50, True),
        ("丙-通过.xlsx", "丙镇人民政府", 4, T0, True),
        ("丙-又错.xlsx", "丙镇人民政府", 5, T0 + 60, False),
        ("丁.xlsx", "丁镇人民政府", 6, T0, False),
        ("注入.xlsx", INJECTION, 7, T0, True),
        ("名单外.xlsx", "名单外街道办事处", 8, T0, True),
    ]
    current = {}
    for name, org, seed, mtime, valid in files:
        path = (write_valid if valid else write_invalid)(inbox / name, org, seed=seed)
        set_mtime(path, mtime)
        if valid:
            current[org] = compute_formulas(values_for(org, seed))
    (inbox / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    roster = base / "名单.csv"
    roster.write_text(
        "机关名称,代码\n甲镇人民政府,01\n乙镇人民政府,02\n丙镇人民政府,03\n丁镇人民政府,04\n"
        f'戊镇人民政府,05\n"{INJECTION.replace(chr(34), chr(34) * 2)}",06\n',
        encoding="utf-8",
    )
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, roster=roster))
    del current["名单外街道办事处"]  # not on the roster: held, so not in the county's figures
    return inbox, outbox, current


def test_status_per_org(processed: tuple[Path, Path, dict]) -> None:
    _, outbox, _ = processed
    with Ledger.open(default_ledger(outbox)) as ledger:
        campaign = load_campaign(ledger)
    assert campaign.year == 2024
    got = {u.org: (u.state.value, u.headline) for u in campaign.units}
    assert got["甲镇人民政府"] == ("accepted", "已通过")
    assert got["乙镇人民政府"] == ("updated", "已更新（第 2 版）")
    assert got["丙镇人民政府"][0] == "rejected" and got["丙镇人民政府"][1].startswith("已退回（")
    assert got["丁镇人民政府"][0] == "rejected"
    assert got["戊镇人民政府"] == ("missing", "未报送")
    assert got[INJECTION] == ("accepted", "已通过")
    # A name not on the registered roster is held: no report, the nearest name suggested.
    assert "名单外街道办事处" not in got
    assert [(h.submission.org, h.submission.status) for h in campaign.unmatched] == [
        ("名单外街道办事处", "held")
    ]
    bing = campaign.unit("丙镇人民政府")
    assert bing is not None and bing.accepted_before is not None
    assert [s.file for s in campaign.unreadable] == ["坏.xlsx"]
    # Roster order.
    assert [u.org for u in campaign.units] == [
        "甲镇人民政府", "乙镇人民政府", "丙镇人民政府", "丁镇人民政府", "戊镇人民政府", INJECTION,
    ]  # fmt: skip


def test_status_xlsx_keeps_text_literal(processed: tuple[Path, Path, dict], tmp_path: Path) -> None:
    _, outbox, _ = processed
    with Ledger.open(default_ledger(outbox)) as ledger:
        campaign = load_campaign(ledger)
    path = tmp_path / "报送情况.xlsx"
    path.write_bytes(build_status_xlsx(campaign))
    wb = openpyxl.load_workbook(path)
    ws = wb["报送情况"]
    names = [ws.cell(r, 2).value for r in range(4, 4 + len(campaign.units))]
    assert INJECTION in names
    cell = ws.cell(4 + names.index(INJECTION), 2)
    assert cell.data_type == "s"
    assert wb["待确认名称"].cell(3, 3).value == "名单外街道办事处"


def test_status_cli_json_and_xlsx(processed: tuple[Path, Path, dict], tmp_path: Path) -> None:
    _, outbox, _ = processed
    out = tmp_path / "情况.xlsx"
    done = run_cli("status", "--outbox", str(outbox), "--json", "--xlsx", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["counts"] == {"accepted": 2, "updated": 1, "rejected": 2, "missing": 1}
    assert [u["file"] for u in data["unreadable"]] == ["坏.xlsx"]
    assert [h["org"] for h in data["unmatched"]] == ["名单外街道办事处"]
    assert out.exists()
    missing = run_cli("status", "--outbox", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "台账" not in missing.stdout
    assert str(tmp_path / "nothing") in missing.stderr  # says which outbox it looked in


@pytest.mark.parametrize(
    ("command", "expected_code"),
    [(("summary", "--year", "2024", "-o"), 0), (("remind", "-o"), 1), (("status", "--xlsx"), 0)],
)
def test_derived_workbooks_are_rebuilt_in_place(
    processed: tuple[Path, Path, dict], tmp_path: Path, command: tuple[str, ...],
    expected_code: int,
) -> None:  # fmt: skip
    """Recomputed from the ledger, they are made again every round under the same name."""
    _, outbox, _ = processed
    out = tmp_path / "表.xlsx"
    for _ in range(2):
        done = run_cli(*command, str(out), "--outbox", str(outbox))
        assert done.returncode == expected_code, done.stderr
        assert is_derived(out)
    own = tmp_path / "名单.xlsx"  # the clerk's own workbook under the name given: kept
    book = openpyxl.Workbook()
    book.active["A1"] = "机关名称"
    book.save(own)
    before = own.read_bytes()
    refused = run_cli(*command, str(own), "--outbox", str(outbox))
    assert refused.returncode == 2 and own.read_bytes() == before
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    forced = run_cli(*command, str(own), "--outbox", str(outbox), "--force")
    assert forced.returncode == expected_code and is_derived(own)


def _summed(current: dict) -> dict:
    sums = {}
    for f in numeric_fields():
        sums[f.key] = sum((Decimal(str(v[f.key])) for v in current.values()), Decimal(0))
    return sums


def test_summary_balances_and_equals_the_sum_of_inputs(
    processed: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, outbox, current = processed
    path = tmp_path / "汇总.xlsx"
    with Ledger.open(default_ledger(outbox)) as ledger:
        result = write_summary(ledger, 2024, path)
    assert result.failed_rules == []
    assert sorted(result.orgs) == sorted(current)  # only current accepted versions
    expected = _summed(current)
    assert {k: Decimal(str(result.totals[k])) for k in expected} == expected

    wb = openpyxl.load_workbook(path)
    detail = wb[DETAIL]
    cached = openpyxl.load_workbook(path, data_only=True)
    fields = numeric_fields()
    rows = detail_rows(fields)
    header = HEADER_ROW + 1  # 1-based
    names = [detail.cell(header, col) for col in range(4, 4 + len(current))]
    assert detail.cell(header, 3).value == "合计"
    for f in fields:
        row = rows[f.key] + 1
        assert str(detail.cell(row, 3).value).startswith("=SUM("), f.key
        cached_total = cached[DETAIL].cell(row, 3).value
        assert Decimal(str(cached_total)) == expected[f.key], f.key
        # Each unit's name heads its column, broken into lines for print (name_lines).
        by_unit = {
            c.value.replace("\n", ""): cached[DETAIL].cell(row, c.column).value for c in names
        }
        assert by_unit == {org: _cell(v[f.key]) for org, v in current.items()}, f.key
    # The national tables: every input refers to 明细's 合计, every total keeps its formula.
    for f in FORM.fields:
        if f.sheet not in wb.sheetnames or f.type is ValueType.TEXT:
            continue
        cell = wb[f.sheet][f.cell]
        if f.kind is Kind.FORMULA:
            assert cell.value == f.formula
        else:
            assert str(cell.value).startswith(f"='{DETAIL}'!$C$")
        assert Decimal(str(cached[f.sheet][f.cell].value)) == expected[f.key], f.key
    # Text from submissions stays text; every roster unit is on 报送情况, 未报送 included.
    injected = next(c for c in names if c.value.replace("\n", "") == INJECTION)
    assert injected.data_type == "s"
    units = wb["报送情况"]
    states = {units.cell(r, 2).value: units.cell(r, 3).value for r in range(4, units.max_row + 1)}
    assert states["戊镇人民政府"] == "未报送" and states[INJECTION] == "已通过"


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@pytest.mark.libreoffice
def test_summary_recalculated_by_libreoffice_still_balances(
    processed: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, outbox, current = processed
    path = tmp_path / "汇总.xlsx"
    with Ledger.open(default_ledger(outbox)) as ledger:
        write_summary(ledger, 2024, path)
    out = office.convert([path], "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo", recalc=True)[0]
    wb = openpyxl.load_workbook(out, data_only=True)
    expected = _summed(current)
    for f in FORM.fields:
        if f.sheet in wb.sheetnames and f.type is not ValueType.TEXT:
            assert Decimal(str(wb[f.sheet][f.cell].value)).quantize(Decimal("0.0001")) == (
                expected[f.key].quantize(Decimal("0.0001"))
            ), f.key
    for rule in FORM.rules:
        if rule.check and rule.check[0] in wb.sheetnames:
            _, row, col = rule.check
            assert wb[rule.check[0]].cell(row + 1, col + 1).value == "✓", rule.id


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("五龙口镇人民政府", ["五龙口镇", "人民政府"]),
        ("县发展和改革委员会", ["县发展和改革", "委员会"]),
        ("县市场监督管理局", ["县市场监督", "管理局"]),
        ("县住房和城乡建设局", ["县住房和", "城乡建设局"]),
        ("天坛街道办事处", ["天坛街道", "办事处"]),
        ("县教育局", ["县教育局"]),
        (
            "济源市自然资源和规划局玉泉街道办事处",
            ["济源市自然资", "源和规划局", "玉泉街道", "办事处"],
        ),
    ],
)
def test_unit_names_in_the_detail_header_break_between_words(name: str, lines: list[str]) -> None:
    """A narrow column's header: lines of at most NAME_CHARS, broken between words where it can."""
    assert name_lines(name).split("\n") == lines
    assert all(len(line) <= NAME_CHARS for line in lines)


def test_summary_cli(processed: tuple[Path, Path, dict], tmp_path: Path) -> None:
    _, outbox, current = processed
    out = tmp_path / "汇总.xlsx"
    done = run_cli("summary", "--year", "2024", "-o", str(out), "--outbox", str(outbox))
    assert done.returncode == 0, done.stderr
    assert f"{len(current)} 个单位" in done.stdout
    none = run_cli(
        "summary", "--year", "2019", "-o", str(tmp_path / "x.xlsx"), "--outbox", str(outbox)
    )
    assert none.returncode == 2 and "没有通过校验" in none.stderr


def test_unreadable_file_with_org_name_does_not_break_status(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir(parents=True)
    (inbox / "空白.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    with Ledger.open(default_ledger(outbox)) as ledger:
        campaign = load_campaign(ledger)
    assert campaign.units == [] and [s.file for s in campaign.unreadable] == ["空白.xls"]


def test_reminder_rows_are_as_tall_as_their_tallest_cell(
    processed: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    """Each row of the 催报清单 holds its longest text, not the texts of all its cells stacked."""
    _, outbox, _ = processed
    with Ledger.open(default_ledger(outbox)) as ledger:
        reminders = build_reminders(load_campaign(ledger))
    path = tmp_path / "催报清单.xlsx"
    path.write_bytes(build_reminders_xlsx(reminders))
    ws = openpyxl.load_workbook(path).active
    widths = dict(COLUMNS)
    assert reminders.units
    for i, r in enumerate(reminders.units):
        todo, message = "\n".join(r.todo), r.message
        lines = max(
            text_lines(todo, widths["需要做的事"]), text_lines(message, widths[COLUMNS[7][0]])
        )
        assert ws.row_dimensions[4 + i].height == pytest.approx(LINE_HEIGHT * lines)
        assert lines < text_lines(todo, widths["需要做的事"]) + text_lines(message, 52)
