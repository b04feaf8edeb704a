"""A per-user cache of compiled Word templates, so a run does not recompile the same template.

Compiling the bundled template (docxtpl's XML patching, Jinja's parse and code generation, the
placeholder analysis) took ~0.2 s, plus ~0.1 s importing docxtpl and python-docx: most of a
run's start-up, paid again by every run and every worker process.  What compiling produces is
stored here as one ``marshal`` file per template, named by a SHA-256 over the template's bytes,
the compiling code (``engine.py``'s bytecode, which a frozen executable has too, unlike its
source) and the Python, Jinja and docxtpl versions, so a changed template or a different
installation never meets a stale entry.

The cache is an optimisation only: a missing, unreadable or foreign entry is ignored (and
rewritten), a cache folder that cannot be written is not used, and nothing is ever wrong for
lack of it.  Entries hold code, so on POSIX they are only read from a folder owned by the user
and writable by nobody else (as Python's own ``__pycache__`` is).  ``XL2REPORT_CACHE_DIR``
overrides the folder; ``XL2REPORT_CACHE_DIR=`` (empty) turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import sys
from pathlib import Path
from types import CodeType
from typing import Any, TypedDict

FORMAT = 1  # bump when the stored layout changes


class Compiled(TypedDict):
    """What a compiled template consists of (see ``engine._compile``)."""

    parts: list[str]  # zip members rendered: the main document first
    code: list[CodeType]  # Jinja's compiled code, one per part
    placeholders: list[str]  # dotted context paths the template reads
    fix_tables: bool  # {%tc %} loops: docxtpl's fix_tables after rendering


def folder() -> Path | None:
    """Where entries live, or None when caching is off."""
    configured = os.environ.get("XL2REPORT_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "xl2report" / "cache" if base else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xl2report"


def code_fingerprint(module_name: str) -> bytes:
    """What identifies the code of module ``module_name``: its functions' and methods'
    bytecode, names and constants (not line numbers), in a stable order."""
    module = sys.modules[module_name]
    digest = hashlib.sha256()
    for name, value in sorted(vars(module).items()):
        if getattr(value, "__module__", None) != module_name:
            continue
        members = sorted(vars(value).items()) if isinstance(value, type) else [(name, value)]
        for member, function in members:
            code = getattr(function, "__code__", None)
            if isinstance(code, CodeType):
                digest.update(f"{name}.{member}|".encode())
                _digest_code(code, digest)
    return digest.digest()


def _digest_code(code: CodeType, digest: Any) -> None:
    digest.update(code.co_code)
    digest.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _digest_code(const, digest)
        elif isinstance(const, frozenset):  # iteration order varies from process to process
            digest.update(repr(sorted(map(repr, const))).encode())
        else:
            digest.update(repr(const).encode())


def key(template: bytes, compiler: bytes) -> str:
    """The entry name for ``template`` compiled by ``compiler`` (:func:`code_fingerprint` of
    the engine)."""
    import importlib.util

    import jinja2

    digest = hashlib.sha256()
    digest.update(f"{FORMAT}|{sys.version}|{jinja2.__version__}|".encode())
    # docxtpl patches the XML before Jinja sees it; its installed files stand for its version
    # (reading package metadata costs ~30 ms, importing docxtpl ~100 ms).
    spec = importlib.util.find_spec("docxtpl")
    if spec is not None and spec.origin:
        for module in ("__init__.py", "template.py"):
            with contextlib.suppress(OSError):
                st = (Path(spec.origin).parent / module).stat()
                digest.update(f"{module}|{st.st_size}|{st.st_mtime_ns}|".encode())
    digest.update(hashlib.sha256(compiler).digest())
    digest.update(hashlib.sha256(template).digest())
    return digest.hexdigest()


def load(name: str) -> Compiled | None:
    """The cached compile result ``name``, or None (absent, unreadable, untrusted, foreign)."""
    where = folder()
    if where is None or not _trusted(where):
        return None
    try:
        data = marshal.loads((where / f"{name}.bin").read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        return None
    return data["compiled"]  # type: ignore[no-any-return]


def store(name: str, compiled: Compiled) -> None:
    """Keep ``compiled`` as entry ``name`` (written atomically); silently skipped on failure."""
    where = folder()
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(where):
            return
        data = marshal.dumps({"format": FORMAT, "compiled": dict(compiled)})
        tmp = where / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, where / f"{name}.bin")
    except (OSError, ValueError):
        return


def _trusted(where: Path) -> bool:
    """A folder only this user can write to (always true where POSIX ownership is absent)."""
    if not hasattr(os, "getuid"):
        return where.is_dir()
    try:
        st = where.stat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(st.st_mode)
        and st.st_uid == os.getuid()
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )
