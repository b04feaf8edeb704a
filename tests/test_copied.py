"""Text copied from last year's report: a warning with the similarity; the threshold is a setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_workbook
from inbox_helpers import values_for
from xl2report.batch.records import RunOptions
from xl2report.batch.session import run_batch
from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.copied import COPY_THRESHOLD, check_copied_text, comparable, similarity
from xl2report.cli.help import COPY_THRESHOLD_PERCENT
from xl2report.cli.main import main

KEY = "s1.active.text"
LAST_YEAR = (
    "2023年，本镇坚持以公开为常态、不公开为例外，围绕群众关切的惠民政策、重大项目、财政资金等"
    "重点领域，通过镇政府网站、政务公开栏和微信公众号主动公开政府信息156条，其中政策文件12件，"
    "并在便民服务中心设立政务公开专区，方便群众就近查阅。"
)
# The same paragraph with this year's year and figures typed in: still a copy.
THIS_YEAR_COPY = LAST_YEAR.replace("2023", "2024").replace("156", "171").replace("12件", "十四件")
REWRITTEN = (
    "2024年，本镇把政务公开融入乡村振兴工作，新开设“村务直通车”专栏，逐月公开村级财务、"
    "低保评议和项目招投标结果，全年主动公开政府信息171条；对涉及群众切身利益的征地补偿方案"
    "提前公示并召开听证会两场，收集意见建议37条并逐条反馈。"
)


def findings(now: str, before: str, threshold: float = COPY_THRESHOLD) -> list[tuple[str, str]]:
    return [(f.code, f.key) for f in check_copied_text({KEY: now}, {KEY: before}, threshold)]


def test_numbers_and_year_changed_is_still_a_copy() -> None:
    assert comparable(THIS_YEAR_COPY) == comparable(LAST_YEAR)
    (f,) = check_copied_text({KEY: THIS_YEAR_COPY}, {KEY: LAST_YEAR})
    assert (f.code, f.key, f.cell, f.actual) == ("text-copied-from-last-year", KEY, "B5", "100%")
    assert "100%" in f.message and "90%" in f.message


def test_rewritten_text_is_not_a_copy() -> None:
    assert similarity(comparable(REWRITTEN), comparable(LAST_YEAR)) < 0.5
    assert findings(REWRITTEN, LAST_YEAR) == []


def test_threshold_is_a_setting() -> None:
    # One sentence added: about 80% the same.
    edited = EDITED
    ratio = similarity(comparable(edited), comparable(LAST_YEAR))
    assert 0.7 < ratio < 0.9
    assert findings(edited, LAST_YEAR) == []
    assert findings(edited, LAST_YEAR, threshold=0.7) == [("text-copied-from-last-year", KEY)]


def test_short_standard_sentences_are_not_compared() -> None:
    same = "本年度无其他需要报告的事项。"
    assert findings(same, same) == []


def test_cli_default_equals_the_library_default() -> None:
    assert round(COPY_THRESHOLD * 100) == COPY_THRESHOLD_PERCENT
    assert RunOptions(Path("in"), Path("out")).copy_threshold == COPY_THRESHOLD


EDITED = THIS_YEAR_COPY + "全年还组织政务公开专题培训两次，参训干部职工45人次。"


def _pair(folder: Path, text: str = THIS_YEAR_COPY) -> tuple[Path, Path]:
    before = values_for("甲镇人民政府", seed=1) | {KEY: LAST_YEAR}
    now = values_for("甲镇人民政府", seed=1) | {KEY: text}
    last = make_workbook(folder / "2023" / "甲.xlsx", before, org="甲镇人民政府", year=2023)
    this = make_workbook(folder / "inbox" / "甲.xlsx", now, org="甲镇人民政府", year=2024)
    return last, this


def test_check_previous_warns_and_threshold_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    last, this = _pair(tmp_path, EDITED)  # about 80% the same
    for extra, expected in (([], False), (["--copy-threshold", "70"], True)):
        with pytest.raises(SystemExit) as exc:
            main(["check", "--previous", str(last), *extra, str(this)])
        out, _ = capsys.readouterr()
        assert exc.value.code == 0  # a warning: the report still passes
        assert (f"〔{CATALOGUE['text-copied-from-last-year'].name}〕" in out) is expected, extra
        assert ("达到 70% 的提醒线" in out) is expected


def test_run_previous_year_warns(tmp_path: Path) -> None:
    last, this = _pair(tmp_path)
    result = run_batch(
        RunOptions(this.parent, tmp_path / "outbox", jobs=1, settle=0, previous_year=last.parent)
    )
    found = {(f["code"], f["cell"]) for f in result.files[0].findings}
    assert ("text-copied-from-last-year", "B5") in found
    assert result.files[0].status == "accepted"
