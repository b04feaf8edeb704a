"""`xl2report check` as a user runs it: output, JSON, exit codes, feedback copies, no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from xl2report.checks.catalogue import CATALOGUE
from xl2report.cli.main import main

CORPUS = Path(__file__).parent / "data" / "corpus"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["check", *args])
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def corpus(*names: str) -> list[str]:
    return [str(CORPUS / n) for n in names]


def test_valid_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *corpus("valid-kejing.xlsx", "valid-extra-sheet.xlsx"))
    assert code == 0
    assert "通过" in out and "克井镇人民政府" in out


def test_errors_exit_1_and_name_the_cell(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *corpus("valid-random.xlsx", "balance-outcome-row.xlsx"))
    assert code == 1
    assert "【三、依申请公开】" in out and "D6：" in out
    # Clerks read the finding's Chinese name, not its code (which stays in --json).
    assert f"〔{CATALOGUE['balance-mismatch'].name}〕" in out and "balance-mismatch" not in out


def test_unreadable_file_exits_2_and_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--json", *corpus("balance-outcome-row.xlsx", "encrypted.xlsx"))
    assert code == 2
    files = json.loads(out)["files"]
    assert [Path(f["file"]).name for f in files] == ["balance-outcome-row.xlsx", "encrypted.xlsx"]
    (finding,) = files[1]["findings"]
    assert finding["code"] == "encrypted" and finding["level"] == "error"
    assert files[1]["valid"] is False and "Traceback" not in err


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", *corpus("formula-overwritten-wrong.xlsx"))
    assert code == 1
    (entry,) = json.loads(out)["files"]
    assert set(entry) == {"file", "org", "year", "valid", "findings", "similarity"}
    assert entry["similarity"] is None  # no last year to compare with
    assert (entry["org"], entry["year"], entry["valid"]) == ("测试镇人民政府", 2024, False)
    mismatch = next(f for f in entry["findings"] if f["code"] == "total-mismatch")
    assert set(mismatch) == {"code", "level", "sheet", "cell", "key", "message", "expected",
                             "actual", "related"}  # fmt: skip
    assert (mismatch["sheet"], mismatch["cell"], mismatch["key"]) == (
        "四、复议诉讼",
        "E6",
        "s4.review.total",
    )
    assert mismatch["actual"] == mismatch["expected"] + 1


def test_missing_file_is_a_finding_not_a_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--json", str(tmp_path / "没有这个文件.xlsx"), str(tmp_path))
    assert code == 2
    assert [f["findings"][0]["code"] for f in json.loads(out)["files"]] == ["file-missing"] * 2
    assert "Traceback" not in err


def test_whole_corpus_in_one_run_never_shows_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = sorted(str(p) for p in CORPUS.iterdir() if not p.name.endswith(".json"))
    code, out, err = run(capsys, *files)
    assert code == 2
    assert "Traceback" not in out + err and "内部错误" not in err
    assert f"共 {len(files)} 个文件" in out


def test_previous_year(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--previous", *corpus("yoy-2023.xlsx", "yoy-2024.xlsx"))
    assert code == 0
    codes = [f["code"] for f in json.loads(out)["files"][0]["findings"]]
    assert sorted(codes) == ["yoy-carried-mismatch", "yoy-in-force-mismatch", "yoy-swing"]


@pytest.mark.parametrize("previous", ["truncated.xlsx", "form-version-old.xlsx"])
def test_unusable_previous_year_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], previous: str
) -> None:
    code, out, err = run(capsys, "--previous", *corpus(previous, "yoy-2024.xlsx"))
    assert code == 2 and out == ""
    assert err.startswith("错误：上一年度的工作簿") and "Traceback" not in err


def test_annotate_writes_one_copy_per_submission(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "a").mkdir(parents=True)
    (inbox / "b").mkdir()
    shutil.copyfile(CORPUS / "bad-numbers.xlsx", inbox / "a" / "镇.xlsx")
    shutil.copyfile(CORPUS / "valid-random.xlsx", inbox / "b" / "镇.xlsx")
    shutil.copyfile(CORPUS / "~$lock.xlsx", inbox / "~$镇.xlsx")
    outbox = tmp_path / "outbox"
    code, out, err = run(capsys, "--json", "--annotate", str(outbox),
                         str(inbox / "a" / "镇.xlsx"), str(inbox / "b" / "镇.xlsx"),
                         str(inbox / "~$镇.xlsx"))  # fmt: skip
    assert code == 2  # the lock file
    json.loads(out)  # stdout stays pure JSON; the copies are announced on stderr
    assert sorted(p.name for p in outbox.iterdir()) == ["镇_2_校验反馈.xlsx", "镇_校验反馈.xlsx"]
    assert err.count("已写反馈副本") == 2


def test_annotate_into_a_file_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("x")
    code, _, err = run(capsys, "--annotate", str(blocker), *corpus("bad-numbers.xlsx"))
    assert code == 2 and "是文件，不是文件夹" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "name",
    [
        "yoy-2024.xlsx",
        "yoy-2023.xlsx",
        "valid-kejing.xlsx",
        "form-version-old.xlsx",
        "truncated.xlsx",
    ],
)
def test_adding_last_year_to_a_check_equals_checking_with_it(name: str) -> None:
    """The batch checks a file once and then adds last year's comparison (issue #6)."""
    from xl2report.checks.check import check_file, with_previous

    previous = check_file(CORPUS / "yoy-2023.xlsx")
    assert previous.values
    at_once = check_file(CORPUS / name, previous)
    added = with_previous(check_file(CORPUS / name), previous.values)
    assert [f.to_dict() for f in added.report.findings] == [
        f.to_dict() for f in at_once.report.findings
    ]
    assert added.values == at_once.values


def test_bare_command_shows_the_chinese_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["mail"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        out, err = capsys.readouterr()
        assert exc.value.code == 0, err
        assert out.startswith("用法：xl2report") and "命令：" in out and err == ""


def test_old_xls_without_libreoffice_says_so_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is announced as converting when there is nothing to convert with."""
    from xl2report.report import office

    monkeypatch.setattr(office, "soffice_path", lambda: None)
    code, out, err = run(capsys, "--json", *corpus("legacy.xls"))
    assert code == 2
    (finding,) = json.loads(out)["files"][0]["findings"]
    assert finding["code"] == "legacy-format"
    assert "LibreOffice" in err.splitlines()[0] and "正在" not in err


def test_every_help_screen_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    """Kinds of values, defaults and ranges in Chinese (目录, 默认：inbox), columns aligned by
    display width."""
    import re

    import click

    from xl2report.cli.main import cli

    def paths(group: click.Group, prefix: list[str]) -> list[list[str]]:
        out = [prefix]
        for name, cmd in group.commands.items():
            out += (
                paths(cmd, [*prefix, name]) if isinstance(cmd, click.Group) else [[*prefix, name]]
            )
        return out

    for argv in paths(cli, []):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        out = capsys.readouterr().out
        assert "选项：" in out, argv
        assert not re.search(
            r"\[default|DIRECTORY|INTEGER|FLOAT|\bTEXT\b|\bFILE\b|\bPATH\b", out
        ), (argv, out)
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    heads = [m.group(0) for ln in capsys.readouterr().out.splitlines()
             if (m := re.match(r"  -[-\w, ]+?(?: \S+)?  +(?=\S)", ln))]  # fmt: skip
    widths = {sum(2 if ord(c) > 0x2E7F else 1 for c in head) for head in heads}
    assert len(heads) > 10 and len(widths) == 1  # every option's help starts in one column
