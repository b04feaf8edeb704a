"""The Starlette application: configuration, the request guard, templates and routes.

Every request passes :class:`GuardMiddleware` (Host check, session cookie, sign-in, same
origin for POST); every POST handler reads its form through :func:`checked_form`, which also
checks the CSRF token.  Pages are Jinja2 templates with autoescaping on; CSS and JS are served
from the package (offices are often offline).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.datastructures import FormData, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xl2report.batch.ledger import Ledger
from xl2report.batch.records import RunOptions
from xl2report.batch.session import default_ledger
from xl2report.county.units import UnitState
from xl2report.report import office
from xl2report.web.security import (
    COOKIE,
    SESSION_SECONDS,
    Guard,
    Session,
    allowed_host,
    same_origin,
)
from xl2report.web.units import Board, load_board
from xl2report.web.uploads import ACCEPTED_SUFFIXES, Processor

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
OPEN_PATHS = ("/login", "/static/")


@dataclass
class WebConfig:
    """What ``xl2report serve`` was started with."""

    inbox: Path
    outbox: Path
    ledger: Path | None = None
    templates: Path | None = None  # templates to send (serve --templates); else the board's own
    host: str = "127.0.0.1"
    port: int = 8765
    password: str | None = None
    pdf: bool = False
    max_file_bytes: int = 20_000_000  # the reader refuses larger workbooks anyway
    max_files: int = 50
    settle: float = 0.3
    wait_seconds: float = 8.0  # how long an upload waits for its result before redirecting
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger_path(self) -> Path:
        """The ledger file the board reads."""
        return Path(self.ledger) if self.ledger else default_ledger(Path(self.outbox))

    @property
    def max_request_bytes(self) -> int:
        """Largest upload request accepted (all files plus form overhead)."""
        return self.max_file_bytes * self.max_files + 1_000_000

    def run_options(self) -> RunOptions:
        """The batch options uploads are processed with (as ``run`` would, one process)."""
        return RunOptions(
            inbox=Path(self.inbox).absolute(),
            outbox=Path(self.outbox).absolute(),
            ledger=Path(self.ledger).absolute() if self.ledger else None,
            jobs=1,
            pdf=self.pdf,
            settle=self.settle,
        )


class Web:
    """What every handler needs: configuration, guard, processor, templates."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.guard = Guard(config.password)
        self.processor = Processor(config.run_options())
        self.templates = Environment(
            loader=PackageLoader("xl2report.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # The upload form's file picker offers what the inbox takes (one list, xlsx.sniff's).
        self.templates.globals["workbook_accept"] = ",".join(sorted(ACCEPTED_SUFFIXES))
        self.asset_version = _asset_version()
        # Recent uploads by a random id, so the board can say what became of each file.
        self.recent: dict[str, list[dict[str, str]]] = {}
        self._board: tuple[tuple[str, int | None, date], Board] | None = None
        self._rows: dict[tuple[int, UnitState | None], Markup] = {}
        self._row_html: dict[tuple[object, ...], str] = {}
        self.pdf_on_demand = office.available()  # PDFs of reports made when first asked for

    def ledger(self) -> Ledger:
        """A fresh connection to the ledger (WAL: reading never blocks a run)."""
        return Ledger.open(self.config.ledger_path)

    def ledger_stamp(self) -> str:
        """Changes whenever the ledger file changes, whichever process wrote it (WAL mode
        writes the -wal file first, a checkpoint the main file)."""
        parts = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.config.ledger_path}{suffix}")
                parts.append(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}")
            except OSError:
                parts.append("-")
        return "|".join(parts)

    def stamp(self) -> str:
        """Changes whenever the board would: the ledger or the upload queue."""
        text = f"{self.ledger_stamp()}|{','.join(self.processor.pending)}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def board(self, year: int | None) -> Board:
        """The board of ``year``, rebuilt only when the ledger (or the date) has changed since
        the last request: the page is asked for far more often than the ledger changes."""
        key = (self.ledger_stamp(), year, date.today())
        cached = self._board
        if cached is not None and cached[0] == key:
            return cached[1]
        with self.ledger() as ledger:
            board = load_board(ledger, year)
        self._board = (key, board)
        self._rows = {}
        return board

    def rows_html(self, board: Board, state: UnitState | None) -> Markup:
        """The units table's rows for ``board`` and a state filter.

        序号 is the roster position, the same in every filter.  A row's HTML is kept while
        everything it shows is unchanged, so after one upload only that unit's row is made
        again; the whole table is kept per board and filter.
        """
        key = (id(board), state)
        cached = self._rows.get(key)
        if cached is not None:
            return cached
        row = self.templates.get_template("rows.html").module.row  # type: ignore[attr-defined]
        year_query = f"&year={board.year}" if board.year else ""
        previous, kept = self._row_html, {}
        parts = []
        for pos, u in enumerate(board.units, start=1):
            if state is not None and u.state is not state:
                continue
            shown = (pos, year_query, u.org, u.state, u.headline, u.overdue_days, u.in_roster,
                     u.contact, u.email, bool(u.history), u.current, u.to_review)  # fmt: skip
            html = previous.get(shown)
            if html is None:
                html = str(row(pos, u, year_query, self.pdf_on_demand))
            kept[shown] = html
            parts.append(html)
        self._row_html = kept if state is None else previous | kept
        cached = self._rows[key] = Markup("".join(parts))  # autoescaped output of our template
        return cached

    def page(self, request: Request, name: str, status: int = 200, **context: object) -> Response:
        """Render a template with what every page needs (session's CSRF token, nav, version)."""
        session: Session = request.state.session
        html = self.templates.get_template(name).render(
            csrf=self.guard.csrf_token(session),
            needs_password=self.guard.needs_password,
            path=request.url.path,
            v=self.asset_version,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def error(self, request: Request, message: str, status: int = 400) -> Response:
        """A page that says in Chinese what went wrong and links back."""
        return self.page(request, "error.html", status=status, message=message)


def _asset_version() -> str:
    digest = hashlib.sha256()
    for p in sorted(STATIC.iterdir()):
        digest.update(p.read_bytes())
    return digest.hexdigest()[:10]


def web_of(request: Request) -> Web:
    """The :class:`Web` the app was created with."""
    return request.app.state.web


class GuardMiddleware:
    """Host check, session cookie, sign-in and same-origin POSTs, before any handler runs.

    A plain ASGI middleware (the response body streams through untouched); it adds the
    security headers and, for a new or changed session, the cookie to the response head.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        web = web_of(request)
        config = web.config
        if not allowed_host(request.headers.get("host", ""), config.host, config.port):
            response: Response = PlainTextResponse(
                "请求的主机名不被允许（Host）。", status_code=400
            )
            await response(scope, receive, send)
            return
        session = web.guard.decode(request.cookies.get(COOKIE))
        fresh = session is None
        request.state.session = session or web.guard.new_session(authenticated=False)
        request.state.session_changed = fresh

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers.append(name, value)
                if request.state.session_changed:  # new visitor, sign-in or sign-out
                    cookie = web.guard.encode(request.state.session)
                    headers.append("set-cookie", f"{COOKIE}={cookie}; Max-Age={SESSION_SECONDS}; "
                                                 "Path=/; HttpOnly; SameSite=Strict")  # fmt: skip
            await send(message)

        if request.method not in ("GET", "HEAD") and not same_origin(
            request.headers.get("host", ""),
            request.headers.get("origin"),
            request.headers.get("referer"),
        ):
            response = web.error(
                request, "请求不是从本工作台的页面发出的，已拒绝（跨站请求）。", status=403
            )
        elif not request.url.path.startswith(OPEN_PATHS) and not web.guard.may_enter(
            request.state.session
        ):
            if request.method in ("GET", "HEAD"):
                response = RedirectResponse("/login", status_code=303)
            else:
                response = web.error(request, "请先输入密码登录。", status=403)
        else:
            await self.app(scope, receive, send_with_headers)
            return
        await response(scope, receive, send_with_headers)


async def checked_form(request: Request, *, files: bool = False) -> FormData:
    """The POST body as a form, after the CSRF token is checked; HTTP errors otherwise."""
    web = web_of(request)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "请求缺少长度（Content-Length）。")
    if int(length) > web.config.max_request_bytes:
        raise HTTPException(
            413,
            f"上传的内容太大（上限 {web.config.max_request_bytes // 1_000_000} MB），"
            f"请分批上传，每次不超过 {web.config.max_files} 个文件。",
        )
    try:
        form = await request.form(
            max_files=web.config.max_files if files else 0,
            max_fields=100,
            max_part_size=1_000_000,
        )
    except HTTPException as exc:
        raise HTTPException(
            400, f"上传的表单无法读取（文件最多 {web.config.max_files} 个）：{exc.detail}"
        ) from exc
    token = form.get("csrf")
    if not web.guard.csrf_ok(request.state.session, token if isinstance(token, str) else None):
        await form.close()
        raise HTTPException(
            403, "表单已过期或不是从本工作台发出的（缺少或错误的校验码），请刷新页面后重试。"
        )
    return form


async def http_error(request: Request, exc: Exception) -> Response:
    """HTTP errors as a Chinese page."""
    assert isinstance(exc, HTTPException)
    if not hasattr(request.state, "session"):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    message = exc.detail if exc.status_code != 404 else "没有这个页面或文件（可能已被移走）。"
    return web_of(request).error(request, str(message), status=exc.status_code)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    web: Web = app.state.web
    web.processor.start()
    web.processor.request_pass()  # files already in the inbox show on the board, as with watch
    try:
        yield
    finally:
        web.processor.stop()


def create_app(config: WebConfig) -> Starlette:
    """The board as an ASGI app; the upload processor starts and stops with it."""
    from xl2report.web import actions, mail_page, mail_send, pages

    web = Web(config)
    web.ledger().close()  # create it now, before the processor thread and requests race to
    routes = [
        Route("/", pages.board),
        Route("/api/stamp", pages.stamp),
        Route("/unit", pages.unit),
        Route("/download/{row_id:int}/{kind:str}", pages.download),
        Route("/preview/{row_id:int}.png", pages.preview),
        Route("/handout", pages.handout),
        Route("/handout/{what:str}.xlsx", pages.workbook),
        Route("/login", pages.login, methods=["GET"]),
        Route("/login", actions.login, methods=["POST"]),
        Route("/logout", actions.logout, methods=["POST"]),
        Route("/upload", actions.upload, methods=["POST"]),
        Route("/handout/roster", actions.roster, methods=["POST"]),
        Route("/handout/templates", actions.templates, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    routes += actions.unit_routes()
    routes += mail_send.routes()  # before /mail/{action}
    routes += mail_page.routes()
    app = Starlette(
        routes=routes,
        middleware=[Middleware(GuardMiddleware)],
        exception_handlers={HTTPException: http_error},
        lifespan=_lifespan,
        max_body_size=config.max_request_bytes,
    )
    app.state.web = web
    return app
