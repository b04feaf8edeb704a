"""Documentation derived from the form and the finding catalogue (README tables, ``fields``).

``xl2report docs`` regenerates the marked blocks of README.md; a test fails when they drift.
"""

from __future__ import annotations

import re
from pathlib import Path

from xl2report.checks.catalogue import CATALOGUE
from xl2report.form.national import FORM, Form


def field_rows(form: Form = FORM) -> list[dict[str, str]]:
    """The public field contract: one object per field, in form order."""
    return [
        {
            "key": f.key,
            "sheet": f.sheet,
            "cell": f.cell,
            "label": f.label,
            "kind": str(f.kind),
            "type": str(f.type),
            "unit": f.unit,
        }
        for f in form.fields
    ]


def fields_markdown(form: Form = FORM) -> str:
    lines = [
        "| 字段代码 | 工作表 | 单元格 | 标签 | 类别 | 类型 | 单位 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in field_rows(form):
        lines.append(
            f"| `{r['key']}` | {r['sheet']} | {r['cell']} | {r['label']} | {r['kind']} "
            f"| {r['type']} | {r['unit']} |"
        )
    return "\n".join(lines)


def codes_markdown() -> str:
    lines = ["| 代码 | 级别 | 类别 | 含义 | 说明模板 |", "|---|---|---|---|---|"]
    for c in CATALOGUE.values():
        templates = "<br>".join(f"`{t}`" for t in c.templates)
        lines.append(f"| `{c.code}` | {c.level.label} | {c.group} | {c.title} | {templates} |")
    return "\n".join(lines)


BLOCKS = {"fields": fields_markdown, "codes": codes_markdown}


def render_readme(text: str) -> str:
    """Replace each <!-- BEGIN name --> … <!-- END name --> block with its generated content."""
    for name, make in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.DOTALL
        )
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def update_readme(path: Path) -> bool:
    """Rewrite the generated blocks of ``path``; True when something changed."""
    old = path.read_text(encoding="utf-8")
    new = render_readme(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


if __name__ == "__main__":  # python -m xl2report.docs: refresh README's generated tables
    readme = Path(__file__).resolve().parents[2] / "README.md"
    print("README.md 已更新" if update_readme(readme) else "README.md 无需更新")
