"""TEMPORARY STAND-IN — delete once ``annotate.py`` is merged from the checks branch.

Implements the agreed API of the feedback writer just well enough for the batch pipeline to run
end to end on this branch.  Only :mod:`xl2report.pipeline` imports it, and only when the real
module is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from xl2report.atomic import atomic_path
from xl2report.findings import FileReport


def feedback_name(source: Path) -> str:
    return f"{Path(source).stem}_校验反馈.xlsx"


def write_feedback(source: Path, report: FileReport, out: Path, overwrite: bool = False) -> Path:
    """Stand-in: an unmarked copy of the source."""
    with atomic_path(Path(out), overwrite=overwrite) as tmp:
        shutil.copyfile(source, tmp)
    return Path(out)
