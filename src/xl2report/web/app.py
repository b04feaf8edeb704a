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
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xl2report.batch.ledger import Ledger
from xl2report.batch.records import RunOptions
from xl2report.batch.session import STATE_DIR, default_ledger
from xl2report.county.units import UnitState
from xl2report.form.characters import without_format
from xl2report.log import logger
from xl2report.report import office
from xl2report.web.security import (
    COOKIE,
    SESSION_SECONDS,
    Guard,
    Session,
    allowed_host,
    same_origin,
)
from xl2report.web.signin import SignInLimiter
from xl2report.web.units import Board, BoardPage, load_board, org_html
from xl2report.web.upload_form import StreamedForm, read_form
from xl2report.web.uploads import ACCEPTED_SUFFIXES, Processor, outbox_missing

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
FORM_BYTES = 1_000_000  # a form without files (the longest is 发送模板's body)
MAX_KEPT_ROWS = 5_000  # rows of HTML kept between requests (a few pages of a large board)


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
    max_upload_bytes: int = 100_000_000  # one upload request, all its files together
    max_parallel_uploads: int = 3  # uploads read at the same time; more wait (503)
    header_timeout: float = 10.0  # seconds a connection may take to send its request head
    settle: float = 0.3
    wait_seconds: float = 8.0  # how long an upload waits for its result before redirecting
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger_path(self) -> Path:
        """The ledger file the board reads."""
        return Path(self.ledger) if self.ledger else default_ledger(Path(self.outbox))

    @property
    def max_request_bytes(self) -> int:
        """Largest request of any kind (an upload with its form overhead)."""
        return max(self.max_upload_bytes, FORM_BYTES) + 100_000

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
        self.signin = SignInLimiter(Path(config.outbox) / STATE_DIR / "logs" / "signin.log")
        self.processor = Processor(config.run_options())
        self.templates = Environment(
            loader=PackageLoader("xl2report.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_shown,
        )
        self.templates.filters["words"] = org_html  # a unit's name, broken between words
        # The upload form's file picker offers what the inbox takes (one list, xlsx.sniff's).
        self.templates.globals["workbook_accept"] = ",".join(sorted(ACCEPTED_SUFFIXES))
        self.asset_version = _asset_version()
        # Recent uploads by a random id, so the board can say what became of each file.
        self.recent: dict[str, list[dict[str, str]]] = {}
        self._board: tuple[tuple[str, int | None, date], Board] | None = None
        self._rows: dict[tuple[int, UnitState | None], Markup] = {}
        self._row_html: dict[tuple[object, ...], str] = {}
        self.pdf_on_demand = office.available()  # PDFs of reports made when first asked for
        self.uploads_reading = 0  # uploads being read right now (config.max_parallel_uploads)

    def ledger(self) -> Ledger:
        """A fresh connection to the ledger (WAL: reading never blocks a run); the board never
        makes a new one while serving (:func:`~xl2report.web.uploads.outbox_missing`)."""
        gone = outbox_missing(self.config.outbox, self.config.ledger_path)
        if gone:
            raise HTTPException(503, gone)
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

    def rows_html(self, board: Board, view: BoardPage, state: UnitState | None) -> Markup:
        """The units table's rows of one page of ``board`` (``view``, in filter ``state``).

        序号 is the roster position, the same in every filter and page.  A row's HTML is kept
        while everything it shows is unchanged, so after one upload only that unit's row is
        made again; each page is kept per board, filter, search and page number.
        """
        key = (id(board), state, view.query, view.page)
        cached = self._rows.get(key)
        if cached is not None:
            return cached
        row = self.templates.get_template("rows.html").module.row  # type: ignore[attr-defined]
        year_query = f"&year={board.year}" if board.year else ""
        previous, kept = self._row_html, {}
        parts = []
        for pos, u in view.rows:
            shown = (pos, year_query, u.org, u.state, u.headline, u.overdue_days, u.in_roster,
                     u.contact, u.email, bool(u.history), u.current, u.to_review,
                     u.accepted_before)  # fmt: skip
            html = previous.get(shown)
            if html is None:
                html = str(row(pos, u, year_query, self.pdf_on_demand))
            kept[shown] = html
            parts.append(html)
        self._row_html = kept if len(previous) > MAX_KEPT_ROWS else previous | kept
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


def _shown(value: object) -> object:
    """Every value a page shows, without bidi overrides or other invisible format characters
    (``a‮gnp.xlsx`` would read as ``axlsx.png``); our own markup passes as markup."""
    if isinstance(value, Markup):
        return Markup(without_format(str(value)))
    if isinstance(value, str):
        return without_format(value)
    return value


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
        cookie = request.cookies.get(COOKIE)
        malformed = cookie is not None and not (cookie.isascii() and cookie.isprintable())
        session = None if malformed else web.guard.decode(cookie)
        fresh = session is None
        request.state.session = session or web.guard.new_session(authenticated=False)
        request.state.session_changed = fresh
        gone = "" if request.url.path.startswith("/static/") else outbox_missing(
            config.outbox, config.ledger_path
        )

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

        if gone:
            response = web.error(request, gone, status=503)
        elif malformed:  # no browser sends this: answered, and a fresh cookie given
            response = web.error(request, "浏览器发来的会话 Cookie 无法识别，已重新设置；请刷新页面。",
                                 status=400)  # fmt: skip
        elif request.method not in ("GET", "HEAD") and not same_origin(
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


async def checked_form(
    request: Request, *, max_total: int = FORM_BYTES, max_file: int = 0, max_files: int = 0
) -> StreamedForm:
    """The POST body as a form, read as it streams in under hard caps
    (:func:`~xl2report.web.upload_form.read_form`), after which the CSRF token is checked;
    HTTP errors in Chinese otherwise.  The caller closes it (:meth:`StreamedForm.close`)."""
    web = web_of(request)
    form = await read_form(request, max_total=max_total, max_file=max_file, max_files=max_files)
    if not web.guard.csrf_ok(request.state.session, form.get("csrf")):
        form.close()
        raise HTTPException(
            403, "表单已过期或不是从本工作台发出的（缺少或错误的校验码），请刷新页面后重试。"
        )
    return form


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a Chinese page (the details are in the log), never a bare 500."""
    logger.exception("工作台处理 {} {} 时出错", request.method, request.url.path)
    message = (f"工作台处理这个请求时出错（{type(exc).__name__}），没有完成；其他功能不受影响。"
               "请刷新页面后再试一次；仍然出错请把输出目录 .xl2report/logs 中的日志发给维护人员。")  # fmt: skip
    if not hasattr(request.state, "session"):
        return PlainTextResponse(message, status_code=500)
    return web_of(request).error(request, message, status=500)


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
    Ledger.open(config.ledger_path).close()  # made at start only; never later (outbox_missing)
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
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=_lifespan,  # (bodies are capped by each form's reader: read_form)
    )
    app.state.web = web
    return app
