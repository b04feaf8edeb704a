"""The per-user cache of compiled Word templates: used when valid, ignored when not."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xl2report.report import compile_cache
from xl2report.report.docx_package import default_word_template
from xl2report.report.engine import CompiledTemplate, TemplateProblem
from xl2report.report.render import ReportRenderer


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XL2REPORT_CACHE_DIR", str(folder))
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.bin")) if folder.exists() else []


def test_compiled_template_is_cached_and_renders_the_same(cache: Path, kejing_values) -> None:
    first = ReportRenderer()
    (entry,) = _entries(cache)
    again = ReportRenderer()  # from the cache
    assert _entries(cache) == [entry]
    assert again._compiled.placeholders == first._compiled.placeholders
    from xl2report.report.content import report_content

    content = report_content(kejing_values)
    assert again.render_bytes(content) == first.render_bytes(content)


def test_a_cache_hit_does_not_import_docxtpl(cache: Path) -> None:
    ReportRenderer()  # fills the cache
    code = (
        "import sys; from xl2report.report.render import ReportRenderer; ReportRenderer(); "
        "print('docxtpl' in sys.modules, 'docx' in sys.modules)"
    )
    env = {**os.environ, "XL2REPORT_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True)  # fmt: skip
    assert done.stdout.split() == ["False", "False"]


def test_broken_entry_is_ignored_and_rewritten(cache: Path) -> None:
    ReportRenderer()
    (entry,) = _entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(b"not marshal data")
    renderer = ReportRenderer()  # compiles again
    assert renderer._compiled.placeholders
    assert entry.read_bytes() == good


def _edited(path: Path, old: str, new: str) -> None:
    """``path``: the bundled template with ``old`` replaced by ``new`` in its document."""
    with zipfile.ZipFile(default_word_template()) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            dst.writestr(info, data)


def test_changed_template_gets_its_own_entry(cache: Path, tmp_path: Path) -> None:
    CompiledTemplate(default_word_template())
    copy = tmp_path / "mine.docx"
    copy.write_bytes(default_word_template().read_bytes())  # same bytes: same entry
    CompiledTemplate(copy)
    assert len(_entries(cache)) == 1
    _edited(copy, "{{ s3.new.natural }}", "{{ s3.new.natural }}{{ extra }}")
    assert "extra" in CompiledTemplate(copy).placeholders  # not the bundled one's entry
    assert len(_entries(cache)) == 2
    _edited(copy, "{{ s3.new.natural }}", "{{ s3.new.natural ")  # does not compile
    with pytest.raises(TemplateProblem):
        CompiledTemplate(copy)
    assert len(_entries(cache)) == 2  # a template that does not compile is never cached


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_folder_others_can_write_to_is_not_used(cache: Path) -> None:
    cache.mkdir()
    cache.chmod(0o777)
    ReportRenderer()
    assert _entries(cache) == []
    assert compile_cache.load("0" * 64) is None


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL2REPORT_CACHE_DIR", "")
    assert compile_cache.folder() is None
    assert ReportRenderer()._compiled.placeholders
