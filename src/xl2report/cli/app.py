"""The ``xl2report`` command group; each command module registers its commands on it."""

from __future__ import annotations

import click

from xl2report import __version__
from xl2report.cli.help import CONTEXT, Group, UserError, Verbosity


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(
    __version__, "-V", "--version", message="xl2report %(version)s", help="显示版本号并退出。"
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="在屏幕上显示每一步的日志（默认只显示提醒和错误；完整日志总写在输出目录的日志文件里）。",
)
@click.option("-q", "--quiet", is_flag=True, help="只显示错误，不显示进度和提醒。")
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈（供维护人员排查）。")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, quiet: bool, debug: bool) -> None:
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
    if verbose and quiet:
        raise UserError("--verbose 和 --quiet 只能选一个。")
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["verbosity"] = Verbosity.of(verbose=verbose, quiet=quiet, debug=debug)
    _configure_logging(ctx.obj["verbosity"])


def _configure_logging(verbosity: Verbosity) -> None:
    """The console: errors only (--quiet), warnings (default), every step (--verbose), or
    everything with tracebacks (--debug, for maintainers)."""
    from xl2report.log import configure

    configure(verbosity.level, tracebacks=verbosity is Verbosity.DEBUG)
