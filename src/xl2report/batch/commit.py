"""Recording what happened to a file: one ledger transaction, plus the renames it journals.

The run's parent process alone commits, in plan order.  A commit is one ledger transaction that
inserts the file's row, updates the rows it changes (a report superseded) and journals the
renames it needs; the renames follow, then the journal entries are deleted.  A run killed at any
point leaves journalled renames, which the next run replays (:meth:`Recorder.replay`).

A rename Windows refuses because the clerk has the file open in WPS/Word (an old report, a
feedback copy, an original with ``--move-processed``) stays in the journal, and so does every
later rename that touches the same paths (the new version waits for the old one to leave): the
run tells which file to close and goes on with the other files; the next run (or ``watch``
pass) completes the renames.

Which submission is newer: the one received later, i.e. with the later modification time when
first seen (mail clients stamp saved attachments), ties broken by path.  The newer accepted
submission's report takes the plain name; the older one's moves to ``历史版本/…（第N版）``.
An accepted version also retires the org's earlier rejections: their feedback copies move out
of ``退回/`` into ``历史版本/`` and they become superseded.  A mailed workbook from a sender not
known for its unit that would become the unit's current version is recorded ``sender-held``
instead, with no outputs (:mod:`xl2report.batch.provenance`).
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from xl2report.batch.holds import obsolete_rejections
from xl2report.batch.inbox import Entry, Kind
from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.outbox import HISTORY_DIR, PROCESSED_DIR, Outbox, safe_filename
from xl2report.batch.provenance import held_message, unknown_sender
from xl2report.batch.records import FileStatus
from xl2report.batch.worker import Outcome
from xl2report.errors import in_use_text, open_elsewhere
from xl2report.log import logger

Moves = list[tuple[Path, Path]]
# A target name the file system refuses: too long, or bytes it cannot store.
_NAME_ERRORS = (errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL)


class Recorder:
    """Commits outcomes of one outbox's files into its ledger and moves outputs into place."""

    def __init__(self, ledger: Ledger, outbox: Outbox) -> None:
        self.ledger = ledger
        self.outbox = outbox
        self.open_files: dict[str, str] = {}  # file another program has open -> the sentence

    def replay(self) -> int:
        """Do the journalled renames still pending (after a kill, or held back by a file open
        in another program); returns how many were done."""
        return self._apply_moves(self.ledger.pending_moves())

    def take_open_files(self) -> list[str]:
        """The sentences about files open in another program since the last call."""
        texts = list(self.open_files.values())
        self.open_files.clear()
        return texts

    def _apply_moves(self, moves: Sequence[tuple[int, Path, Path]]) -> int:
        done: list[int] = []
        waiting: set[str] = set()  # paths of renames held back: later ones touching them wait
        try:
            for move in moves:
                _, src, dst = move
                ends = {_same(src), _same(dst)}
                if ends & waiting:
                    waiting |= ends
                    continue
                try:
                    done += self.outbox.apply_moves([move])
                except OSError as exc:
                    if open_elsewhere(exc, src, dst):
                        self._held_back(src, dst)
                        waiting |= ends
                    elif exc.errno in _NAME_ERRORS:
                        done.append(self._complete_renamed(*move))
                    else:
                        raise  # the environment (disk full, no permission): the run stops
        finally:
            self.ledger.moves_done(done)
        return len(done)

    def _held_back(self, src: Path, dst: Path) -> None:
        """A rename refused because WPS/Word has the file open: say which file to close."""
        path = dst if dst.exists() else src
        if dst.parent.name == HISTORY_DIR:
            action = f"移到“{HISTORY_DIR}”"
        elif PROCESSED_DIR in dst.parts:
            action = f"移到“{PROCESSED_DIR}”"
        else:
            action = "换成新的版本"
        if str(path) not in self.open_files:
            text = in_use_text(path, action, "下次运行 xl2report run 时会自动完成")
            logger.warning(text)
            self.open_files[str(path)] = text

    def _complete_renamed(self, move_id: int, src: Path, dst: Path) -> int:
        """A journalled rename whose target name the file system refuses (too long, not
        encodable; journalled by an older version): done under a shorter free name, and the
        ledger follows.  Never replayed forever."""
        new = self.outbox.reserve(dst.parent, safe_filename(dst.name))
        try:
            new.parent.mkdir(parents=True, exist_ok=True)
            if src.exists():
                os.rename(src, new)
        except OSError as exc:
            logger.error("文件移动无法完成，已放弃：{} -> {}（{}）", src, dst, exc)
            return move_id
        if self.outbox.root in new.parents:
            self.ledger.rename_output(self.outbox.rel(dst), self.outbox.rel(new))
        logger.warning("输出文件名过长或无法使用，已改名为 {}", new.name)
        return move_id

    def outcome(
        self, e: Entry, sha: str, outcome: Outcome, inbox: Path | None, replaces: int | None = None
    ) -> None:
        """Record a processed submission: its row, its report or feedback copy in place.

        ``inbox``: move the original into the inbox's processed folder (``--move-processed``).
        ``replaces``: the row of an earlier try of the same file (无法处理), updated in place so
        duplicates recorded against it keep pointing at it.
        """
        if self._held_for_sender(e, sha, outcome):
            sender = self.ledger.senders_of(sha)[0]
            outcome = Outcome(sha, FileStatus.SENDER_HELD, org=outcome.org, year=outcome.year,
                              errors=outcome.errors, warnings=outcome.warnings,
                              findings=outcome.findings,
                              message=held_message(outcome.org, sender))  # fmt: skip
        row = _base_row(e, sha) | {
            "status": outcome.status,
            "org": outcome.org,
            "year": outcome.year,
            "errors": outcome.errors,
            "warnings": outcome.warnings,
            "message": outcome.message,
            "findings": json.dumps(outcome.findings, ensure_ascii=False),
            "converted": int(e.kind is Kind.LEGACY),
        }
        updates: list[tuple[int, dict[str, object]]] = []
        moves: Moves = []
        if outcome.status is FileStatus.REJECTED:
            assert outcome.staged is not None
            current = self.ledger.current(outcome.org, outcome.year) if outcome.org else None
            if current is not None and current.order > (e.mtime_ns, e.rel):
                # Older than the version already accepted: obsolete on arrival.
                row["status"] = FileStatus.SUPERSEDED
                dst = self.outbox.stale_feedback_path(outcome.year, outcome.org, e.rel)
            else:
                dst = self.outbox.feedback_path(outcome.year, outcome.org, e.rel)
            row["feedback"] = self.outbox.rel(dst)
            moves.append((Path(outcome.staged), dst))
        elif outcome.status is FileStatus.ACCEPTED:
            assert outcome.staged is not None and outcome.year is not None
            row["vals"] = outcome.vals
            version = self.ledger.next_version(outcome.org, outcome.year)
            row["version"] = version
            current = self.ledger.current(outcome.org, outcome.year)
            if current is None or (e.mtime_ns, e.rel) > current.order:
                if current is not None:
                    updates.append(self._supersede(current, moves))
                updates += self._retire_feedback(outcome.org, outcome.year, e, moves)
                release = current.report if current else None
                dst = self.outbox.report_path(outcome.org, outcome.year, release)
            else:  # an older submission arriving late: straight into the history folder
                row["status"] = FileStatus.SUPERSEDED
                dst = self.outbox.history_path(outcome.org, outcome.year, version)
            row["report"] = self.outbox.rel(dst)
            moves.append((Path(outcome.staged), dst))
        if inbox is not None and row["status"] not in (FileStatus.HELD, FileStatus.SENDER_HELD):
            # (a held file stays where it is: once decided, the next run processes it again)
            row["stored_path"] = self._move_original(e, inbox, moves)
        if replaces is not None:
            self.ledger.commit(updates=[(replaces, row), *updates], moves=moves)
        else:
            self.ledger.commit(insert=row, updates=updates, moves=moves)
        self._apply_moves(self.ledger.pending_moves())

    def _held_for_sender(self, e: Entry, sha: str, outcome: Outcome) -> bool:
        """A mailed workbook that would become its unit's current version (an accepted report
        or the newest rejection) from a sender not known for the unit (:mod:`provenance`)."""
        if outcome.status not in (FileStatus.ACCEPTED, FileStatus.REJECTED) or not outcome.org:
            return False
        current = self.ledger.current(outcome.org, outcome.year)
        if current is not None and current.order > (e.mtime_ns, e.rel):
            return False  # older than the accepted version: history only
        return unknown_sender(self.ledger, outcome.org, sha) is not None

    def duplicate(self, e: Entry, sha: str, original: Row, inbox: Path | None) -> None:
        """Record known content under another name as a duplicate of ``original``."""
        row = _base_row(e, sha) | {
            "status": FileStatus.DUPLICATE,
            "duplicate_of": original.id,
            "org": original.org,
            "year": original.year,
            "message": f"与已报送的“{original.path}”内容完全相同，按重复报送记录，不再处理。",
        }
        moves: Moves = []
        if inbox is not None:
            row["stored_path"] = self._move_original(e, inbox, moves)
        self.ledger.commit(insert=row, moves=moves)
        self._apply_moves(self.ledger.pending_moves())

    def pdf(self, row: Row, report: Path, made: Path) -> None:
        """Record the PDF ``made`` (in staging) of ``row``'s current ``report``."""
        dst = self.outbox.pdf_path(report)
        self.ledger.commit(updates=[(row.id, {"pdf": self.outbox.rel(dst)})], moves=[(made, dst)])
        self._apply_moves(self.ledger.pending_moves())

    def _supersede(self, current: Row, moves: Moves) -> tuple[int, dict[str, object]]:
        """Move the current report (and PDF) into the history folder under its version."""
        assert current.report is not None
        hist = self.outbox.retired_path(current.report, current.version or 1)
        moves.append((self.outbox.root / current.report, hist))
        changes: dict[str, object] = {
            "status": FileStatus.SUPERSEDED,
            "report": self.outbox.rel(hist),
        }
        if current.pdf:
            hist_pdf = self.outbox.pdf_path(hist)
            moves.append((self.outbox.root / current.pdf, hist_pdf))
            changes["pdf"] = self.outbox.rel(hist_pdf)
        return current.id, changes

    def _retire_feedback(
        self, org: str, year: int, e: Entry, moves: Moves
    ) -> list[tuple[int, dict[str, object]]]:
        """A newer accepted version makes earlier rejections obsolete: their feedback leaves
        退回/ for the history folder (so nobody mails it again) and they become superseded."""
        updates: list[tuple[int, dict[str, object]]] = []
        for old in obsolete_rejections(self.ledger, org, year, (e.mtime_ns, e.rel)):
            changes: dict[str, object] = {"status": FileStatus.SUPERSEDED}
            if old.feedback:
                dst = self.outbox.retired_feedback_path(old.feedback)
                moves.append((self.outbox.root / old.feedback, dst))
                changes["feedback"] = self.outbox.rel(dst)
            updates.append((old.id, changes))
        return updates

    def _move_original(self, e: Entry, inbox: Path, moves: Moves) -> str:
        dst = self.outbox.processed_path(inbox, e.rel)
        moves.append((e.path, dst))
        return dst.relative_to(Path(inbox).absolute()).as_posix()


def _same(path: Path) -> str:
    """A path as NTFS compares it (case-insensitively)."""
    return str(path).casefold()


def _base_row(e: Entry, sha: str) -> dict[str, object]:
    return {
        "path": e.rel,
        "sha256": sha,
        "size": e.size,
        "mtime_ns": e.mtime_ns,
        "received_ns": e.mtime_ns,
        "seen_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
