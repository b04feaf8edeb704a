"""The local web board: ``serve``."""

from __future__ import annotations

from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import UserError


@cli.command()
@click.option("--inbox", type=click.Path(path_type=Path, file_okay=False), default="inbox",
              show_default=True, help="收件目录：上传的文件放在这里（与 run 相同）。")  # fmt: skip
@click.option("--outbox", type=click.Path(path_type=Path), default="outbox", show_default=True,
              help="输出目录：年报、退回的反馈表、台账（与 run 相同）。")  # fmt: skip
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False),
              help="台账文件（默认：输出目录/.xl2report/ledger.sqlite）。")  # fmt: skip
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="先登记这份名单（.xlsx/.csv）。")  # fmt: skip
@click.option("--templates", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="“邮件 › 发送模板”发送这个目录中的模板（如 template --roster --previous-year "
                   "生成的）；不给时在网页上按名单生成。")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听的地址；只有本机可访问。在办公网络上开放（如 0.0.0.0）必须设密码。")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="端口。")  # fmt: skip
@click.option("--password", help="访问密码（也可用环境变量 XL2REPORT_PASSWORD，更安全）。")
@click.option("--pdf", is_flag=True, help="上传处理时同时生成 PDF（需要 LibreOffice）。")
@click.option("--open", "open_browser", is_flag=True, help="启动后用默认浏览器打开。")
def serve(
    inbox: Path,
    outbox: Path,
    ledger: Path | None,
    roster: Path | None,
    templates: Path | None,
    host: str,
    port: int,
    password: str | None,
    pdf: bool,
    open_browser: bool,
) -> None:
    """本地网页工作台：各单位报送情况、上传报回的工作簿、查看问题、下发模板和汇总。

    \b
    默认只在本机开放：浏览器打开 http://127.0.0.1:8765/ 。按 Ctrl-C 停止。
    与 run/watch 使用同一个收件目录、输出目录和台账，可以同时开着 watch。
    """
    from xl2report.batch.ledger import Ledger
    from xl2report.batch.roster import read_roster

    try:
        from xl2report.web.app import WebConfig
        from xl2report.web.server import check_config, url_of
        from xl2report.web.server import serve as serve_board
    except ImportError as exc:  # a damaged install: the board's packages are dependencies
        raise UserError(
            f"网页工作台的组件没有装全（缺少 {exc.name}）：请重新安装 xl2report"
            "（离线安装包的 安装.bat 或 install.sh，联网时 pip install .）。"
        ) from exc

    config = check_config(WebConfig(inbox=inbox, outbox=outbox, ledger=ledger, templates=templates,
                                    host=host, port=port, password=password, pdf=pdf))  # fmt: skip
    if roster is not None:
        with Ledger.open(config.ledger_path) as book:
            book.set_roster(read_roster(roster), str(roster))
    click.echo(f"报送工作台已启动：{url_of(config)}（按 Ctrl-C 停止）", err=True)
    if config.password:
        click.echo("已设置访问密码；在其他电脑的浏览器中打开上面的地址并输入密码。", err=True)
    serve_board(config, open_browser=open_browser)
    click.echo("工作台已停止。", err=True)
