"""Issue #15 item 8: one unit cannot report as another (下发编号 in ``_meta``, register in the outbox).

Templates handed out for a roster carry an unguessable 下发编号 recorded with the unit they went
to; a returned workbook whose 编号 belongs to another unit is an error naming both, even when
the cover and ``_meta`` were changed together.  Both ways: each unit's own template passes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import openpyxl
import pytest

from helpers import consistent_values
from inbox_helpers import run_cli, set_mtime, write_valid
from xl2report.batch.issued import IssueRegister, issue_numbers, register_path
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.records import FileStatus, RunOptions
from xl2report.batch.roster import TemplateRequest, write_roster_templates
from xl2report.batch.session import run_batch
from xl2report.checks.check import check_file
from xl2report.form.national import FORM, ISSUE_META, ORG, YEAR, Kind, Value, a1

UNITS = [RosterEntry("甲镇人民政府"), RosterEntry("乙镇人民政府")]
T0 = 1_736_000_000


def _templates(tmp_path: Path, outbox: Path, name: str = "模板") -> dict[str, Path]:
    paths = write_roster_templates(UNITS, tmp_path / name, TemplateRequest(2024, register=outbox))
    return {e.name: p for e, p in zip(UNITS, paths, strict=True)}


def _meta(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[FORM.meta_sheet]
    return {str(r[0].value): str(r[1].value or "") for r in ws.iter_rows() if r[0].value}


def _fill(template: Path, out: Path, seed: int, org: str | None = None) -> Path:
    """Type consistent figures into a template; ``org`` also rewrites the locked name on the
    cover and in ``_meta`` (what a unit pretending to be another would do)."""
    values: dict[str, Value] = consistent_values(random.Random(seed))
    wb = openpyxl.load_workbook(template)
    for f in FORM.fields:
        if f.kind is Kind.INPUT and f.key in values and f.key not in (ORG.key, YEAR.key):
            wb[f.sheet][a1(f.row, f.col)].value = values[f.key]
    if org is not None:
        wb[ORG.sheet][a1(ORG.row, ORG.col)].value = org
        for row in wb[FORM.meta_sheet].iter_rows():
            if row[0].value == "org":
                row[1].value = org
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    set_mtime(out, T0)
    return out


def _run(inbox: Path, outbox: Path) -> dict[str, object]:
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0))
    return {f.file: f for f in result.files}


def test_each_template_carries_its_number_and_handing_out_again_is_identical(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "outbox"
    first = _templates(tmp_path, outbox, "a")
    again = _templates(tmp_path, outbox, "b")
    numbers = {org: _meta(p)[ISSUE_META] for org, p in first.items()}
    assert len(set(numbers.values())) == 2 and all(len(n) == 16 for n in numbers.values())
    register = IssueRegister(register_path(outbox))
    for org, number in numbers.items():
        assert register.find(number).org == org  # type: ignore[union-attr]
    assert {o: p.read_bytes() for o, p in first.items()} == {
        o: p.read_bytes() for o, p in again.items()
    }
    # Another outbox hands out other numbers: they cannot be guessed from the name.
    other = _templates(tmp_path, tmp_path / "其他县", "c")
    assert _meta(other["甲镇人民政府"])[ISSUE_META] != numbers["甲镇人民政府"]
    # A template without a register has no number row at all (bytes as before this change).
    plain = write_roster_templates(UNITS[:1], tmp_path / "d", TemplateRequest(2024))[0]
    assert ISSUE_META not in _meta(plain)


def test_another_units_template_with_cover_and_meta_changed_is_an_error(tmp_path: Path) -> None:
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    templates = _templates(tmp_path, outbox)
    _fill(templates["甲镇人民政府"], inbox / "甲镇.xlsx", 1)
    # 乙 takes 甲's template and changes the name on the cover and in _meta together.
    _fill(templates["甲镇人民政府"], inbox / "乙镇.xlsx", 2, org="乙镇人民政府")
    assert check_file(inbox / "乙镇.xlsx").report.valid  # without the register: undetectable
    files = _run(inbox, outbox)
    assert files["甲镇.xlsx"].status is FileStatus.ACCEPTED  # type: ignore[attr-defined]
    got = files["乙镇.xlsx"]
    assert got.status is FileStatus.REJECTED  # type: ignore[attr-defined]
    (finding,) = [f for f in got.findings if f["code"] == "issued-to-other"]  # type: ignore[attr-defined]
    assert "甲镇人民政府" in finding["message"] and "乙镇人民政府" in finding["message"]
    assert "索取下发给“乙镇人民政府”的模板" in finding["message"]  # what to do
    assert (finding["sheet"], finding["cell"]) == (ORG.sheet, ORG.cell)


def test_a_neighbours_template_with_only_the_cover_changed_says_what_to_do(tmp_path: Path) -> None:
    """The honest mistake: 乙 filled 甲's template and typed its own name over the locked one.
    One error (not also org-changed) telling them to ask for their own template."""
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    templates = _templates(tmp_path, outbox)
    wb_path = _fill(templates["甲镇人民政府"], inbox / "乙镇.xlsx", 3)
    wb = openpyxl.load_workbook(wb_path)
    wb[ORG.sheet][a1(ORG.row, ORG.col)].value = "乙镇人民政府"
    wb.save(wb_path)
    set_mtime(wb_path, T0)
    got = _run(inbox, outbox)["乙镇.xlsx"]
    codes = [f["code"] for f in got.findings]  # type: ignore[attr-defined]
    assert "issued-to-other" in codes and "org-changed" not in codes


def test_own_templates_pass_and_unknown_or_missing_numbers_are_warnings(tmp_path: Path) -> None:
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    templates = _templates(tmp_path, outbox)
    _fill(templates["甲镇人民政府"], inbox / "甲镇.xlsx", 4)
    _fill(templates["乙镇人民政府"], inbox / "乙镇.xlsx", 5)
    # 丙: a template handed out by another outbox (last year's folder, another county).
    stranger = _templates(tmp_path, tmp_path / "别处", "x")["甲镇人民政府"]
    _fill(stranger, inbox / "丙镇.xlsx", 6, org="丙镇人民政府")
    # 丁 was handed a number but reports on a blank template made elsewhere.
    issue_numbers(outbox, ["丁镇人民政府"], 2024)
    set_mtime(write_valid(inbox / "丁镇.xlsx", "丁镇人民政府", seed=7), T0)  # type: ignore[func-returns-value]
    files = _run(inbox, outbox)
    for own in ("甲镇.xlsx", "乙镇.xlsx"):
        codes = [f["code"] for f in files[own].findings]  # type: ignore[attr-defined]
        assert not {"issued-to-other", "issue-unknown", "issue-missing"} & set(codes), codes
    for name, code in (("丙镇.xlsx", "issue-unknown"), ("丁镇.xlsx", "issue-missing")):
        got = files[name]
        assert got.status is FileStatus.ACCEPTED  # type: ignore[attr-defined]
        assert code in [f["code"] for f in got.findings]  # type: ignore[attr-defined]


def test_an_outbox_that_never_handed_out_says_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    stranger = _templates(tmp_path, tmp_path / "别处")["甲镇人民政府"]
    _fill(stranger, inbox / "甲镇.xlsx", 8)
    got = _run(inbox, tmp_path / "outbox")["甲镇.xlsx"]
    assert got.status is FileStatus.ACCEPTED and got.warnings == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("where", ["roster", "org"])
def test_cli_registers_in_the_outbox(tmp_path: Path, where: str) -> None:
    outbox = tmp_path / "outbox"
    if where == "roster":
        roster = tmp_path / "名单.csv"
        roster.write_text("机关名称\n甲镇人民政府\n", encoding="utf-8")
        args = ["--roster", str(roster), "-o", str(tmp_path / "tpl")]
    else:
        args = ["--org", "甲镇人民政府", "-o", str(tmp_path / "tpl" / "甲.xlsx")]
    done = run_cli("template", *args, "--year", "2024", "--outbox", str(outbox))
    assert done.returncode == 0, done.stderr
    assert "下发编号" in done.stdout
    (made,) = (tmp_path / "tpl").glob("*.xlsx")
    number = _meta(made)[ISSUE_META]
    assert IssueRegister(register_path(outbox)).find(number).org == "甲镇人民政府"  # type: ignore[union-attr]


def test_the_boards_hand_outs_register_too(tmp_path: Path) -> None:
    import io
    import zipfile

    from xl2report.web import handout

    outbox = tmp_path / "outbox"
    data = handout.templates_zip(UNITS, 2024, None, outbox)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        name = next(n for n in zf.namelist() if n.startswith("甲镇"))
        (tmp_path / "甲.xlsx").write_bytes(zf.read(name))
    number = _meta(tmp_path / "甲.xlsx")[ISSUE_META]
    assert IssueRegister(register_path(outbox)).find(number).org == "甲镇人民政府"  # type: ignore[union-attr]
    handout.write_templates(UNITS, tmp_path / "发送", 2024, "", outbox)
    (sent,) = (tmp_path / "发送").glob("甲镇*.xlsx")
    assert _meta(sent)[ISSUE_META] == number  # the same unit and year: the same number


def test_check_with_the_outbox_finds_it_too(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    templates = _templates(tmp_path, outbox)
    impostor = _fill(templates["甲镇人民政府"], tmp_path / "乙镇.xlsx", 9, org="乙镇人民政府")
    assert run_cli("check", str(impostor)).returncode == 0  # alone, nothing to compare with
    # Relative paths, as a clerk types them in the folder of the campaign.
    done = run_cli("check", impostor.name, "--outbox", outbox.name, "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    (report,) = json.loads(done.stdout)["files"]
    assert "issued-to-other" in [f["code"] for f in report["findings"]]


def test_an_unusable_outbox_stops_before_any_template_is_written(tmp_path: Path) -> None:
    from xl2report.errors import FatalError

    not_a_folder = tmp_path / "outbox"
    not_a_folder.write_text("a file where the outbox should be")
    with pytest.raises(FatalError, match="无法在输出目录登记下发编号"):
        write_roster_templates(UNITS, tmp_path / "模板", TemplateRequest(2024, register=not_a_folder))
    assert not (tmp_path / "模板").exists()


def test_a_unit_renamed_since_its_template_went_out_is_still_itself(tmp_path: Path) -> None:
    """Handed out as 白沙乡政府; the roster now says 白沙乡人民政府 with the old name as 别名."""
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    old = write_roster_templates([RosterEntry("白沙乡政府")], tmp_path / "旧",
                                 TemplateRequest(2024, register=outbox))[0]  # fmt: skip
    _fill(old, inbox / "白沙.xlsx", 10)
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称,别名\n白沙乡人民政府,白沙乡政府\n", encoding="utf-8")
    result = run_batch(RunOptions(inbox, outbox, jobs=1, settle=0, roster=roster))
    (got,) = result.files
    assert got.status is FileStatus.ACCEPTED and got.org == "白沙乡人民政府"
    assert "issued-to-other" not in [f["code"] for f in got.findings]
