"""Command line: thin layer over the library.  Each command parses options, calls one library
function, prints the result (readable Chinese by default, ``--json`` for machines) and picks the
exit code.  Errors are turned into messages in one place, :func:`main`.

Exit codes: 0 success / all valid; 1 findings (some file invalid); 2 usage error, unreadable
input or a fatal problem.  Heavy libraries are imported inside the commands so ``--help`` is fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xl2report import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_FATAL = 0, 1, 2


class UserError(click.ClickException):
    """A mistake in how the command was called: message in Chinese, exit code 2."""

    exit_code = EXIT_FATAL

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"错误：{self.message}", err=True)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _ChineseHelp:
    """Help screens in Chinese: usage line, section titles and the --help option itself."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [r for p in self.get_params(ctx) if (r := p.get_help_record(ctx))]  # type: ignore[attr-defined]
        if records:
            with formatter.section("选项"):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            rows = []
            for name in self.list_commands(ctx):
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit=80)))
            if rows:
                with formatter.section("命令"):
                    formatter.write_dl(rows)


class Command(_ChineseHelp, click.Command):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class Group(_ChineseHelp, click.Group):
    command_class = Command

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(
    __version__, "-V", "--version", message="xl2report %(version)s", help="显示版本号并退出。"
)
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈（供维护人员排查）。")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """政府信息公开工作年度报告：下发锁定的 Excel 填报模板，校验各单位报回的工作簿，生成 Word 年报。

    \b
    常用流程：
      xl2report template --org 某某镇人民政府 --year 2024   生成填报模板
      xl2report check 某某镇.xlsx                           校验报回的工作簿
      xl2report render 某某镇.xlsx -o outbox/               校验通过后生成 Word 年报
      xl2report fields                                       查看字段代码表
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    _configure_logging(debug)


def _configure_logging(debug: bool) -> None:
    """Library modules log with loguru; users see warnings only, maintainers (--debug) all."""
    from xl2report.log import configure

    configure("DEBUG" if debug else "WARNING")


@cli.command()
@click.option("--org", help="机关名称；给出后预填并锁定。")
@click.option("--year", type=int, help="报告年度（四位数字）；给出后预填并锁定。")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出文件（.xlsx）。")
@click.option("--password", help="工作表保护密码（可选；防误改，不是加密）。")
@click.option("--values", "values_file", type=click.Path(path_type=Path, exists=True),
              help="按字段代码预填数字和文字的 JSON 文件（如 examples/kejing-2024.json）。")  # fmt: skip
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def template(
    org: str | None,
    year: int | None,
    output: Path | None,
    password: str | None,
    values_file: Path | None,
    force: bool,
) -> None:
    """生成填报模板（每个部分一张表，只有白色格子可填，合计和校验自动计算）。"""
    from xl2report.form import YEAR_MAX, YEAR_MIN
    from xl2report.template import TemplateOptions, form_title, write_template

    if year is not None and not (YEAR_MIN <= year <= YEAR_MAX):
        raise UserError(f"年度应为 {YEAR_MIN}—{YEAR_MAX} 之间的四位数字，现为 {year}。")
    if org is not None and not org.strip():
        raise UserError("机关名称不能为空。")
    values = _load_values(values_file) if values_file else None
    if output is None:
        output = Path(f"{(org or '').strip()}{form_title(year)}填报表.xlsx")
    if output.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
    options = TemplateOptions(org=org.strip() if org else None, year=year, password=password)
    write_template(output, options, values, overwrite=force)
    click.echo(f"已生成填报模板：{output}")


def _load_values(path: Path) -> dict:
    from xl2report.values import coerce_values

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data = data.get("values", data) if isinstance(data, dict) else data
        return coerce_values(data)
    except KeyError as exc:
        raise UserError(f"{path}：没有这个字段代码 {exc}（见 xl2report fields）。") from exc
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise UserError(f"{path}：无法读取预填数据（{exc}）。") from exc


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列表输出。")
def fields(as_json: bool) -> None:
    """列出字段代码表：每个字段的代码、工作表、单元格、标签、类型。"""
    from xl2report.docs import field_rows

    rows = field_rows()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    from xl2report.console import print_table

    print_table(
        ["字段代码", "工作表", "单元格", "标签", "类别", "类型"],
        [[r["key"], r["sheet"], r["cell"], r["label"], r["kind"], r["type"]] for r in rows],
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列表输出。")
def codes(as_json: bool) -> None:
    """列出全部校验结果代码及其含义（错误 error / 提醒 warning）。"""
    from xl2report.findings import CATALOGUE

    rows = [
        {"code": c.code, "level": str(c.level), "group": c.group, "title": c.title}
        for c in CATALOGUE.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    from xl2report.console import print_table

    print_table(["代码", "级别", "类别", "含义"], [list(r.values()) for r in rows])


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出到标准输出。")
@click.option("--previous", type=click.Path(path_type=Path, exists=True),
              help="同一单位上一年度的工作簿，用于跨年度核对。")  # fmt: skip
@click.option("--annotate", type=click.Path(path_type=Path, file_okay=False),
              help="为每个文件在此目录写一份标注了问题单元格的反馈副本（原文件不改动）。")  # fmt: skip
def check(
    files: tuple[Path, ...], as_json: bool, previous: Path | None, annotate: Path | None
) -> None:
    """校验报回的工作簿：版式、公式、数值、勾稽关系、文字，逐格指出问题。"""
    from xl2report.check import check_file
    from xl2report.console import print_reports

    previous_result = check_file(previous) if previous else None
    if previous_result is not None and not previous_result.values:
        # Unreadable, another form, or an old template version: nothing to compare with.
        reason = previous_result.report.errors[0].message
        raise UserError(f"上一年度的工作簿 {previous} 无法用于跨年度核对：{reason}")
    results = [check_file(f, previous_result) for f in files]
    reports = [r.report for r in results]
    if as_json:
        click.echo(
            json.dumps({"files": [r.to_dict() for r in reports]}, ensure_ascii=False, indent=1)
        )
    else:
        print_reports(reports)
    if annotate:
        from xl2report.annotate import feedback_name, write_feedback

        used: set[str] = set()
        for path, report in zip(files, reports, strict=True):
            if any(f.code == "lock-file" for f in report.findings):
                continue  # not a submission: nothing to send back
            name = feedback_name(path)
            for n in range(2, len(files) + 2):  # same file name from two folders
                if name not in used:
                    break
                name = feedback_name(path.with_name(f"{path.stem}_{n}{path.suffix}"))
            used.add(name)
            out = write_feedback(path, report, annotate / name, overwrite=True)
            click.echo(f"已写反馈副本：{out}", err=True)
    if any(not r.readable for r in reports):
        sys.exit(EXIT_FATAL)
    sys.exit(EXIT_OK if all(r.valid for r in reports) else EXIT_FINDINGS)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出的 .docx 文件或目录（默认与工作簿同一目录）。")  # fmt: skip
@click.option("--word-template", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="改过样式的 Word 模板（默认用内置模板）。")  # fmt: skip
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF。")
@click.option("--force", is_flag=True,
              help="覆盖已有的输出文件；校验未通过时仍生成草稿（首页标注“草稿（未通过校验）”）。")  # fmt: skip
def render(
    file: Path, output: Path | None, word_template: Path | None, pdf: bool, force: bool
) -> None:
    """校验工作簿，通过后生成 Word 年度报告（可同时生成 PDF）。"""
    from xl2report.console import print_reports
    from xl2report.render import render_workbook

    if output is not None and not output.is_dir() and output.suffix.lower() not in ("", ".docx"):
        raise UserError(f"输出应为 .docx 文件或一个目录：{output}")
    outcome = render_workbook(file, output, word_template=word_template, pdf=pdf, force=force)
    if outcome.check.report.findings:
        print_reports([outcome.check.report])
    for warning in outcome.warnings:
        click.echo(f"提醒：{warning}", err=True)
    if outcome.docx is None:
        click.echo(outcome.reason, err=True)
        sys.exit(EXIT_FATAL if not outcome.check.report.readable else EXIT_FINDINGS)
    kind = "草稿（未通过校验）" if outcome.draft else " Word 报告"
    click.echo(f"已生成{kind}：{outcome.docx}")
    if outcome.pdf:
        click.echo(f"已生成 PDF：{outcome.pdf}")
    sys.exit(EXIT_FINDINGS if outcome.draft else EXIT_OK)


@cli.command("check-template")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def check_template(file: Path) -> None:
    """检查改过样式的 Word 模板：列出缺少的占位符和无法识别的占位符。"""
    from xl2report.render import check_word_template, describe_placeholder

    missing, unknown = check_word_template(file)
    for key in missing:
        click.echo(f"缺少占位符：{{{{ {key} }}}}  {describe_placeholder(key)}")
    for key in unknown:
        click.echo(f"无法识别的占位符：{{{{ {key} }}}}")
    if missing or unknown:
        click.echo(
            f"{file}：缺少 {len(missing)} 个，无法识别 {len(unknown)} 个（见 xl2report fields）。"
        )
        sys.exit(EXIT_FINDINGS)
    click.echo(f"{file}：占位符齐全，可以用于 xl2report render --word-template。")


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where exceptions become messages and exit codes."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="xl2report", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("已中止。", err=True)
        sys.exit(EXIT_FATAL)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and not isinstance(exc, UserError):
            click.echo(f"用法错误：{_translate_usage(exc)}", err=True)
            if exc.ctx is not None:
                click.echo(f"查看帮助：{exc.ctx.command_path} --help", err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code if isinstance(exc, UserError) else EXIT_FATAL)
    except Exception as exc:  # the single top-level handler: never a traceback for a user
        from xl2report.atomic import OutputExistsError

        if debug:
            raise
        # Only a loaded render module can have raised its error; don't import it just to check.
        render_module = sys.modules.get("xl2report.render")
        if render_module is not None and isinstance(exc, render_module.RenderError):
            click.echo(f"错误：{exc}", err=True)
        elif isinstance(exc, OutputExistsError):
            click.echo(f"错误：输出文件已存在：{exc}（如需覆盖请加 --force）。", err=True)
        elif isinstance(exc, PermissionError):
            click.echo(f"错误：没有写入权限：{exc.filename or exc}", err=True)
        elif isinstance(exc, OSError):
            click.echo(
                f"错误：文件操作失败：{exc.strerror or exc}（{exc.filename or ''}）", err=True
            )
        else:
            click.echo(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详情）", err=True)
        sys.exit(EXIT_FATAL)
    sys.exit(EXIT_OK)


_USAGE_WORDS = (
    ("No such option", "没有这个选项"),
    ("No such command", "没有这个命令"),
    ("Missing argument", "缺少参数"),
    ("Missing option", "缺少选项"),
    ("Invalid value for", "参数值无效"),
    ("does not exist", "不存在"),
    ("is not a valid integer", "不是有效的整数"),
    ("requires an argument", "需要一个值"),
    ("is a file", "是文件，不是文件夹"),
    ("is a directory", "是文件夹，不是文件"),
    ("Got unexpected extra argument", "多余的参数"),
    ("Directory", "目录"),
    ("File", "文件"),
    ("Path", "路径"),
)


def _translate_usage(exc: click.UsageError) -> str:
    message = exc.format_message()
    for english, chinese in _USAGE_WORDS:
        message = message.replace(english, chinese)
    return message
