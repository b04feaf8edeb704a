"""`xl2report render` and `xl2report check-template` as a user runs them: exit codes and files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import make_workbook
from report_helpers import edit_docx, read_report
from xl2report.batch.outbox import report_filename
from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.check import check_file
from xl2report.cli.main import main
from xl2report.form.national import blank_values, compute_formulas
from xl2report.report.content import DRAFT_MARK
from xl2report.report.docx_package import default_word_template

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
REPORT = report_filename("克井镇人民政府", 2024)


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in args])
    return int(done.value.code or 0)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name))


def test_render_example_into_a_folder(example: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    before = example.read_bytes()
    assert run("render", example, "-o", tmp_path / "outbox") == 0
    out = tmp_path / "outbox" / REPORT
    assert read_report(out).styled("Heading 1")[0] == "一、总体情况"
    assert str(out) in capsys.readouterr().out
    assert example.read_bytes() == before  # the input is never modified


def test_default_output_is_beside_the_workbook(example: Path) -> None:
    assert run("render", example) == 0
    assert (example.parent / REPORT).exists()


def test_output_may_name_the_docx(example: Path, tmp_path: Path) -> None:
    assert run("render", example, "-o", tmp_path / "a" / "年报.docx") == 0
    assert (tmp_path / "a" / "年报.docx").exists()


def test_existing_output_is_kept_unless_forced(example: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / REPORT
    out.write_bytes(b"old")
    assert run("render", example, "-o", tmp_path) == 2
    assert out.read_bytes() == b"old"
    assert "--force" in capsys.readouterr().err
    assert run("render", example, "-o", tmp_path, "--force") == 0
    assert out.read_bytes() != b"old"


@pytest.fixture
def invalid(tmp_path: Path, kejing_values) -> Path:  # type: ignore[no-untyped-def]
    values = compute_formulas({**blank_values(), **kejing_values})
    values["s3.new.natural"] = 3  # 一+二 no longer equals 三(七)+四
    return make_workbook(tmp_path / "bad.xlsx", values, org="克井镇人民政府", year=2024)


def test_workbook_with_errors_gives_findings_and_no_report(
    invalid: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert not check_file(invalid).valid
    assert run("render", invalid, "-o", tmp_path / "out") == 1
    assert f"〔{CATALOGUE['balance-mismatch'].name}〕" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_draft_renders_a_marked_draft_and_force_does_not(invalid: Path, tmp_path: Path) -> None:
    assert run("render", invalid, "-o", tmp_path / "out", "--force") == 1
    assert not (tmp_path / "out").exists()  # --force only overwrites; it makes no draft
    assert run("render", invalid, "-o", tmp_path / "out", "--draft") == 1
    draft = tmp_path / "out" / REPORT.replace(".docx", "（草稿）.docx")
    assert read_report(draft).texts[0] == DRAFT_MARK
    assert not (tmp_path / "out" / REPORT).exists()  # never under the report's own name
    assert run("render", invalid, "-o", tmp_path / "out", "--draft") == 2  # exists: refused
    assert run("render", invalid, "-o", tmp_path / "out", "--draft", "--force") == 1


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    assert run("render", bad, "-o", tmp_path) == 2
    assert not any(p.suffix == ".docx" for p in tmp_path.iterdir())


def test_wrong_output_suffix_is_a_usage_error(example: Path, tmp_path: Path) -> None:
    assert run("render", example, "-o", tmp_path / "x.pdf") == 2


def test_an_existing_folder_with_a_dot_in_its_name_is_a_folder(
    example: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "年报.2024"
    folder.mkdir()
    assert run("render", example, "-o", folder) == 0
    assert (folder / REPORT).exists()


def test_pdf_without_libreoffice_says_so_and_writes_nothing(
    example: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from xl2report.report import office

    monkeypatch.setattr(office, "soffice_path", lambda: None)
    assert run("render", example, "-o", tmp_path / "out", "--pdf") == 2
    assert "LibreOffice" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_failed_pdf_conversion_keeps_the_word_report(
    example: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from xl2report.report import office, render

    def timeout(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise office.OfficeError("LibreOffice 转换超时（1 秒）。")

    monkeypatch.setattr(office, "soffice_path", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(render.office, "convert", timeout)
    assert run("render", example, "-o", tmp_path, "--pdf") == 2
    assert (tmp_path / REPORT).exists() and not (tmp_path / REPORT).with_suffix(".pdf").exists()
    assert str(tmp_path / REPORT) in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_render_with_a_restyled_word_template(example: Path, tmp_path: Path) -> None:
    def bigger_title(parts: dict[str, bytes]) -> None:
        parts["word/styles.xml"] = parts["word/styles.xml"].replace(b'w:val="44"', b'w:val="48"')

    template = edit_docx(default_word_template(), tmp_path / "mine.docx", bigger_title)
    assert run("render", example, "-o", tmp_path / "out", "--word-template", template) == 0


def test_check_template(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run("check-template", default_word_template()) == 0

    def typo(parts: dict[str, bytes]) -> None:
        parts["word/document.xml"] = parts["word/document.xml"].replace(
            b"{{ s4.review.upheld }}", b"{{ s4.review.uphold }}"
        )

    broken = edit_docx(default_word_template(), tmp_path / "broken.docx", typo)
    assert run("check-template", broken) == 1
    out = capsys.readouterr().out
    assert "s4.review.upheld" in out and "s4.review.uphold" in out
    assert run("render", EXAMPLE, "-o", tmp_path / "o", "--word-template", broken) == 2


def test_check_template_on_a_non_docx_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "t.docx"
    bad.write_bytes(b"nope")
    assert run("check-template", bad) == 2
