"""What a batch run is asked to do and what it reports back: options, per-file results, events.

Plain records shared by :mod:`xl2report.batch.session`, :mod:`xl2report.batch.watch` and the CLI; no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from xl2report.compat import StrEnum

# 无法处理: a timeout or a dead worker (the next runs try again, MAX_AUTO_RETRIES times), or an
# internal error (only run --retry or a changed file tries again).
RETRY_CODE = "cannot-process-retry"
MAX_AUTO_RETRIES = 2  # further automatic tries of such a file (run --retry: any number)
CANNOT_PROCESS = frozenset({"cannot-process", RETRY_CODE})


class FileStatus(StrEnum):
    """What became of one input file; the value is stored in the ledger and ``--json``, ``label``
    is the Chinese word users see."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNREADABLE = "unreadable"
    SUPERSEDED = "superseded"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    PENDING = "pending"
    FAILED = "failed"
    HELD = "held"  # 机关名称 not on the registered roster: no outputs until a person decides
    SENDER_HELD = "sender-held"  # mailed by an address not known for its unit: the same

    @property
    def label(self) -> str:
        """The status in Chinese."""
        return _STATUS_LABELS[self]

    @property
    def is_problem(self) -> bool:
        """Whether the file needs the county office's attention (the run exits with 1)."""
        return self in (
            FileStatus.REJECTED, FileStatus.UNREADABLE, FileStatus.FAILED, FileStatus.HELD,
            FileStatus.SENDER_HELD,
        )  # fmt: skip


_STATUS_LABELS = {
    FileStatus.ACCEPTED: "已通过",
    FileStatus.REJECTED: "已退回",
    FileStatus.UNREADABLE: "无法读取",
    FileStatus.SUPERSEDED: "已被新版本取代",
    FileStatus.DUPLICATE: "重复报送",
    FileStatus.SKIPPED: "已跳过",
    FileStatus.PENDING: "等待写完",
    FileStatus.FAILED: "处理失败",
    FileStatus.HELD: "待确认名称",
    FileStatus.SENDER_HELD: "待确认来源",
}


@dataclass(frozen=True)
class RunOptions:
    """What ``xl2report run`` (and each ``watch`` pass) is asked to do."""

    inbox: Path
    outbox: Path
    ledger: Path | None = None  # default outbox/.xl2report/ledger.sqlite
    jobs: int | None = None  # worker processes; None = number of CPUs
    previous_year: Path | None = None  # last year's outbox (or its ledger) or workbooks folder
    pdf: bool = False
    roster: Path | None = None  # register this roster before the run
    move_processed: bool = False  # move originals into inbox/已处理/ afterwards
    settle: float = 1.0  # seconds between the two looks at each file
    word_template: Path | None = None
    timeout: float | None = 60.0  # seconds one file may take; past it, the file is 无法处理
    copy_threshold: float = 0.9  # copied-text warning line (checks.copied.COPY_THRESHOLD)
    retry: bool = False  # process every 无法处理 file again, however often it was tried


@dataclass
class FileResult:
    """One input file in a run's listing."""

    file: str  # path relative to the inbox
    status: FileStatus
    new: bool = False  # processed (or recorded) by this run
    org: str = ""
    year: int | None = None
    errors: int = 0
    warnings: int = 0
    output: str = ""  # report / feedback path (relative to the outbox)
    message: str = ""
    sha256: str = ""
    in_roster: bool | None = None  # None when no roster is registered or the org is unknown
    findings: list[dict[str, object]] = field(default_factory=list)
    reviewed: int = 0  # warnings a person marked 已核对 (flagged "reviewed" in findings)

    @property
    def to_review(self) -> int:
        """Warnings nobody has marked 已核对 yet."""
        return self.warnings - self.reviewed

    @property
    def label(self) -> str:
        """The status in Chinese."""
        return self.status.label

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``--json``)."""
        return asdict(self) | {"status_label": self.label}


@dataclass
class RunResult:
    """A run's listing of every input file, plus run-level notes."""

    inbox: Path
    outbox: Path
    files: list[FileResult]
    notes: list[str] = field(default_factory=list)  # run-level messages (PDF failures …)
    log: Path | None = None
    # Outputs or originals another program has open (Windows refused to move them): one
    # sentence each, saying which file to close; the next run completes the moves.
    open_files: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0: nothing rejected, unreadable or failed among the listed files and no file held
        open by another program; else 1."""
        return 1 if self.open_files or any(f.status.is_problem for f in self.files) else 0

    def counts(self) -> dict[FileStatus, int]:
        """Number of listed files per status."""
        return dict(Counter(f.status for f in self.files))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``--json``)."""
        return {
            "inbox": str(self.inbox),
            "outbox": str(self.outbox),
            "files": [f.to_dict() for f in self.files],
            "counts": self.counts(),
            "notes": self.notes,
            "open_files": self.open_files,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class Event:
    """Progress, for the CLI: 'plan' (total = jobs to process), 'file' (result), 'note' (text)."""

    kind: str
    total: int = 0
    result: FileResult | None = None
    text: str = ""


EventSink = Callable[[Event], None]
