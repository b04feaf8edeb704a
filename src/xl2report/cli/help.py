"""Chinese help and errors for the command line: help screens, usage errors, exit codes.

Everything here is click plumbing shared by the command modules; no library imports.
"""

from __future__ import annotations

import re

import click

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
    ("Did you mean", "是否想输入"),
    ("(Possible options:", "（可能是："),
    ("Directory", "目录"),
    ("File", "文件"),
    ("Path", "路径"),
)


def translate_usage(exc: click.UsageError) -> str:
    message = exc.format_message()
    for english, chinese in _USAGE_WORDS:
        message = message.replace(english, chinese)
    # click quotes with '…' and ends sentences with ". ": Chinese quotes and full stops.
    message = re.sub(r"'([^']*)'", r"“\1”", message).replace("?", "？").replace(": ", "：")
    message = re.sub(r"\.(\s|$)", r"。", message).rstrip("。")
    return message if message.endswith(("？", "）")) else message + "。"


# Written here, not imported from checks.copied, so that ``--help`` stays light; a test keeps
# the default equal to COPY_THRESHOLD.
COPY_THRESHOLD_PERCENT = 90
CHECK_TIMEOUT_OPTION = click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="每个文件最多校验多少秒；超时的文件记为“无法处理”，其余照常。",
)

COPY_THRESHOLD_OPTION = click.option(
    "--copy-threshold",
    type=click.IntRange(1, 100),
    default=COPY_THRESHOLD_PERCENT,
    show_default=True,
    help="与上年报告同一部分的文字相同达到这个百分比（去掉数字和年份后）时提醒“照抄上年”。",
)
