"""Atomic file output: write a temporary file in the target folder, then rename it into place.

A reader (or a crash) never sees a half-written file, and an existing file is only replaced when
the caller says so.  An existing file another program has open (Windows refuses to replace
it) is :class:`~xl2report.errors.FileInUseError`, whose message says which file to close.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xl2report.errors import FileInUseError, open_elsewhere


class OutputExistsError(FileExistsError):
    """The output file exists and overwriting was not requested."""


@contextlib.contextmanager
def atomic_path(path: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    with _temporary_beside(Path(path), overwrite) as (fd, tmp):
        os.close(fd)
        yield tmp


def write_bytes_atomic(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, flushed to disk before the rename."""
    with _temporary_beside(Path(path), overwrite) as (fd, _), os.fdopen(fd, "wb") as fh:
        # Through the descriptor mkstemp opened: a second open() of the temporary file cost
        # as much as the write itself on a slow file system.
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def _temporary_beside(path: Path, overwrite: bool) -> Iterator[tuple[int, Path]]:
    """(open descriptor, path) of a new temporary file beside ``path``; renamed on success.

    The caller owns the descriptor (and must close it); this removes the temporary file unless
    it was renamed into place.
    """
    if path.exists() and not overwrite:
        raise OutputExistsError(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    renamed = False
    try:
        if hasattr(os, "fchmod"):  # Windows has no modes to widen (and fchmod only from 3.13)
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        yield fd, tmp
        if not overwrite and path.exists():
            raise OutputExistsError(str(path))
        try:
            os.replace(tmp, path)
        except OSError as exc:
            if open_elsewhere(exc, path):  # the old file is open in WPS/Word (Windows)
                raise FileInUseError(path) from exc
            raise
        renamed = True
    finally:
        if not renamed:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


_UMASK: list[int] = []


def _umask() -> int:
    """The process umask (read once: reading it means setting it, which is not thread-safe)."""
    if not _UMASK:
        mask = os.umask(0)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]
