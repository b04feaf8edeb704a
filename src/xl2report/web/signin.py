"""Limited guessing of the board's password, per client address.

After :data:`MAX_FAILURES` wrong passwords from one address within :data:`WINDOW_SECONDS`, every
sign-in from that address is answered 429 (with ``Retry-After``) for :data:`LOCK_SECONDS`
without the password being checked at all — the right one does not sign in either, so a
guesser learns nothing during the lockout.  A right password before that clears the count.
Each failure and each lockout is written, with the time and the address, to the board's
sign-in log (``outbox/.xl2report/logs/signin.log``) and to the xl2report log.

The counting is not persisted: a restart of the board starts afresh (and also ends every
session, :mod:`xl2report.web.security`).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from xl2report.log import logger

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
MAX_ADDRESSES = 10_000  # addresses remembered at once; the quietest are forgotten beyond it


class SignInLimiter:
    """Failed sign-ins and lockouts by client address (one board, one process)."""

    def __init__(self, log_path: Path | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.log_path = log_path
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def retry_after(self, address: str) -> int:
        """Seconds until ``address`` may sign in again (0: it may now)."""
        until = self._locked_until.get(address)
        if until is None:
            return 0
        left = until - self._clock()
        if left <= 0:
            del self._locked_until[address]
            return 0
        return math.ceil(left)

    def failed(self, address: str) -> None:
        """A wrong password from ``address``: counted, logged, and at the limit a lockout."""
        now = self._clock()
        recent = self._failures.setdefault(address, deque())
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        recent.append(now)
        self._write(f"登录失败：{address}（{WINDOW_SECONDS // 60} 分钟内第 {len(recent)} 次）")
        if len(recent) >= MAX_FAILURES:
            self._locked_until[address] = now + LOCK_SECONDS
            recent.clear()
            self._write(f"已锁定：{address} 在 {WINDOW_SECONDS // 60} 分钟内 {MAX_FAILURES} 次"
                        f"密码错误，{LOCK_SECONDS // 60} 分钟内不再核对它的密码")  # fmt: skip
        self._forget_quiet(now)

    def succeeded(self, address: str) -> None:
        """The right password from ``address`` (not locked): its count starts afresh."""
        self._failures.pop(address, None)

    def _forget_quiet(self, now: float) -> None:
        if len(self._failures) <= MAX_ADDRESSES:
            return
        for address in [a for a, times in self._failures.items()
                        if not times or times[-1] <= now - WINDOW_SECONDS]:  # fmt: skip
            del self._failures[address]
        while len(self._failures) > MAX_ADDRESSES:
            self._failures.pop(next(iter(self._failures)))

    def _write(self, text: str) -> None:
        logger.warning("{}", text)
        if self.log_path is None:
            return
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            self.log_path.parent.mkdir(exist_ok=True)  # never the outbox itself, if it is gone
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(f"{stamp} {text}\n")
        except OSError as exc:  # the outbox went away: the xl2report log still has it
            logger.warning("无法写入登录日志 {}：{}", self.log_path, exc)


def locked_message(seconds: int) -> str:
    """What a locked-out address is told (Chinese)."""
    minutes = max(1, math.ceil(seconds / 60))
    return (f"密码错误次数过多（{WINDOW_SECONDS // 60} 分钟内 {MAX_FAILURES} 次），"
            f"这台电脑暂时不能登录，请 {minutes} 分钟后再试。"
            "如果不是您本人在尝试，请告知管理员。")  # fmt: skip
