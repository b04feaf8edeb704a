"""Run the board: check the address and password rules, then serve with uvicorn until Ctrl-C."""

from __future__ import annotations

import os
import threading
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.errors import FatalError
from xl2report.web.app import WebConfig, create_app
from xl2report.web.security import PASSWORD_ENV, is_loopback

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp


def check_config(config: WebConfig) -> WebConfig:
    """Refuse unsafe or unusable settings with a Chinese message (FatalError)."""
    if config.password is None:
        config.password = os.environ.get(PASSWORD_ENV) or None
    if not is_loopback(config.host) and not config.password:
        raise FatalError(
            f"在 {config.host} 上开放工作台（办公网络上其他电脑可以访问）必须设置密码："
            f"加 --password 或设置环境变量 {PASSWORD_ENV}。只在本机使用时请去掉 --host。"
        )
    if config.password is not None and len(config.password) < 8 and not is_loopback(config.host):
        raise FatalError("在办公网络上开放时，密码至少 8 个字符。")
    inbox = Path(config.inbox)
    if inbox.exists() and not inbox.is_dir():
        raise FatalError(f"收件目录 {inbox} 是一个文件，不是文件夹。")
    inbox.mkdir(parents=True, exist_ok=True)
    Path(config.outbox).mkdir(parents=True, exist_ok=True)
    return config


def url_of(config: WebConfig) -> str:
    """The address to open in a browser."""
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config.port}/"


def server_config(app: ASGIApp, config: WebConfig) -> uvicorn.Config:
    """How uvicorn serves the board: h11 with a deadline for each request head, short
    keep-alive, a cap on the size of a request head; no proxy headers trusted (the client
    address the sign-in limits count is the connection's own)."""
    import uvicorn

    from xl2report.web.http_limits import MAX_HEAD_BYTES, header_protocol

    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        http=header_protocol(config.header_timeout),
        ws="none",
        lifespan="on",
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


def serve(config: WebConfig, open_browser: bool = False) -> None:
    """Serve the board until Ctrl-C (uvicorn's own signal handling stops it cleanly)."""
    import uvicorn

    config = check_config(config)
    app = create_app(config)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url_of(config),)).start()
    uvicorn.Server(server_config(app, config)).run()
