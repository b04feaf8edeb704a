"""Narrative copied from last year's report: the supervisors' most common complaint (重复率).

Pure: this year's and last year's texts in, findings out.  The similarity of every section is
measured by :mod:`xl2report.checks.likeness` (numbers, years, spaces and punctuation removed:
a copied paragraph with this year's figures typed in is still a copy); this module decides which
are warnings.  Short texts ("本年度无其他需要报告的事项。") are legitimately the same every year
and never warned about.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from xl2report.checks.catalogue import Finding
from xl2report.checks.likeness import MIN_COMPARED, Likeness, text_likeness
from xl2report.checks.likeness import comparable as comparable
from xl2report.checks.likeness import similarity as similarity
from xl2report.form.national import FORM, Form

# The default share of last year's text (0–1) above which a section counts as copied.
COPY_THRESHOLD = 0.9


def check_copied_text(
    values: Mapping[str, object],
    previous: Mapping[str, object],
    threshold: float = COPY_THRESHOLD,
    form: Form = FORM,
) -> Iterator[Finding]:
    """A warning for each narrative section at least ``threshold`` the same as last year's."""
    return copied_findings(text_likeness(values, previous, form), threshold, form)


def copied_findings(
    measured: Iterable[Likeness], threshold: float = COPY_THRESHOLD, form: Form = FORM
) -> Iterator[Finding]:
    """The warnings among sections already measured (texts of at least ``MIN_COMPARED``)."""
    for m in measured:
        if m.is_table or m.ratio is None or m.length < MIN_COMPARED or m.ratio < threshold:
            continue
        pct = m.percent
        yield Finding.at(
            form.field(m.key), "text-copied-from-last-year", percent=pct,
            threshold=round(threshold * 100), expected=f"< {round(threshold * 100)}%",
            actual=f"{pct}%",
        )  # fmt: skip
