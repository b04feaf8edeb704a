"""The libraries whose internals the speed code relies on are installed at the pinned versions."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from xl2report.compat import tomllib

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
PINNED = ("openpyxl", "xlsxwriter", "docxtpl", "python-docx")


@pytest.mark.parametrize("name", PINNED)
def test_installed_version_is_the_pinned_one(name: str) -> None:
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    (req,) = (Requirement(d) for d in deps if Requirement(d).name == name)
    assert req.specifier.contains(version(name)), f"{name} {version(name)} 不满足 {req}"
    assert "<" in str(req.specifier) or "==" in str(req.specifier), f"{name} 没有上限：{req}"
