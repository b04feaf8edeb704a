"""Filling a finding's message template: parameters, optional [...] parts, numbers as shown.

The templates themselves live in :mod:`xl2report.checks.catalogue`; this is only the filling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Formatter

from xl2report.form.types import as_number, format_number

MAX_SHOWN = 200  # characters of a quoted text in a message
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


def fill(template: str, params: Mapping[str, object]) -> str:
    """``template`` with ``params``: optional ``[...]`` parts kept only when all theirs are given."""

    def optional(m: re.Match[str]) -> str:
        part = m.group(1)
        return part if all(params.get(n) is not None for n in _names(part)) else ""

    text = _OPTIONAL.sub(optional, template)
    missing = [n for n in _names(text) if params.get(n) is None]
    if missing:
        raise KeyError(f"message parameters missing: {', '.join(missing)}")
    return text.format_map({name: _shown(params[name]) for name in _names(text)})


def _names(text: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(text) if name]


def _shown(value: object) -> str:
    """A parameter as a message shows it: numbers without float noise, lists joined with 、."""
    number = as_number(value)
    if number is not None:
        return format_number(number)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    text = str(value)
    if len(text) > MAX_SHOWN:  # a message quotes a text, never a whole pasted page
        return f"{text[:MAX_SHOWN]}…（共 {len(text)} 字）"
    return text


def shift_phrase(rows: int, cols: int) -> str:
    """How a sheet moved: '整体下移 2 行（插入了行），整体左移 1 列（删除了列）'."""
    parts = []
    if rows:
        moved, did = ("下移", "插入") if rows > 0 else ("上移", "删除")
        parts.append(f"整体{moved} {abs(rows)} 行（{did}了行）")
    if cols:
        moved, did = ("右移", "插入") if cols > 0 else ("左移", "删除")
        parts.append(f"整体{moved} {abs(cols)} 列（{did}了列）")
    return "，".join(parts)
