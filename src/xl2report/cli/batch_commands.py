"""The main job, inbox -> outbox: ``run`` and ``watch``."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import COPY_THRESHOLD_OPTION, EXIT_FATAL, EXIT_FINDINGS, EXIT_OK
from xl2report.cli.streams import json_text


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
        click.option("--previous-year", type=click.Path(path_type=Path, exists=True),
                     help="上一年度的数据，用于跨年度核对：上年的输出目录（用其台账里已通过的报送，"
                          "与 template --previous-year 相同）或上年工作簿所在的文件夹；"
                          "本台账里已通过的上一年度报送总会用到。"),
        click.option("--pdf", is_flag=True, help="同时生成 PDF（需要 LibreOffice）。"),
        click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                     help="登记名单（.xlsx/.csv），报送按名单核对。"),
        click.option("--move-processed", is_flag=True,
                     help="处理后把原文件移到收件目录的“已处理”子目录（默认不动原文件）。"),
        click.option("--settle", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="判断文件是否写完：这么多秒内改动过的文件，等到这段时间过后再看一次；"
                          "更早写好的文件立即处理。"),
        click.option("--word-template", type=click.Path(path_type=Path, exists=True,
                                                        dir_okay=False),
                     help="自定义的 Word 模板。"),
        COPY_THRESHOLD_OPTION,
        click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
                     help="每个文件最多处理多少秒；超时的文件记为“无法读取”（无法处理），其余照常。"),
        click.option("--retry", is_flag=True,
                     help="重新处理所有记为“无法处理”的文件（超时、工作进程退出的文件平时会自动"
                          "重试 2 次）。"),
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
        word_template=kw["word_template"], copy_threshold=kw["copy_threshold"] / 100,
        timeout=kw["timeout"], retry=kw["retry"],
    )  # type: ignore[arg-type]  # fmt: skip


@cli.command()
@_batch_options
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部输入文件的处理结果。")
def run(as_json: bool, **kw: object) -> None:
    """处理收件目录：逐个校验，通过的生成 Word 年报，未通过的生成退回反馈表，全部记入台账。

    \b
    再次运行只处理新文件；同一内容换了文件名按重复报送记录。
    退出码：0 没有单位的当前报送被退回或待确认名称，也没有无法读取的文件；1 有；
    2 致命问题（如另一个运行正在进行）。
    """
    from xl2report.batch.session import run_batch
    from xl2report.cli.console import print_run, run_progress

    tally = _Tally()
    try:
        with run_progress(click.get_current_context().obj["verbosity"]) as on_event:
            result = run_batch(_run_options(**kw), tally.wrap(on_event))
    except KeyboardInterrupt:
        click.echo(tally.interrupted(), err=True)
        sys.exit(EXIT_FATAL)
    exit_code = _exit_code(result, kw)
    if as_json:
        click.echo(json_text(result.to_dict() | {"exit_code": exit_code}))  # fmt: skip
    else:
        print_run(result)
    sys.exit(exit_code)


class _Tally:
    """Counts what a run has done, so a Ctrl-C can say what is done and what remains."""

    def __init__(self) -> None:
        self.planned = 0
        self.done: Counter[str] = Counter()

    def wrap(self, sink):  # type: ignore[no-untyped-def]
        def on_event(event) -> None:  # type: ignore[no-untyped-def]
            if event.kind == "plan":
                self.planned = event.total
            elif (
                event.kind == "file"
                and event.result is not None
                and event.result.new
                and event.result.status.value != "duplicate"
            ):
                self.done[event.result.label] += 1
            sink(event)

        return on_event

    def interrupted(self) -> str:
        n = sum(self.done.values())
        parts = "，".join(f"{label} {k}" for label, k in self.done.items())
        left = max(self.planned - n, 0)
        return (
            f"已中止：本次已处理 {n} 个文件" + (f"（{parts}）" if parts else "")
            + f"，还有 {left} 个未处理。已处理的结果都已记入台账、输出文件已就位；"
            "再次运行 xl2report run 会接着处理剩下的文件。"
        )  # fmt: skip


def _exit_code(result, kw: dict[str, object]) -> int:  # type: ignore[no-untyped-def]
    """1 when a file in the inbox is a problem, or (the campaign's view) some unit's current
    submission is rejected or held, even if its files have left the inbox; else 0."""
    from xl2report.cli.county_commands import open_ledger
    from xl2report.county.campaign import campaign_needs_attention

    if result.exit_code:
        return result.exit_code
    years = {f.year for f in result.files if f.year}
    with open_ledger(kw["outbox"], kw["ledger"]) as book:  # type: ignore[arg-type]
        return EXIT_FINDINGS if campaign_needs_attention(book, years) else EXIT_OK


@cli.command()
@_batch_options
@click.option("--json", "as_json", is_flag=True, help="每处理一批，输出一行 JSON。")
def watch(as_json: bool, **kw: object) -> None:
    """监视收件目录：有新文件且写完后自动处理（同 run）；按 Ctrl-C 停止。"""
    from xl2report.batch.watch import watch as watch_inbox
    from xl2report.cli.console import print_run, run_progress

    told: list[str] = []  # files open in WPS/Word already reported (said again when it changes)

    def on_run(result) -> None:  # type: ignore[no-untyped-def]
        if as_json:
            click.echo(json_text(result.to_dict(), indent=None))
        elif any(f.new for f in result.files) or result.open_files != told:
            print_run(result, only_new=True)
        told[:] = result.open_files

    click.echo(f"正在监视 {kw['inbox']}（按 Ctrl-C 停止）…", err=True)
    with run_progress(click.get_current_context().obj["verbosity"]) as on_event:
        summary = watch_inbox(_run_options(**kw), on_run, on_event)
    click.echo(
        f"已停止监视：共运行 {summary.runs} 次，新处理 {summary.processed} 个文件。", err=True
    )
