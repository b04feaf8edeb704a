"""Meta-tests: the README (a guide) and docs/ (the reference) stay true to the form, the catalogue,
the CLI, the code and CI."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from xl2report.checks.catalogue import CATALOGUE
from xl2report.docs import DOC_FILES, render_generated

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SRC = ROOT / "src" / "xl2report"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def all_docs() -> dict[str, str]:
    return {"README.md": README} | {f"docs/{p.name}": doc(p.name) for p in DOCS.glob("*.md")}


@pytest.mark.parametrize("name", sorted(set(DOC_FILES.values())))
def test_generated_tables_are_current(name: str) -> None:
    text = doc(name)
    assert "<!-- BEGIN " in text
    assert render_generated(text) == text, "run: python -m xl2report.docs"


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
    table = doc(DOC_FILES["codes"])
    for code in CATALOGUE.values():
        assert f"| `{code.code}` | {code.name} |" in table, code.code


def _commands() -> list[tuple[str, click.Command]]:
    from xl2report.cli.main import cli

    out = []

    def walk(group: click.Group, path: str) -> None:
        for name, cmd in group.commands.items():
            out.append((f"{path} {name}", cmd))
            if isinstance(cmd, click.Group):
                walk(cmd, f"{path} {name}")

    walk(cli, "xl2report")
    return out


def test_every_command_and_option_is_documented() -> None:
    """docs/命令.md has every command (mail ones too) and every option of each; the README's
    guide names every command."""
    reference = doc(DOC_FILES["commands"])
    sections = re.split(r"^### ", reference, flags=re.M)
    for path, cmd in _commands():
        section = next((s for s in sections if s.startswith(f"`{path}`")), None)
        assert section is not None, path
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert any(f"`{opt}" in section or f", {opt}" in section for opt in param.opts), (
                    path, param.opts)  # fmt: skip
        if path.count(" ") == 1:
            assert f"`{path}`" in README, path


def test_every_field_is_in_the_field_table() -> None:
    from xl2report.form.national import FORM

    table = doc(DOC_FILES["fields"])
    for f in FORM.fields:
        assert f"| `{f.key}` | {f.sheet} | {f.cell} |" in table, f.key


def test_readme_is_a_short_guide_with_stable_headings() -> None:
    """≤ 40 KB, the two commands, the January walk-through and the sections other work adds to."""
    assert len(README.encode("utf-8")) <= 40_000
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    for wanted in (
        "两条命令",
        "一月的工作：从下发到催报",
        "在办公电脑上安装",
        "命令一览",
        "参考资料",
    ):
        assert wanted in headings, wanted
    steps = re.findall(r"^### (\d)\. ", README, flags=re.M)
    assert steps == ["1", "2", "3", "4", "5"]
    assert "5–15 分钟" in README


def test_links_between_the_documents_lead_somewhere() -> None:
    for name, text in all_docs().items():
        base = (ROOT / name).parent
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)|src=\"([^\"]+)\"", text):
            link = next(t for t in target if t)
            if link.startswith(("http://", "https://")):
                continue
            assert (base / link).exists(), (name, link)


def test_modules_the_documents_name_exist() -> None:
    """A renamed or removed module must not live on in the docs (src/xl2report/form.py did)."""
    for name, text in all_docs().items():
        for path in re.findall(r"src/xl2report/[\w/]+(?:\.py|/)", text):
            assert (ROOT / path).exists(), (name, path)
        for dotted in re.findall(r"\bxl2report(?:\.\w+)+", text):
            if dotted == "xl2report.toml":  # the mail settings file, not a module
                continue
            parts = dotted.split(".")
            n = next((n for n in range(len(parts), 1, -1) if _is_module(".".join(parts[:n]))), 0)
            assert n, (name, dotted)  # xl2report.county.campaign.load_campaign: module, name
            owner = importlib.import_module(".".join(parts[:n]))
            for attribute in parts[n:]:
                owner = getattr(owner, attribute, None)
                assert owner is not None, (name, dotted)
        for short in re.findall(
            r"`((?:form|xlsx|checks|report|batch|county|web|mail|cli)/\w+\.py)`", text
        ):
            assert (SRC / short).exists(), (name, short)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module, not a module
        return False


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "ci:test" in ci and "ci:test" in README and "ci:main" in README
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
