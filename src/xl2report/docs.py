"""Reference documentation derived from the form, the finding catalogue and the command line.

``python -m xl2report.docs`` regenerates the marked blocks of the files in ``docs/`` (the field
table, the code table, every command with its options); a test fails when they drift.
"""

from __future__ import annotations

import re
from pathlib import Path

from xl2report.checks.catalogue import CATALOGUE
from xl2report.form.national import FORM, Form

# Which generated block lives in which file of docs/.
DOC_FILES = {"fields": "字段代码表.md", "codes": "校验代码表.md", "commands": "命令.md"}


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
    lines = ["| 代码 | 名称 | 级别 | 类别 | 含义 | 说明模板 |", "|---|---|---|---|---|---|"]
    for c in CATALOGUE.values():
        templates = "<br>".join(f"`{t}`" for t in c.templates)
        lines.append(
            f"| `{c.code}` | {c.name} | {c.level.label} | {c.group} | {c.title} | {templates} |"
        )
    return "\n".join(lines)


def commands_markdown() -> str:
    """Every command (``mail`` ones too) with its usage line, what it does and each option, in
    the words of its ``--help``."""
    import click

    from xl2report.cli.help import chinese_record
    from xl2report.cli.main import cli

    out: list[str] = []

    def document(cmd: click.Command, ctx: click.Context) -> None:
        if ctx.parent is not None:
            usage = " ".join(cmd.collect_usage_pieces(ctx))
            out.append(f"### `{ctx.command_path}`\n")
            out.append(f"`{ctx.command_path} {chinese_record((usage, ''))[0]}`\n")
            out.append(f"{(cmd.help or '').split(chr(10))[0].strip()}\n")
        options = [p for p in cmd.params if isinstance(p, click.Option)]  # not --help
        records = [chinese_record(r) for p in options if (r := p.get_help_record(ctx))]
        if records and ctx.parent is not None:
            out.append("| 选项 | 说明 |\n|---|---|")
            out.extend(f"| `{_cell(term)}` | {_cell(text)} |" for term, text in records)
            out.append("")
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    document(sub, click.Context(sub, info_name=name, parent=ctx))

    document(cli, click.Context(cli, info_name="xl2report"))
    return "\n".join(out).rstrip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


BLOCKS = {"fields": fields_markdown, "codes": codes_markdown, "commands": commands_markdown}


def render_generated(text: str) -> str:
    """Replace each <!-- BEGIN name --> … <!-- END name --> block with its generated content."""
    for name, make in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.DOTALL
        )
        if pattern.search(text):
            content = make()
            text = pattern.sub(lambda m, c=content: m.group(1) + c + "\n" + m.group(2), text)
    return text


def update_file(path: Path) -> bool:
    """Rewrite the generated blocks of ``path``; True when something changed."""
    old = path.read_text(encoding="utf-8")
    new = render_generated(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


if __name__ == "__main__":  # python -m xl2report.docs: refresh the generated tables in docs/
    docs = Path(__file__).resolve().parents[2] / "docs"
    for file in dict.fromkeys(DOC_FILES.values()):
        print(f"docs/{file}", "已更新" if update_file(docs / file) else "无需更新")
