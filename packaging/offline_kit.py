"""Build the offline kit a county IT person copies to a USB stick.

    python packaging/offline_kit.py -o DIR            # every target (run where the index is reachable)
    python packaging/offline_kit.py -o DIR --target win_amd64:3.12 --target linux_x86_64:3.11

``DIR/wheels/`` gets xl2report's own wheel (built here, so installing needs no build tools) and a
wheel of every dependency, plus keyring and its platform backends, for each target: Windows x64
and Linux x86_64/aarch64 (manylinux up to glibc 2.28: 统信 UOS 20, 麒麟 V10), CPython 3.10-3.13.
Beside it: 安装.bat, 启动工作台.bat, install.sh, start.sh, 说明.txt (:mod:`kit_texts`).

pip evaluates environment markers for the machine that downloads, not for ``--platform`` and
``--python-version``, so it leaves out e.g. keyring's ``pywin32-ctypes; sys_platform == "win32"``,
click's ``colorama`` on Windows, ``tomli`` and anyio's ``exceptiongroup`` for 3.10.  After pip,
:func:`missing_for` walks every wheel's ``Requires-Dist`` with the markers evaluated for the
target and downloads what is missing, until nothing is (:func:`complete`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from email.parser import Parser
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.tags import Tag, compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    from pip._vendor.packaging.version import Version

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kit_texts

ROOT = Path(__file__).resolve().parent.parent
ROOTS = ("xl2report", "keyring")  # what the installers install
PYTHONS = tuple(reversed(kit_texts.PYTHONS))
MANYLINUX_GLIBC = 28  # the oldest glibc of the Linux targets (UOS 20 / Kylin V10: 2.28)


@dataclass(frozen=True)
class Target:
    """A platform and Python version the kit installs on."""

    system: str  # "win_amd64", "linux_x86_64", "linux_aarch64"
    python: str  # "3.11"

    @property
    def platforms(self) -> list[str]:
        """Wheel platform tags, best first."""
        if self.system == "win_amd64":
            return ["win_amd64"]
        arch = self.system.split("_", 1)[1]
        tags = [f"manylinux_2_{minor}_{arch}" for minor in range(MANYLINUX_GLIBC, 16, -1)]
        legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
        tags += [
            f"{name}_{arch}" for name, minor in legacy.items() if arch == "x86_64" or minor >= 17
        ]
        return tags

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)

    def ordered_tags(self) -> list[Tag]:
        """Every wheel tag CPython of this version on this platform installs, best first."""
        abi = f"cp{self.version[0]}{self.version[1]}"
        tags = list(cpython_tags(self.version, [abi], self.platforms))
        return tags + list(compatible_tags(self.version, abi, self.platforms))

    def environment(self) -> dict[str, str]:
        """Marker values on the target (not on this machine)."""
        env = dict(default_environment())
        windows = self.system == "win_amd64"
        env.update(
            python_version=self.python,
            python_full_version=f"{self.python}.0",
            implementation_name="cpython",
            platform_python_implementation="CPython",
            sys_platform="win32" if windows else "linux",
            platform_system="Windows" if windows else "Linux",
            os_name="nt" if windows else "posix",
            platform_machine="AMD64" if windows else self.system.split("_", 1)[1],
        )
        return env

    def pip_options(self) -> list[str]:
        options = ["--only-binary=:all:", "--python-version", self.python, "--implementation", "cp"]
        options += ["--abi", f"cp{self.version[0]}{self.version[1]}"]
        for tag in self.platforms:
            options += ["--platform", tag]
        return options

    def __str__(self) -> str:
        return f"{self.system}:{self.python}"


ALL_TARGETS = tuple(
    Target(system, python)
    for system in ("win_amd64", "linux_x86_64", "linux_aarch64")
    for python in PYTHONS
)


def parse_target(text: str) -> Target:
    system, _, python = text.partition(":")
    target = Target(system, python)
    if target not in ALL_TARGETS:
        choices = " ".join(str(t) for t in ALL_TARGETS)
        raise argparse.ArgumentTypeError(f"unknown target {text!r}; one of: {choices}")
    return target


def _wheels(folder: Path) -> list[tuple[Path, str, Version, frozenset[Tag]]]:
    found = []
    for path in sorted(folder.glob("*.whl")):
        name, version, _build, tags = parse_wheel_filename(path.name)
        found.append((path, canonicalize_name(name), version, frozenset(tags)))
    return found


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(meta).decode("utf-8"))


def _requires(wheel: Path) -> list[Requirement]:
    return [Requirement(line) for line in _metadata(wheel).get_all("Requires-Dist") or []]


def _usable(folder: Path, target: Target) -> dict[str, Path]:
    """Per project, the wheel pip takes for the target: the newest version that fits its tags
    and Requires-Python, and of those the one with the most specific tag."""
    order = {tag: i for i, tag in enumerate(target.ordered_tags())}
    python = f"{target.python}.0"
    best: dict[str, tuple[Version, int, Path]] = {}
    for path, name, version, tags in _wheels(folder):
        rank = min((order[tag] for tag in tags if tag in order), default=None)
        if rank is None:
            continue
        requires = _metadata(path).get("Requires-Python")
        if requires and not SpecifierSet(requires).contains(python, prereleases=True):
            continue
        held = best.get(name)
        if held is None or (version, -rank) > (held[0], -held[1]):
            best[name] = (version, rank, path)
    return {name: path for name, (_v, _r, path) in best.items()}


def closure(
    folder: Path, target: Target, roots: Iterable[str] = ROOTS
) -> tuple[set[Path], list[str]]:
    """What the target installs from ``folder``: the wheels pip would take (the newest that
    fits, per project) and the requirements that no wheel in ``folder`` fits."""
    env = target.environment()
    usable = _usable(folder, target)
    chosen: set[Path] = set()
    missing: dict[str, str] = {}
    queue = [(canonicalize_name(r), "", r) for r in roots]
    seen: set[tuple[str, str]] = set()
    while queue:
        name, extra, spec = queue.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        wheel = usable.get(name)
        if wheel is None:
            missing.setdefault(name, spec)
            continue
        chosen.add(wheel)
        for req in _requires(wheel):
            if req.marker is not None and not req.marker.evaluate({**env, "extra": extra}):
                continue
            wanted = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
            for want in sorted(req.extras) or [""]:
                queue.append(
                    (canonicalize_name(req.name), want, f"{req.name}{wanted}{req.specifier}")
                )
    return chosen, sorted(missing.values())


def missing_for(folder: Path, target: Target, roots: Iterable[str] = ROOTS) -> list[str]:
    """Requirements (as pip takes them) that the target needs and ``folder`` has no wheel for."""
    return closure(folder, target, roots)[1]


def complete(folder: Path, target: Target) -> bool:
    """Whether ``folder`` holds a wheel for everything the target installs."""
    return not missing_for(folder, target)


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def build_wheel(folder: Path) -> Path:
    """xl2report's own wheel, built from this checkout into ``folder``."""
    with tempfile.TemporaryDirectory() as tmp:
        _pip("wheel", "--no-deps", "--wheel-dir", tmp, str(ROOT))
        (built,) = Path(tmp).glob("xl2report-*.whl")
        target = folder / built.name
        shutil.copyfile(built, target)
    return target


def download(folder: Path, target: Target, own_wheel: Path) -> None:
    """Every wheel ``target`` needs, into ``folder`` (pip first, then what markers hid)."""
    _pip("download", "--dest", str(folder), *target.pip_options(), str(own_wheel), *ROOTS[1:])
    for _round in range(10):
        missing = missing_for(folder, target)
        if not missing:
            return
        _pip("download", "--dest", str(folder), *target.pip_options(), *missing)
    raise SystemExit(f"{target}: still missing after 10 rounds: {missing_for(folder, target)}")


def write_texts(out: Path, version: str) -> None:
    """The installers and 说明.txt, in the encodings :mod:`kit_texts` explains."""
    for name, text in (
        ("安装.bat", kit_texts.INSTALL_BAT),
        ("启动工作台.bat", kit_texts.START_BAT),
    ):
        (out / name).write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    for name, text in (("install.sh", kit_texts.INSTALL_SH), ("start.sh", kit_texts.START_SH)):
        (out / name).write_bytes(text.encode("utf-8"))
        (out / name).chmod(0o755)
    readme = kit_texts.README_TXT.format(version=version).replace("\n", "\r\n")
    (out / "说明.txt").write_bytes(b"\xef\xbb\xbf" + readme.encode("utf-8"))


def sizes(folder: Path, targets: Iterable[Target]) -> dict[str, int]:
    """Bytes each target installs from (shared pure-Python wheels counted for each), and in all."""
    out = {str(t): sum(p.stat().st_size for p in closure(folder, t)[0]) for t in targets}
    out["all"] = sum(p.stat().st_size for p in folder.glob("*.whl"))
    return out


def build(out: Path, targets: Iterable[Target]) -> dict[str, int]:
    """Make the kit in ``out``; returns :func:`sizes`."""
    targets = list(targets)
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    own = build_wheel(wheels)
    for target in targets:
        download(wheels, target, own)
    version = parse_wheel_filename(own.name)[1]
    write_texts(out, str(version))
    return sizes(wheels, targets)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out", type=Path, required=True, help="the kit's folder")
    parser.add_argument("--target", type=parse_target, action="append",
                        help="system:python, e.g. win_amd64:3.12 (default: all)")  # fmt: skip
    args = parser.parse_args(argv)
    targets = args.target or list(ALL_TARGETS)
    measured = build(args.out, targets)
    for name, size in measured.items():
        print(f"{name:>18}: {size / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
