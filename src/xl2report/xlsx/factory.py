"""Many personalised templates of one year, fast (``template --roster``), byte-identical to builds.

Of a template's parts only a few depend on the organisation: the shared strings (its name, the
contact, last year's phone, the cover line and metadata of last year's figures), the document
title, and — when last year's figures are prefilled — the numbers in three worksheets (the
prefilled 上年结转, last year's 现行有效 and the totals, checks and cover summary that follow
from them).  The factory builds one workbook per *shape* (which texts are present; whether last
year's figures are prefilled, missing or not asked for) with marker texts and zero figures, and
per organisation swaps the real texts into the shared strings, patches the changed cached
numbers and check texts in place, and reuses every other part's compressed bytes
(:class:`~xl2report.xlsx.package.PackageWriter`): a few milliseconds instead of ~20.

The bytes are exactly :func:`~xl2report.xlsx.template.build_workbook`'s (tests prove it for many
names and figures).  Anything the swap cannot reproduce exactly — a text xlsxwriter would escape
specially or that equals another text of the workbook, a cell the base does not hold as a value —
is built the ordinary way.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property

from xl2report.form.national import (
    CONTACT,
    FORM,
    ORG,
    Form,
    Kind,
    a1,
    check_display,
    summary_shown,
)
from xl2report.form.preface import PREFACE_KEY
from xl2report.form.types import stock_display
from xl2report.xlsx.package import PackageWriter
from xl2report.xlsx.prefill import LastYearFill
from xl2report.xlsx.template import (
    Resolved,
    TemplateOptions,
    build_workbook,
    cell_number,
    failed_checks,
    resolve,
)

Cell = tuple[str, int, int]  # (sheet, row, col)
_ISSUE = "issue"  # the slot of the 下发编号 (a text of the _meta sheet)
_STRINGS, _CORE = "xl/sharedStrings.xml", "docProps/core.xml"
# A cell written as a number, or as a formula with its cached result: <c r="D7" s="5"><v>3</v></c>
_VALUE_CELL = re.compile(r'<c r="([A-Z]+\d+)"[^>]*>(?:<f>[^<]*</f>)?<v>([^<]*)</v></c>')


def _marker(slot: str) -> str:
    return f"\ue000xl2report-{slot}\ue001"  # private-use characters: no real text or label


@dataclass
class _Base:
    """One shape's workbook with marker texts, ready to be personalised."""

    writer: PackageWriter
    strings: str
    core: str
    texts: dict[str, str]  # slot -> the text the base holds there
    shown: dict[Cell, str]  # dynamic cell -> the value text the base holds
    spans: dict[Cell, tuple[str, int, int]]  # dynamic cell -> (part, start, end) of its value
    parts: dict[str, str]  # sheet part -> its XML


class TemplateFactory:
    """Personalised templates of one year: :meth:`build` equals ``build_workbook`` per org."""

    def __init__(
        self,
        year: int | None,
        password: str | None = None,
        submit_to: str | None = None,
        form: Form = FORM,
    ) -> None:
        self.year = year
        self.password = password
        self.submit_to = submit_to
        self.form = form
        self._bases: dict[tuple[object, ...], _Base | None] = {}
        # The prefilled 前言 names the organisation: one more text swapped per org.
        self._text_keys = (ORG.key, CONTACT.key, PREFACE_KEY, *self._starting_points())

    def build(
        self,
        org: str,
        contact: str | None = None,
        last_year: LastYearFill | None = None,
        issue: str | None = None,
    ) -> bytes:
        """The .xlsx bytes of ``org``'s template (as ``build_workbook`` would make them);
        ``issue`` is its 下发编号 (kept in ``_meta``)."""
        options = TemplateOptions(
            org=org, year=self.year, password=self.password, contact=contact,
            submit_to=self.submit_to, last_year=last_year, issue=issue,
        )  # fmt: skip
        resolved = resolve(options, form=self.form)
        texts = self._texts(resolved)
        if issue:
            texts[_ISSUE] = issue
        filled = resolved.plan.filled
        kind = "filled" if filled else ("missing" if last_year is not None else "none")
        year_before = last_year.year if last_year is not None else None
        shape = (tuple(texts), kind, year_before)
        swappable = all(map(_swappable, texts.values())) and _swappable(org, _PLAIN_NAME)
        if not swappable or len(set(texts.values())) < len(texts):
            return build_workbook(options, form=self.form)
        if shape not in self._bases:
            self._bases[shape] = self._make_base(tuple(texts), kind, year_before)
        base = self._bases[shape]
        if base is None:
            return build_workbook(options, form=self.form)
        changed = self._personalise(base, texts, self._shown(resolved))
        return (
            build_workbook(options, form=self.form)
            if changed is None
            else base.writer.write(changed)
        )

    # --- what varies ------------------------------------------------------------------------

    def _starting_points(self) -> tuple[str, ...]:
        spec = self.form.last_year
        points = spec.starting_points if spec else ()
        return tuple(k for k in points if k not in (ORG.key, CONTACT.key, PREFACE_KEY))

    def _texts(self, resolved: Resolved) -> dict[str, str]:
        """The per-organisation texts present in this template, by slot."""
        out = {k: str(resolved.computed.get(k) or "") for k in self._text_keys}
        out = {k: v for k, v in out.items() if v}
        if resolved.plan.filled:
            out["note"] = resolved.plan.note
            out["meta"] = resolved.plan.meta
        return out

    @cached_property
    def _dynamic_cells(self) -> dict[Cell, str]:
        """Cells whose value depends on last year's figures, and how each is written."""
        spec = self.form.last_year
        if spec is None:
            return {}
        varying = {k for k, _ in spec.carried}
        cells: dict[Cell, str] = {}
        for key, _ in spec.carried:
            f = self.form.field(key)
            cells[(f.sheet, f.row, f.col)] = f"number:{key}"
        for f in self.form.fields:
            if f.kind is Kind.FORMULA and varying.intersection(f.parts):
                varying.add(f.key)
                cells[(f.sheet, f.row, f.col)] = f"formula:{f.key}"
        for rule in self.form.rules:
            if rule.check and varying.intersection(rule.keys):
                cells[rule.check] = f"rule:{rule.id}"
        cells[self.form.summary] = "summary:count"
        cells[self.form.summary_text] = "summary:text"
        for prior in spec.priors:
            cells[(prior.sheet, prior.row, prior.col)] = f"prior:{prior.key}"
        for check in spec.stock_checks:
            cells[check.check] = f"stock:{check.id}"
        return cells

    def _shown(self, resolved: Resolved) -> dict[Cell, str]:
        """The stored text of each dynamic cell, as xlsxwriter writes it (prefilled only)."""
        if not resolved.plan.filled:
            return {}
        values = resolved.computed
        rules = {r.id: r for r in self.form.rules}
        stocks = {c.id: c for c in self.form.last_year.stock_checks}  # type: ignore[union-attr]
        out: dict[Cell, str] = {}
        for cell, what in self._dynamic_cells.items():
            kind, name = what.split(":", 1)
            if kind == "number":
                text = f"{cell_number(values.get(name)):.16G}"
            elif kind == "formula":
                text = str(cell_number(values.get(name)))
            elif kind == "rule":
                text = _xml_escape(check_display(rules[name], values))
            elif kind == "prior":
                text = f"{cell_number(resolved.plan.priors[name]):.16G}"
            elif kind == "stock":
                check = stocks[name]
                text = _xml_escape(stock_display(check, values, resolved.plan.priors[check.prior]))
            else:
                failed = failed_checks(values, self.form)
                text = str(failed) if name == "count" else _xml_escape(summary_shown(failed))
            out[cell] = text
        return out

    # --- the base of a shape and its personalisation ----------------------------------------

    def _make_base(
        self, slots: tuple[str, ...], kind: str, year_before: int | None
    ) -> _Base | None:
        texts = {slot: _marker(slot) for slot in slots if slot not in ("note", "meta")}
        issue = texts.get(_ISSUE)
        fill = None
        if kind == "missing":
            fill = LastYearFill(year_before)  # type: ignore[arg-type]
        elif kind == "filled":
            spec = self.form.last_year
            assert spec is not None
            zeros = {src: 0 for _, src in spec.carried} | {p.source: 0 for p in spec.priors}
            fill = LastYearFill(year_before, zeros, _marker("source"))  # type: ignore[arg-type]
        options = TemplateOptions(
            org=texts.get(ORG.key), year=self.year, password=self.password,
            submit_to=self.submit_to, last_year=fill, issue=issue,
        )  # fmt: skip
        values = {k: v for k, v in texts.items() if k not in (ORG.key, _ISSUE)}
        resolved = resolve(options, values, self.form)
        if kind == "filled":
            texts["note"], texts["meta"] = resolved.plan.note, resolved.plan.meta
        data = build_workbook(options, values, self.form)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            strings = zf.read(_STRINGS).decode("utf-8")
            core = zf.read(_CORE).decode("utf-8")
            shown = self._shown(resolved)
            sheet_parts = {c[0]: self._part(c[0]) for c in shown}
            parts = {p: zf.read(p).decode("utf-8") for p in sheet_parts.values()}
        if any(strings.count(_entry(t)) != 1 for t in texts.values()):
            return None
        if ORG.key in texts and core.count(texts[ORG.key]) != 1:
            return None
        spans: dict[Cell, tuple[str, int, int]] = {}
        for part, xml in parts.items():
            found = {m.group(1): m for m in _VALUE_CELL.finditer(xml)}
            for cell, text in shown.items():
                if sheet_parts[cell[0]] != part:
                    continue
                m = found.get(_a1(cell))
                if m is None or m.group(2) != text:
                    return None  # not stored as we would patch it: build such templates
                spans[cell] = (part, m.start(2), m.end(2))
        dynamic = (_STRINGS, _CORE, *parts)
        writer = PackageWriter(data, dynamic)
        return _Base(writer, strings, core, texts, shown, spans, parts)

    def _personalise(
        self, base: _Base, texts: dict[str, str], shown: dict[Cell, str]
    ) -> dict[str, bytes] | None:
        strings = base.strings
        entries = {slot: _entry(text) for slot, text in texts.items()}
        if any(entry in strings for entry in entries.values()):
            return None  # would share another text's entry
        for slot, entry in entries.items():
            strings = strings.replace(_entry(base.texts[slot]), entry)
        core = base.core
        if ORG.key in texts:
            core = core.replace(base.texts[ORG.key], _xml_escape(texts[ORG.key]))
        edits: dict[str, list[tuple[int, int, str]]] = {p: [] for p in base.parts}
        for cell, text in shown.items():
            if text != base.shown[cell]:
                part, start, end = base.spans[cell]
                edits[part].append((start, end, text))
        changed = {_STRINGS: strings.encode("utf-8"), _CORE: core.encode("utf-8")}
        for part, xml in base.parts.items():
            pieces, at = [], 0
            for start, end, text in sorted(edits[part]):
                pieces += [xml[at:start], text]
                at = end
            pieces.append(xml[at:])
            changed[part] = "".join(pieces).encode("utf-8")
        return changed

    def _part(self, sheet: str) -> str:
        """The worksheet part xlsxwriter writes ``sheet`` to (sheets are numbered in order)."""
        return f"xl/worksheets/sheet{self.form.sheet_names.index(sheet) + 1}.xml"


def _a1(cell: Cell) -> str:
    return a1(cell[1], cell[2])


# xlsxwriter writes such a text as it is, escaping only & < >; anything else (control
# characters, _xHHHH_ look-alikes, edge spaces) goes through build_workbook.
_PLAIN = re.compile(r"[^\x00-\x08\x0b-\x1f\ue000\ue001\ufffe\uffff]{1,4000}")
_PLAIN_NAME = re.compile(r"[^\x00-\x1f\ue000\ue001\ufffe\uffff]{1,255}")  # also in the title
_SPECIAL = re.compile(r"_x[0-9A-Fa-f]{4}_|^\s|\s$|^<r>")


def _swappable(text: str, plain: re.Pattern[str] = _PLAIN) -> bool:
    return bool(plain.fullmatch(text)) and not _SPECIAL.search(text)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _entry(text: str) -> str:
    return f"<si><t>{_xml_escape(text)}</t></si>"
