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
      xl2report run --inbox inbox --outbox outbox            批量处理收件目录
      xl2report status                                       查看各单位报送情况
      xl2report fields                                       查看字段代码表
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    _configure_logging(debug)


def _configure_logging(debug: bool) -> None:
    """Library modules log with loguru; users see warnings only, maintainers (--debug) all."""
    from xl2report.log import configure  # cheap: loguru itself loads when a module first logs

    configure("DEBUG" if debug else "WARNING")


@cli.command()
@click.option("--org", help="机关名称；给出后预填并锁定。")
@click.option("--year", type=int, help="报告年度（四位数字）；给出后预填并锁定。")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出文件（.xlsx）。")
@click.option("--password", help="工作表保护密码（可选；防误改，不是加密）。")
@click.option("--values", "values_file", type=click.Path(path_type=Path, exists=True),
              help="按字段代码预填数字和文字的 JSON 文件（如 examples/kejing-2024.json）。")  # fmt: skip
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
@click.option(
    "--submit-to", help="写在封面“报送要求”处的话，如“请于2025年1月15日前发送至 gkb@xx.gov.cn”。"
)
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="名单（.xlsx 或 .csv，表头：机关名称、代码、联系人、邮箱）：每个单位一份模板，"
                   "-o 为输出目录。")  # fmt: skip
# Kept so older scripts still run: --roster now makes ~1,000 templates a second in one process.
@click.option("-j", "--jobs", type=click.IntRange(min=1), hidden=True)
def template(
    org: str | None,
    year: int | None,
    output: Path | None,
    password: str | None,
    values_file: Path | None,
    force: bool,
    submit_to: str | None,
    roster: Path | None,
    jobs: int | None,
) -> None:
    """生成填报模板（每个部分一张表，只有白色格子可填，合计和校验自动计算）。"""
    from xl2report.form.national import YEAR_MAX, YEAR_MIN
    from xl2report.xlsx.template import TemplateOptions, form_title, write_template

    if year is not None and not (YEAR_MIN <= year <= YEAR_MAX):
        raise UserError(f"年度应为 {YEAR_MIN}—{YEAR_MAX} 之间的四位数字，现为 {year}。")
    if org is not None and not org.strip():
        raise UserError("机关名称不能为空。")
    if roster is not None:
        if org is not None or values_file is not None:
            raise UserError("--roster 不能与 --org、--values 同时使用。")
        if output is None or output.suffix.lower() == ".xlsx":
            raise UserError("使用 --roster 时请用 -o 指定输出目录（每个单位一个文件）。")
        from xl2report.batch.roster import read_roster, write_roster_templates

        entries = read_roster(roster)
        paths = write_roster_templates(
            entries, output, year, password=password, overwrite=force, submit_to=submit_to
        )
        click.echo(f"已为 {len(paths)} 个单位生成填报模板：{output}")
        return
    values = _load_values(values_file) if values_file else None
    if output is None:
        output = Path(f"{(org or '').strip()}{form_title(year)}填报表.xlsx")
    if output.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
    options = TemplateOptions(
        org=org.strip() if org else None, year=year, password=password, submit_to=submit_to
    )
    write_template(output, options, values, overwrite=force)
    click.echo(f"已生成填报模板：{output}")


def _load_values(path: Path) -> dict:
    from xl2report.checks.cells import coerce_values

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
    from xl2report.cli.console import print_table

    print_table(
        ["字段代码", "工作表", "单元格", "标签", "类别", "类型"],
        [[r["key"], r["sheet"], r["cell"], r["label"], r["kind"], r["type"]] for r in rows],
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列表输出。")
def codes(as_json: bool) -> None:
    """列出全部校验结果代码及其含义（错误 error / 提醒 warning）。"""
    from xl2report.checks.catalogue import CATALOGUE

    rows = [
        {"code": c.code, "level": str(c.level), "group": c.group, "title": c.title}
        for c in CATALOGUE.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    from xl2report.cli.console import print_table

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
    from xl2report.checks.check import check_file
    from xl2report.cli.console import print_reports

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
        from xl2report.xlsx.feedback import feedback_name, write_feedback

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
    from xl2report.batch.single import render_workbook
    from xl2report.cli.console import print_reports

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
    from xl2report.report.render import check_word_template, describe_placeholder

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


# --- the main job: inbox -> outbox, and what the ledger knows ----------------------------------


def _batch_options(func):  # type: ignore[no-untyped-def]
    """Options shared by ``run`` and ``watch``."""
    options = [
        click.option("--inbox", type=click.Path(path_type=Path, file_okay=False),
                     default="inbox", show_default=True, help="收件目录（含子目录）。"),
        click.option("--outbox", type=click.Path(path_type=Path), default="outbox",
                     show_default=True, help="输出目录：年报、退回的反馈表、台账。"),
        click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
                     help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。"),
        click.option("-j", "--jobs", type=click.IntRange(min=1),
                     help="并行的工作进程数（默认：CPU 核数）；结果与 1 相同。"),
        click.option("--previous-year", type=click.Path(path_type=Path, file_okay=False,
                                                        exists=True),
                     help="上一年度各单位工作簿所在目录，用于跨年度核对"
                          "（不给时用台账里上一年已通过的报送）。"),
        click.option("--pdf", is_flag=True, help="同时生成 PDF（需要 LibreOffice）。"),
        click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="登记名单（.xlsx/.csv），报送按名单核对。"),
        click.option("--move-processed", is_flag=True,
                     help="处理后把原文件移到收件目录的“已处理”子目录（默认不动原文件）。"),
        click.option("--settle", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="判断文件是否写完：两次查看之间等待的秒数。"),
        click.option("--word-template", type=click.Path(path_type=Path, exists=True,
                                                        dir_okay=False),
                     help="自定义的 Word 模板。"),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _run_options(**kw: object):  # type: ignore[no-untyped-def]
    from xl2report.batch.records import RunOptions

    return RunOptions(
        inbox=kw["inbox"], outbox=kw["outbox"], ledger=kw["ledger"], jobs=kw["jobs"],
        previous_year=kw["previous_year"], pdf=kw["pdf"], roster=kw["roster"],
        move_processed=kw["move_processed"], settle=kw["settle"],
        word_template=kw["word_template"],
    )  # type: ignore[arg-type]  # fmt: skip


@cli.command()
@_batch_options
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部输入文件的处理结果。")
def run(as_json: bool, **kw: object) -> None:
    """处理收件目录：逐个校验，通过的生成 Word 年报，未通过的生成退回反馈表，全部记入台账。

    \b
    再次运行只处理新文件；同一内容换了文件名按重复报送记录。
    退出码：0 全部通过；1 有退回或无法读取的文件；2 致命问题（如另一个运行正在进行）。
    """
    from xl2report.batch.session import run_batch
    from xl2report.cli.console import print_run, run_progress

    with run_progress(click.get_current_context().obj["debug"]) as on_event:
        result = run_batch(_run_options(**kw), on_event)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_run(result)
    sys.exit(result.exit_code)


@cli.command()
@_batch_options
@click.option("--json", "as_json", is_flag=True, help="每处理一批，输出一行 JSON。")
def watch(as_json: bool, **kw: object) -> None:
    """监视收件目录：有新文件且写完后自动处理（同 run）；按 Ctrl-C 停止。"""
    from xl2report.batch.watch import watch as watch_inbox
    from xl2report.cli.console import print_run, run_progress

    def on_run(result) -> None:  # type: ignore[no-untyped-def]
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        elif any(f.new for f in result.files):
            print_run(result, only_new=True)

    click.echo(f"正在监视 {kw['inbox']}（按 Ctrl-C 停止）…", err=True)
    with run_progress(click.get_current_context().obj["debug"]) as on_event:
        summary = watch_inbox(_run_options(**kw), on_run, on_event)
    click.echo(
        f"已停止监视：共运行 {summary.runs} 次，新处理 {summary.processed} 个文件。", err=True
    )


def _open_ledger(outbox: Path, ledger: Path | None, create: bool = False):  # type: ignore[no-untyped-def]
    from xl2report.batch.ledger import Ledger
    from xl2report.batch.session import default_ledger

    path = ledger or default_ledger(outbox)
    if not create and not path.exists():
        raise UserError(
            f"还没有台账 {path}：请先运行 xl2report run（或用 --outbox 指定输出目录）。"
        )
    return Ledger.open(path)


@cli.command()
@click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
              help="run 使用的输出目录。")  # fmt: skip
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
              help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。")  # fmt: skip
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="登记（或更新）名单后再统计；不给时用已登记的名单。")  # fmt: skip
@click.option("--year", type=int, help="年度（默认：台账中最近的年度）。")
@click.option("--xlsx", "xlsx_out", type=click.Path(path_type=Path, dir_okay=False),
              help="另存为 Excel 工作簿，便于发送。")  # fmt: skip
@click.option("--force", is_flag=True, help="--xlsx 文件已存在时覆盖。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def status(
    outbox: Path,
    ledger: Path | None,
    roster: Path | None,
    year: int | None,
    xlsx_out: Path | None,
    force: bool,
    as_json: bool,
) -> None:
    """各单位报送情况：未报送 / 已退回（N 个错误）/ 已通过 / 已更新，含报送时间和输出文件。"""
    from xl2report.batch.roster import read_roster
    from xl2report.cli.console import print_status
    from xl2report.county.status import compute_status, write_status_xlsx

    with _open_ledger(outbox, ledger, create=roster is not None) as book:
        if roster is not None:
            book.set_roster(read_roster(roster), str(roster))
        report = compute_status(book, year)
    if xlsx_out is not None:
        write_status_xlsx(report, xlsx_out, overwrite=force)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_status(report)
        if xlsx_out is not None:
            click.echo(f"已另存为：{xlsx_out}")


@cli.command()
@click.option("--year", type=int, required=True, help="汇总的年度。")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="输出的汇总表（.xlsx）。")  # fmt: skip
@click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
              help="run 使用的输出目录。")  # fmt: skip
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
              help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。")  # fmt: skip
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def summary(year: int, output: Path, outbox: Path, ledger: Path | None, force: bool) -> None:
    """县级汇总表：已通过单位逐个列出，二、三、四表按国家格式求和（合计为 SUM 公式）。"""
    from xl2report.county.summary import write_summary

    if output.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
    with _open_ledger(outbox, ledger) as book:
        result = write_summary(book, year, output, overwrite=force)
    click.echo(f"已生成 {year} 年汇总表：{output}（{len(result.orgs)} 个单位）")
    if result.failed_rules:
        click.echo(f"警告：汇总数字不满足勾稽关系：{'、'.join(result.failed_rules)}", err=True)
        sys.exit(EXIT_FINDINGS)


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
        from xl2report.errors import FatalError

        if debug:
            raise
        if isinstance(exc, FatalError):
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
