"""Golden files for generated packages (.xlsx, .docx): every XML part, normalised, one file each.

A test builds the package, normalises its parts with :func:`normalised_parts` and compares them
with :func:`assert_matches_golden`; ``pytest --update-golden`` rewrites the folder on purpose.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

GOLDEN_ROOT = Path(__file__).parent / "golden"


def normalised_parts(data: bytes, skip: Iterable[str] = ()) -> dict[str, str]:
    """Each XML part of the package ``data`` (but ``skip``), pretty-printed, by part name."""
    skipped = set(skip)
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(zf.namelist()):
            if not name.endswith((".xml", ".rels")) or name in skipped:
                continue
            root = etree.fromstring(zf.read(name))
            out[name] = etree.tostring(root, encoding="unicode", pretty_print=True)
    return out


def assert_matches_golden(folder: Path, parts: dict[str, str], update: bool) -> None:
    """``parts`` equal the golden files in ``folder`` (rewritten first when ``update``)."""
    if update:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.xml"):
            old.unlink()
        for name, text in parts.items():
            _golden_file(folder, name).write_text(text, encoding="utf-8")
        (folder / "parts.json").write_text(json.dumps(sorted(parts), indent=1), encoding="utf-8")
    names = json.loads((folder / "parts.json").read_text(encoding="utf-8"))
    assert sorted(parts) == names
    for name in names:
        want = _golden_file(folder, name).read_text(encoding="utf-8")
        assert parts[name] == want, f"{name} differs from golden (pytest --update-golden)"


def _golden_file(folder: Path, part: str) -> Path:
    return folder / (part.replace("/", "__") + ".xml")
