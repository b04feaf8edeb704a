"""Chinese help and errors for the command line: help screens, usage errors, exit codes.

Everything here is click plumbing shared by the command modules; no library imports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

import click

EXIT_OK, EXIT_FINDINGS, EXIT_FATAL = 0, 1, 2


class Verbosity(Enum):
    """How much the console says: ``--quiet`` errors only; by default warnings (and, off a
    terminal, a line per file of a run); ``--verbose`` every step; ``--debug`` every step and
    the traceback of an error."""

    QUIET = "quiet"
    NORMAL = "normal"
    VERBOSE = "verbose"
    DEBUG = "debug"

    @property
    def level(self) -> str:
        """The lowest log level the console shows."""
        return {"quiet": "ERROR", "normal": "WARNING"}.get(self.value, "DEBUG")

    @classmethod
    def of(cls, *, verbose: bool, quiet: bool, debug: bool) -> Verbosity:
        if debug:
            return cls.DEBUG
        return cls.QUIET if quiet else cls.VERBOSE if verbose else cls.NORMAL


class UserError(click.ClickException):
    """A mistake in how the command was called: message in Chinese, exit code 2."""

    exit_code = EXIT_FATAL

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"错误：{self.message}", err=True)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


_CLOSING, _OPENING = set("，。、；：！？）」』”》"), set("（「『“《")


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of about ``width`` columns: Chinese breaks between characters, words
    do not, and no line starts with a closing mark or ends with an opening one."""
    lines, line = [], ""
    for piece in re.findall(r"[\x21-\x7e]+|\s+|.", text):
        if line and piece not in _CLOSING and _width(line + piece.rstrip()) > width:
            carry = line[-1] if line[-1] in _OPENING else ""
            lines.append(line[: len(line) - len(carry)].rstrip())
            line = carry + piece.lstrip()
        else:
            line += piece
    return [*lines, line.rstrip()] if line.strip() else lines


class _Formatter(click.HelpFormatter):
    """Section headings with a Chinese colon (选项：, 命令：), and option lists aligned and
    wrapped by display width (click counts a Chinese character as one column)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first = min(max((_width(r[0]) for r in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        text_width = max((self.width or 80) - self.current_indent - first, 20)
        for term, text in rows:
            self.write(indent + term)
            lines = _wrap(text, text_width) or [""]
            if _width(term) + col_spacing > first:  # a long term: its text on the next line
                self.write("\n" + indent + " " * first)
            else:
                self.write(" " * (first - _width(term)))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(indent + " " * first + line + "\n")


class _Context(click.Context):
    formatter_class = _Formatter


class _ChineseHelp:
    """Help screens in Chinese: usage line, section titles and the --help option itself."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        usage = chinese_record((" ".join(pieces), ""))[0]
        formatter.write_usage(ctx.command_path, usage, prefix="用法：")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [chinese_record(r) for p in self.get_params(ctx) if (r := p.get_help_record(ctx))]  # type: ignore[attr-defined]
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


# click's words in a help screen: the kinds of values, defaults, ranges.
_METAVARS = (("INTEGER RANGE", "整数"), ("FLOAT RANGE", "数字"), ("DIRECTORY", "目录"),
             ("INTEGER", "整数"), ("FLOAT", "数字"), ("FILES", "文件"), ("FILE", "文件"),
             ("PATH", "路径"), ("TEXT", "文字"))  # fmt: skip
_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]$")


def chinese_record(record: tuple[str, str]) -> tuple[str, str]:
    """One option's line of a help screen in Chinese: ``--inbox 目录``, ``（默认：inbox）``."""
    option, text = record
    for english, chinese in _METAVARS:
        option = re.sub(rf"(?<![A-Za-z]){english}(?![A-Za-z])", chinese, option)
    found = _EXTRA.search(text)
    if found:
        said = [_extra_word(part) for part in found.group(1).split("; ")]
        text = text[: found.start()] + "（" + "；".join(said) + "）"
    return option, text


def _extra_word(part: str) -> str:
    if part.startswith("default: "):
        return "默认：" + part.removeprefix("default: ")
    if part == "required":
        return "必须给出"
    if m := re.fullmatch(r"(\S+)<=x<=(\S+)", part):
        return f"{m.group(1)}–{m.group(2)}"
    if m := re.fullmatch(r"x>=(\S+)", part):
        return f"不小于 {m.group(1)}"
    return part


class Command(_ChineseHelp, click.Command):
    context_class = _Context

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class Group(_ChineseHelp, click.Group):
    command_class = Command
    context_class = _Context

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
