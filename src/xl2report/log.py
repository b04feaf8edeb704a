"""The package's logger: silent when xl2report is used as a library.

Modules log with ``from xl2report.log import logger`` and brace-style messages,
``logger.info("扫描收件目录 {}", path)`` (the arguments are formatted only when a message is
written; a message without arguments is written as it is).  Nothing is shown until an
application (the CLI) calls :func:`configure`; :func:`log_to_file` writes a batch run's own log.

Built on the standard library's :mod:`logging` (the ``xl2report`` logger, not propagated to the
root logger): importing loguru and adding one of its sinks cost ~0.1 s of every run's start-up.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_LOGGER = logging.getLogger("xl2report")
_LOGGER.propagate = False  # a library is silent unless the application asks (configure)
_LOGGER.addHandler(logging.NullHandler())  # never logging's "last resort" stderr handler
_LOGGER.setLevel(logging.DEBUG)

FILE_FORMAT = "{asctime}.{msecs:03.0f} | {levelname:<8} | {module}:{funcName}:{lineno} - {message}"
FILE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_console: logging.Handler | None = None  # the handler configure() installed


class _Message:
    """A brace-style message and its arguments, formatted only when a handler writes it."""

    __slots__ = ("args", "text")

    def __init__(self, text: str, args: tuple[object, ...]) -> None:
        self.text, self.args = text, args

    def __str__(self) -> str:
        return self.text.format(*self.args) if self.args else self.text


class Logger:
    """``debug`` … ``exception`` with brace-style arguments, over the ``xl2report`` logger."""

    def debug(self, message: str, *args: object) -> None:
        self._log(logging.DEBUG, message, args)

    def info(self, message: str, *args: object) -> None:
        self._log(logging.INFO, message, args)

    def warning(self, message: str, *args: object) -> None:
        self._log(logging.WARNING, message, args)

    def error(self, message: str, *args: object) -> None:
        self._log(logging.ERROR, message, args)

    def exception(self, message: str, *args: object) -> None:
        """An error with the traceback of the exception being handled."""
        self._log(logging.ERROR, message, args, exc_info=True)

    def remove(self) -> None:
        """Write nothing more in this process (a pool worker: its parent does the logging)."""
        for handler in list(_LOGGER.handlers):
            if not isinstance(handler, logging.NullHandler):
                _LOGGER.removeHandler(handler)
                handler.close()

    @staticmethod
    def _log(level: int, message: str, args: tuple[object, ...], exc_info: bool = False) -> None:
        if _LOGGER.isEnabledFor(level):
            # stacklevel 3: the module that called debug()/info()/…, not this file.
            _LOGGER.log(level, _Message(message, args), exc_info=exc_info, stacklevel=3)


logger = Logger()


def configure(
    level: str = "WARNING",
    sink: TextIO = sys.stderr,
    fmt: str | None = None,
    datefmt: str | None = None,
) -> None:
    """Send xl2report's messages from ``level`` up to ``sink`` (the CLI's stderr by default).

    ``fmt`` is a :class:`logging.Formatter` format in brace style (``"{asctime} {message}"``).
    Calling it again replaces the earlier choice.
    """
    global _console
    if _console is not None:
        _LOGGER.removeHandler(_console)
    handler = logging.StreamHandler(sink)
    handler.setLevel(level)
    handler.setFormatter(
        logging.Formatter(fmt or FILE_FORMAT, datefmt or FILE_DATE_FORMAT, style="{")
    )
    _LOGGER.addHandler(handler)
    _console = handler


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Also write every xl2report message (DEBUG up) to ``path`` while the block runs.

    Used for the batch run's own log file, which exists whether or not anyone configured
    logging; afterwards only what :func:`configure` asked for is written.
    """
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter(FILE_FORMAT, FILE_DATE_FORMAT, style="{"))
    _LOGGER.addHandler(handler)
    try:
        yield
    finally:
        _LOGGER.removeHandler(handler)
        handler.close()


__all__ = ["Logger", "configure", "log_to_file", "logger"]
