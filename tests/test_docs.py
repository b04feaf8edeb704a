"""Meta-tests: README stays true to the form, the catalogue, the CLI and CI."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xl2report.checks.catalogue import CATALOGUE
from xl2report.docs import render_readme

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SRC = ROOT / "src" / "xl2report"


def test_generated_tables_are_current() -> None:
    assert render_readme(README) == README, "run: python -m xl2report.docs"


def test_every_code_used_in_source_is_catalogued() -> None:
    used = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'Finding\(\s*"([a-z0-9-]+)"', text))
        used |= set(re.findall(r'Finding\.at\([^"\n]*?,\s*"([a-z0-9]+-[a-z0-9-]+)"', text))
        used |= set(re.findall(r'UnreadableError\("([a-z0-9-]+)"', text))
        used |= set(re.findall(r'Rule\([^)]*?"[^"]+",\s*"([a-z0-9-]+)"', text, re.DOTALL))
    assert used, "pattern found nothing: test is broken"
    assert used <= set(CATALOGUE), used - set(CATALOGUE)
    for code in CATALOGUE:
        assert f"`{code}`" in README, code


def test_every_command_is_in_readme() -> None:
    from xl2report.cli.main import cli

    for name in cli.commands:
        assert f"xl2report {name}" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "ci:test" in ci and "ci:test" in README
    assert "libreoffice-calc libreoffice-writer fonts-noto-cjk" in ci


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff 未安装")
def test_ruff_clean() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None, reason="import-linter 未安装")
def test_layers_contract_holds() -> None:
    """The import-linter contracts in pyproject.toml: no layer imports one above it."""
    done = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_top_level_stays_small() -> None:
    """Layers live in folders: at most seven modules at the top of the package."""
    top = sorted(p.name for p in SRC.glob("*.py"))
    assert len(top) <= 7, top  # __init__, __main__, docs and the shared base
