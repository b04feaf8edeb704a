"""The package's logger (loguru): silent when xl2report is used as a library.

Modules log with ``from xl2report.log import logger`` and brace-style messages,
``logger.info("扫描收件目录 {}", path)`` (the arguments are formatted only when a message is
written; a message without arguments is written as it is).  This is the one module that sets
logging up:

- Nothing is written, and loguru is not even imported, until an application asks: the CLI calls
  :func:`configure` (its console on stderr), a batch run opens its log file with
  :func:`log_to_file`.  ``xl2report --help`` never loads loguru.
- xl2report logs through a loguru logger of its own (with a core and handlers of its own), so
  an application that uses loguru itself keeps its own sinks and never gets ours.
- A pool worker (a spawned process that may be killed at any moment) keeps its records
  (:func:`collect_records`) and hands them to the parent with each result
  (:func:`take_records`), which writes them into the run's log (:func:`replay`).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

# Levels in order; messages below the lowest level any sink wants are dropped at once.
_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
_NOTHING = 100

# The logs of an outbox (in outbox/.xl2report/logs/): one file each for the runs and the mail
# commands, appended to, rotated when it grows, the old ones zipped and pruned.
RUN_LOG, MAIL_LOG = "run.log", "mail.log"
ROTATION = "10 MB"
RETENTION = 10  # rotated files kept
COMPRESSION = "zip"  # Windows opens a .zip without extra software
# (loguru adds the traceback, "\n{exception}", to a format given as text.)
FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {name}:{function}:{line} - {message}"
# What the console says before a message of each level (a clerk reads the console).
_CONSOLE_LABELS = {"DEBUG": "调试：", "INFO": "", "WARNING": "提醒：", "ERROR": "错误："}

# A record kept by a pool worker: level, message, module, function, line, time, traceback.
Record = tuple[str, str, str, str, int, float, str]


class _State:
    """This process's logging: our loguru logger once needed, its sinks, a worker's records.

    The console is added to loguru only when a message first reaches its level: a command
    that has nothing to say (``status``, ``check`` without warnings) never loads loguru.
    """

    def __init__(self) -> None:
        self.loguru: Any = None
        self.sinks: dict[int, int] = {}  # loguru handler id -> its lowest level
        self.console: int | None = None  # the console's handler, once added
        self.console_wanted: tuple[str, dict[str, Any]] | None = None  # (level, add() options)
        self.collected: list[Record] | None = None  # a pool worker's records
        self.threshold = _NOTHING

    def our_logger(self) -> Any:
        """xl2report's own loguru logger (loguru imported here, on first need)."""
        if self.loguru is None:
            # Made as loguru makes its global ``logger`` (loguru/__init__.py), with a core of
            # its own: no handlers of an application's, and ours never reach its sinks.
            # (copy.deepcopy, loguru's documented way, fails on the global's stderr handler.)
            from loguru._logger import Core, Logger

            self.loguru = Logger(core=Core(), exception=None, depth=0, record=False,
                                 lazy=False, colors=False, raw=False, capture=True, patchers=[],
                                 extra={})  # fmt: skip
        return self.loguru

    def add(self, sink: object, level: str, **options: object) -> int:
        handler = self.our_logger().add(sink, level=level, **options)
        self.sinks[handler] = _LEVELS[level]
        self._rethreshold()
        return handler

    def drop(self, handler: int) -> None:
        self.sinks.pop(handler, None)
        self._rethreshold()
        self.loguru.remove(handler)

    def want_console(self, wanted: tuple[str, dict[str, Any]] | None) -> None:
        """The console to show from now on (None: none); added when first written to."""
        if self.console is not None:
            self.drop(self.console)
            self.console = None
        self.console_wanted = wanted
        self._rethreshold()

    def ready(self) -> Any:
        """Our loguru logger with every sink added (the console on its first message)."""
        if self.console_wanted is not None:
            level, options = self.console_wanted
            self.console_wanted = None
            self.console = self.add(options.pop("sink"), level, **options)
        return self.loguru

    def _rethreshold(self) -> None:
        levels = list(self.sinks.values())
        if self.console_wanted is not None:
            levels.append(_LEVELS[self.console_wanted[0]])
        self.threshold = min(levels, default=_NOTHING)


_state = _State()


class Logger:
    """``debug`` … ``exception`` with brace-style arguments, over xl2report's loguru logger."""

    def debug(self, message: str, *args: object) -> None:
        self._log("DEBUG", message, args)

    def info(self, message: str, *args: object) -> None:
        self._log("INFO", message, args)

    def warning(self, message: str, *args: object) -> None:
        self._log("WARNING", message, args)

    def error(self, message: str, *args: object) -> None:
        self._log("ERROR", message, args)

    def exception(self, message: str, *args: object) -> None:
        """An error with the traceback of the exception being handled."""
        self._log("ERROR", message, args, exception=True)

    def remove(self) -> None:
        """Write nothing more in this process."""
        _state.want_console(None)
        for handler in list(_state.sinks):
            _state.drop(handler)
        _state.collected = None

    @staticmethod
    def _log(level: str, message: str, args: tuple[object, ...], exception: bool = False) -> None:
        if _state.collected is not None:
            caller = sys._getframe(2)  # the module that called debug()/info()/…
            _state.collected.append((
                level, message.format(*args) if args else message,
                caller.f_globals.get("__name__", ""), caller.f_code.co_name, caller.f_lineno,
                time.time(), traceback.format_exc() if exception else "",
            ))  # fmt: skip
        elif _LEVELS[level] >= _state.threshold:
            # depth 2: the record names the module that called debug()/info()/…, not this one.
            _state.ready().opt(depth=2, exception=exception).log(level, message, *args)


logger = Logger()


def _console_line(record: dict[str, Any]) -> str:
    """``17:28:08 提醒：…``: the time, what kind of message in Chinese, the message."""
    label = _CONSOLE_LABELS.get(record["level"].name, "")
    return "<dim>{time:HH:mm:ss}</dim> " + label + "{message}\n"


def _console_line_traced(record: dict[str, Any]) -> str:
    return _console_line(record) + "{exception}"


def configure(level: str = "WARNING", sink: TextIO | None = None, tracebacks: bool = False) -> None:
    """Send xl2report's messages from ``level`` up to ``sink`` (the CLI's stderr by default),
    one readable line each (``17:28:08 提醒：…``; colours only on a terminal), with the
    traceback of an error only when asked (``--debug``: a clerk never sees one otherwise).
    Calling it again replaces the earlier choice.
    """
    line = _console_line_traced if tracebacks else _console_line
    # By default whatever sys.stderr is when a message is written: a progress bar on the
    # terminal (rich) redirects it while it shows, so messages appear above the bar.
    colour = sink is None and _is_terminal(sys.stderr)
    _state.want_console((level, {"sink": sink or _to_stderr, "format": line, "colorize": colour,
                                 "backtrace": False, "diagnose": False}))  # fmt: skip


def _to_stderr(message: str) -> None:
    sys.stderr.write(message)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def log_to(sink: object, level: str = "DEBUG", **options: object) -> Iterator[None]:
    """Also send xl2report's messages from ``level`` up to ``sink`` (a callable taking each
    written line, a stream, or a file path with loguru's file ``options``) while the block
    runs; afterwards only what :func:`configure` asked for is written."""
    handler = _state.add(sink, level, **options)
    try:
        yield
    finally:
        _state.drop(handler)


@contextmanager
def log_to_file(path: Path) -> Iterator[Path]:
    """Also write every xl2report message (DEBUG up) to ``path`` while the block runs.

    The file is appended to (a run log per outbox), rotated at :data:`ROTATION` with the old
    files zipped and only the last :data:`RETENTION` kept.  Used for the batch run's and the
    mail commands' own logs, which exist whether or not anyone configured logging.
    """
    with log_to(str(path), "DEBUG", format=FILE_FORMAT, encoding="utf-8", rotation=ROTATION,
                retention=RETENTION, compression=COMPRESSION, backtrace=False, diagnose=False):  # fmt: skip
        yield path


def collect_records() -> None:
    """In a pool worker: keep every record (the parent writes them, see :func:`replay`)."""
    _state.collected = []


def take_records() -> list[Record]:
    """A worker's records since the last call (sent to the parent with each result)."""
    records, _state.collected = _state.collected or [], []
    return records


def replay(records: Sequence[Record]) -> None:
    """Write records a worker kept, as if logged here, under the worker's module and time."""
    if not records or _state.threshold == _NOTHING:
        return
    from datetime import datetime

    ours = _state.ready()
    for level, text, name, function, line, when, trace in records:
        if _LEVELS[level] < _state.threshold:
            continue

        def origin(record: dict[str, Any], name: str = name, function: str = function,
                   line: int = line, when: float = when) -> None:  # fmt: skip
            record.update(name=name, function=function, line=line,
                          time=datetime.fromtimestamp(when).astimezone())  # fmt: skip

        message = f"{text}\n{trace.rstrip()}" if trace else text
        ours.patch(origin).log(level, "{}", message)


__all__ = [
    "MAIL_LOG",
    "RUN_LOG",
    "Logger",
    "collect_records",
    "configure",
    "log_to",
    "log_to_file",
    "logger",
    "replay",
    "take_records",
]
