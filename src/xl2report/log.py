"""The package's logger (loguru): silent when xl2report is used as a library.

Modules log with ``from xl2report.log import logger``.  Importing this module disables the
package's messages, so scripts and tests that call the library see nothing; the CLI (or any
application) calls :func:`configure` to choose where messages go and from which level.
"""

from __future__ import annotations

import sys
from typing import TextIO

from loguru import logger

logger.disable("xl2report")


def configure(level: str = "WARNING", sink: TextIO = sys.stderr) -> None:
    """Send xl2report's messages from ``level`` up to ``sink`` (the CLI's stderr by default)."""
    logger.remove()
    logger.add(sink, level=level)
    logger.enable("xl2report")


__all__ = ["configure", "logger"]
