"""The Windows simulations (tests/windows/winsim.py) for tests, and how to start a process
that runs as on Windows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WINDOWS_DIR = Path(__file__).resolve().parent / "windows"
if str(WINDOWS_DIR) not in sys.path:  # the lane has it on PYTHONPATH already
    sys.path.insert(0, str(WINDOWS_DIR))

import winsim  # noqa: E402


def simulating(**extra: str) -> dict[str, str]:
    """The environment of a child process with the simulations ``extra`` asks for."""
    path = os.pathsep.join(p for p in (str(WINDOWS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def windows_env(**extra: str) -> dict[str, str]:
    """The environment of a child process that runs as on Windows: no POSIX calls, output
    redirected in GBK, files held or stalled as ``extra`` says."""
    return simulating(**{winsim.SIM_WINDOWS: "1", "PYTHONIOENCODING": "gbk", **extra})


def run_cli_as(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m xl2report args`` in ``env``, its output read in the encoding it writes."""
    encoding = (env.get("PYTHONIOENCODING") or "utf-8").split(":")[0] or "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "xl2report", *args], env=env, capture_output=True,
        encoding=encoding, timeout=timeout, check=False,
    )  # fmt: skip


__all__ = ["WINDOWS_DIR", "run_cli_as", "simulating", "windows_env", "winsim"]
