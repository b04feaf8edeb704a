"""What a run will do with the files it found: a pure decision, no I/O of its own.

Given the inbox's settled submissions with their content hashes and what the ledger already
knows, :func:`make_plan` sorts every file into one of four piles, in commit order (received
time, then path), so ``--jobs 1`` and ``--jobs N`` commit the same things in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from xl2report.batch.inbox import Entry
from xl2report.batch.ledger import Row


class Known(Protocol):
    """What the plan asks the ledger (a :class:`~xl2report.batch.ledger.Ledger` is one)."""

    def find(self, path: str, sha256: str) -> Row | None:
        """The row recorded for this path with this content, if any."""
        ...

    def original(self, sha256: str) -> Row | None:
        """The submission (not a duplicate) that first had this content."""
        ...


@dataclass
class Plan:
    """The settled submissions of one run, sorted by what is to be done with them."""

    known: list[tuple[Entry, str]] = field(default_factory=list)  # recorded before: list only
    duplicates: list[tuple[Entry, str, Row]] = field(default_factory=list)  # known content
    work: list[tuple[Entry, str]] = field(default_factory=list)  # new content: process
    # Copies of new content found in this run, recorded as duplicates once the first is done.
    later_duplicates: dict[str, list[Entry]] = field(default_factory=dict)
    # Recorded files processed again (无法处理 before): (path, sha256) -> the row to replace.
    retried: dict[tuple[str, str], int] = field(default_factory=dict)


def _never(row: Row) -> bool:
    return False


def make_plan(
    submissions: Sequence[tuple[Entry, str]], ledger: Known, retry: Callable[[Row], bool] = _never
) -> Plan:
    """Sort (entry, sha256) pairs into a :class:`Plan`, in commit order.

    ``retry`` says which recorded rows to process again (their row is replaced).  Every empty
    file has the same hash, so none is taken for a copy of another: each gets its own finding.
    """
    plan = Plan()
    planned: set[str] = set()
    for e, sha in sorted(submissions, key=lambda pair: (pair[0].mtime_ns, pair[0].rel)):
        row = ledger.find(e.rel, sha)
        if row is not None:
            if retry(row):
                plan.retried[(e.rel, sha)] = row.id
                plan.work.append((e, sha))
            else:
                plan.known.append((e, sha))
            continue
        if e.size == 0:
            plan.work.append((e, sha))
            continue
        original = ledger.original(sha)
        if original is not None:
            plan.duplicates.append((e, sha, original))
        elif sha in planned:
            plan.later_duplicates.setdefault(sha, []).append(e)
        else:
            planned.add(sha)
            plan.work.append((e, sha))
    return plan
