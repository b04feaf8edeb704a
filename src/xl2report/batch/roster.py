"""The roster: which organisations must report (机关名称, code, contact, email, 别名).

Read by :mod:`xl2report.batch.roster_file` (every cell checked).  Used to hand out one
personalised template per organisation and, once registered in the ledger, to tell who has not
reported yet and to hold workbooks whose 机关名称 is not on it (:class:`RosterIndex`: names and
aliases to the official name, and the nearest name to suggest).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.atomic import OutputExistsError, write_bytes_atomic
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.outbox import template_filename
from xl2report.batch.roster_file import (
    MAX_PROBLEMS_SHOWN,
    entry_problem,
    name_problem,
    normalize_org,
    read_roster,
    shown,
)
from xl2report.errors import FatalError, in_use_text, open_elsewhere, os_error_text

if TYPE_CHECKING:
    from xl2report.xlsx.prefill import LastYearFill

__all__ = [
    "RosterIndex",
    "TemplateRequest",
    "name_problem",
    "nearest_name",
    "normalize_org",
    "read_roster",
    "template_name",
    "write_roster_templates",
]


class RosterIndex:
    """Which roster organisation a typed 机关名称 stands for.

    Exact after :func:`normalize_org` (full-width, spaces) on official names and aliases;
    otherwise :meth:`suggest` offers the nearest official name for a person to confirm.
    """

    def __init__(self, entries: Iterable[RosterEntry]) -> None:
        self.entries = list(entries)
        self._official: dict[str, str] = {}
        for e in self.entries:
            self._official.setdefault(normalize_org(e.name), e.name)
        for e in self.entries:
            for alias in e.aliases:
                self._official.setdefault(normalize_org(alias), e.name)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def official(self, name: str) -> str | None:
        """The roster's name for ``name`` (itself or an alias), or None when not on it."""
        return self._official.get(normalize_org(name))

    def entry(self, name: str) -> RosterEntry | None:
        """The roster entry ``name`` stands for, if any."""
        official = self.official(name)
        return next((e for e in self.entries if e.name == official), None)

    def suggest(self, name: str) -> str | None:
        """The nearest official name, when it is close enough to be worth asking about."""
        return nearest_name(name, [e.name for e in self.entries])


SUGGEST_CUTOFF = 0.5


def nearest_name(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate most like ``name`` (``白沙乡政府`` -> ``白沙乡人民政府``), or None.

    Similarity is difflib's ratio on normalised names; a shared leading place name (the first
    two characters) counts for more, since townships differ there and share the suffixes
    (人民政府, 街道办事处).
    """
    key = normalize_org(name)
    if not key:
        return None
    best, best_score = None, SUGGEST_CUTOFF
    for candidate in candidates:
        other = normalize_org(candidate)
        score = difflib.SequenceMatcher(None, key, other).ratio()
        if len(key) >= 2 and other.startswith(key):  # a short form: 城关 -> 城关镇人民政府
            score = max(score, 0.8)
        if key[:2] != other[:2]:
            score *= 0.6
        if score > best_score:
            best, best_score = candidate, score
    return best


def template_name(entry: RosterEntry, year: int | None) -> str:
    """The file name of an org's template (safe on Windows, within the byte limit of Linux)."""
    return template_filename(entry.name, year)


@dataclass(frozen=True)
class TemplateRequest:
    """What ``template --roster`` (and the board's 下发模板) is asked to make."""

    year: int | None
    password: str | None = None
    submit_to: str | None = None
    overwrite: bool = False
    last_year: Sequence[LastYearFill | None] | None = None  # per entry (batch/lastyear.py)
    register: Path | None = None  # the outbox whose register records each 下发编号


def write_roster_templates(
    entries: Sequence[RosterEntry], outdir: Path, request: TemplateRequest
) -> list[Path]:
    """One personalised template per entry in ``outdir``: all of them, or nothing at all.

    Every name is checked first (unsavable characters, length, two units whose byte-limited
    file names coincide, files already there without ``overwrite``); the templates are then
    built in a staging folder inside ``outdir`` and moved into place only when every one is
    written, so a failure half way (a full disk) leaves ``outdir`` as it was.  With
    ``register`` each template carries its unit's 下发编号 (:mod:`xl2report.batch.issued`).

    The templates come from one :class:`~xl2report.xlsx.factory.TemplateFactory` in this
    process (about a millisecond each, byte-identical to a separate build).
    """
    outdir = Path(outdir)
    paths = _planned_paths(entries, outdir, request)
    numbers: list[str | None] = [None] * len(entries)
    if request.register is not None:
        from xl2report.batch.issued import issue_numbers

        numbers = list(issue_numbers(request.register, [e.name for e in entries], request.year))
    from xl2report.xlsx.factory import TemplateFactory  # xlsxwriter: only when making templates

    factory = TemplateFactory(request.year, password=request.password, submit_to=request.submit_to)
    fills = list(request.last_year) if request.last_year is not None else [None] * len(entries)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".xl2report-", dir=outdir) as tmp:
            staged = []
            for path, entry, fill, number in zip(paths, entries, fills, numbers, strict=True):
                data = factory.build(entry.name, entry.contact or None, fill, number)
                write_bytes_atomic(Path(tmp) / path.name, data)
                staged.append((Path(tmp) / path.name, path))
            _move_all(staged, request.overwrite)
    except OSError as exc:
        if open_elsewhere(exc):  # --force over a template open in WPS/Excel (Windows)
            held = exc.filename2 or exc.filename or outdir
            raise FatalError(in_use_text(held, "替换", "然后重新生成模板")) from exc
        raise FatalError(f"无法在 {outdir} 中写入模板：{os_error_text(exc)}；没有生成任何模板。") from exc
    return paths


def _planned_paths(
    entries: Sequence[RosterEntry], outdir: Path, request: TemplateRequest
) -> list[Path]:
    """Every output path, or a FatalError naming each unusable roster unit (nothing written)."""
    problems: list[str] = []
    clash: dict[str, str] = {}
    names = []
    for number, entry in enumerate(entries, 1):
        name = template_name(entry, request.year)
        names.append(name)
        why = entry_problem(entry)
        if why:
            problems.append(f"第 {number} 个单位“{shown(entry.name)}”：{why}。")
            continue
        key = name.casefold()  # Windows names are case-insensitive
        if key in clash:
            problems.append(
                f"“{shown(entry.name)}”与“{shown(clash[key])}”生成的文件名相同（{name}），"
                "请在名单中区分。"
            )
        clash.setdefault(key, entry.name)
    if problems:
        listed = problems[:MAX_PROBLEMS_SHOWN]
        more = f"（另有 {len(problems) - len(listed)} 处）" if len(problems) > len(listed) else ""
        raise FatalError("名单有问题，没有生成任何模板：" + " ".join(listed) + more)
    paths = [outdir / n for n in names]
    if not request.overwrite:
        existing = [p.name for p in paths if p.exists()]
        if existing:
            raise OutputExistsError(
                f"{outdir} 中已有 {len(existing)} 个同名文件（如 {existing[0]}）"
            )
    return paths


def _move_all(staged: Sequence[tuple[Path, Path]], overwrite: bool) -> None:
    """Move staged templates into place; if one move fails, undo the moves already made of
    files that did not exist before (an overwritten file cannot be brought back)."""
    done: list[Path] = []
    try:
        for src, dst in staged:
            if not overwrite and dst.exists():
                raise FileExistsError(errno.EEXIST, "已存在", str(dst))
            existed = dst.exists()
            os.replace(src, dst)
            if not existed:
                done.append(dst)
    except OSError:
        for path in done:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
