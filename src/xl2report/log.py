"""The package's logger (loguru): silent when xl2report is used as a library.

Modules log with ``from xl2report.log import logger``.  Importing this module disables the
package's messages, so scripts and tests that call the library see nothing; the CLI (or any
application) calls :func:`configure` to choose where messages go and from which level.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from loguru import logger

logger.disable("xl2report")
_configured = False


def configure(level: str = "WARNING", sink: TextIO = sys.stderr, fmt: str | None = None) -> None:
    """Send xl2report's messages from ``level`` up to ``sink`` (the CLI's stderr by default)."""
    global _configured
    logger.remove()
    logger.add(sink, level=level, **({"format": fmt} if fmt else {}))
    logger.enable("xl2report")
    _configured = True


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Also write every xl2report message (DEBUG up) to ``path`` while the block runs.

    Used for the batch run's own log file, which exists whether or not anyone configured
    logging; afterwards the package is silent again unless :func:`configure` was called.
    """
    sink = logger.add(path, level="DEBUG", encoding="utf-8", filter="xl2report")
    logger.enable("xl2report")
    try:
        yield
    finally:
        logger.remove(sink)
        if not _configured:
            logger.disable("xl2report")


def _apply_pending() -> None:
    """Apply a level the command line chose before this module was imported."""
    import xl2report

    if xl2report.pending_log_level:
        configure(xl2report.pending_log_level)
        xl2report.pending_log_level = None


_apply_pending()

__all__ = ["configure", "log_to_file", "logger"]
