"""The ``xl2report`` command group; each command module registers its commands on it."""

from __future__ import annotations

import click

from xl2report import __version__
from xl2report.cli.help import CONTEXT, Group


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
    """Users see the library's warnings only, maintainers (--debug) everything."""
    from xl2report.log import configure

    configure("DEBUG" if debug else "WARNING")
