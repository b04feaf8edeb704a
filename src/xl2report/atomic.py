"""Atomic file output: write a temporary file in the target folder, then rename it into place.

A reader (or a crash) never sees a half-written file, and an existing file is only replaced when
the caller says so.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class OutputExistsError(FileExistsError):
    """The output file exists and overwriting was not requested."""


@contextlib.contextmanager
def atomic_path(path: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
    try:
        yield tmp
        if not overwrite and path.exists():
            raise OutputExistsError(str(path))
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes_atomic(path: Path, data: bytes, overwrite: bool = False) -> None:
    with atomic_path(path, overwrite=overwrite) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
