"""Narrative copied from last year's report: the supervisors' most common complaint (重复率).

Pure: this year's and last year's texts in, findings out.  Numbers and years are removed before
comparing (a copied paragraph with this year's figures typed in is still a copy), and so are
spaces and punctuation.  Short texts ("本年度无其他需要报告的事项。") are legitimately the same
every year and are not compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from difflib import SequenceMatcher

from xl2report.checks.catalogue import Finding
from xl2report.checks.numerals import normalize_numbers
from xl2report.form.national import FORM, Form, ValueType
from xl2report.form.preface import PREFACE_KEY

# The default share of last year's text (0–1) above which a section counts as copied.
COPY_THRESHOLD = 0.9
MIN_COMPARED = 60  # characters left after stripping: shorter texts are not compared
_NOISE = re.compile(r"\d+(?:\.\d+)?|[\s\W_]", re.UNICODE)


def comparable(text: str) -> str:
    """The words of ``text`` without numbers, years, spaces or punctuation."""
    return _NOISE.sub("", normalize_numbers(text))


def similarity(a: str, b: str) -> float:
    """Share of the two texts that is the same, 0–1 (difflib's ratio, no junk heuristic)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def check_copied_text(
    values: Mapping[str, object],
    previous: Mapping[str, object],
    threshold: float = COPY_THRESHOLD,
    form: Form = FORM,
) -> Iterator[Finding]:
    """A warning for each narrative section at least ``threshold`` the same as last year's."""
    for f in form.fields:
        if f.type is not ValueType.TEXT or not f.multiline or f.key == PREFACE_KEY:
            continue  # the 前言 is standard wording, the same every year by design
        now, before = (
            comparable(str(values.get(f.key) or "")),
            comparable(str(previous.get(f.key) or "")),
        )
        if min(len(now), len(before)) < MIN_COMPARED:
            continue
        ratio = similarity(now, before)
        if ratio >= threshold:
            pct = int(ratio * 100)
            yield Finding.at(
                f, "text-copied-from-last-year", percent=pct, threshold=round(threshold * 100),
                expected=f"< {round(threshold * 100)}%", actual=f"{pct}%",
            )  # fmt: skip
