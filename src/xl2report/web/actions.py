"""What the board does (POST): sign in and out, upload workbooks, register a roster, hand out
templates, and the unit page's actions.  Each handler reads its form through
:func:`~xl2report.web.app.checked_form` (CSRF token) after the middleware's same-origin check.
"""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from xl2report.compat import iso_date
from xl2report.county.campaign import confirm_held, confirm_sender
from xl2report.errors import FatalError
from xl2report.form.national import FORM_TITLE
from xl2report.web import handout
from xl2report.web.app import checked_form, web_of
from xl2report.web.pages import handout_page
from xl2report.web.signin import locked_message
from xl2report.web.uploads import UploadRefused, store_upload, upload_name

FAILED_LOGIN_PAUSE = 1.0  # seconds before answering a wrong password
MAX_RECENT = 50  # upload notes kept for the board's “本次上传” box


async def login(request: Request) -> Response:
    """Check the password (constant time); a new session on success.  An address locked out
    for guessing is answered 429 before anything else, its password not checked at all."""
    web = web_of(request)
    address = request.client.host if request.client else ""
    if wait := web.signin.retry_after(address):
        return _locked(request, wait)
    form = await checked_form(request)
    if wait := web.signin.retry_after(address):  # locked while this form was arriving
        return _locked(request, wait)
    password = form.get("password")
    if isinstance(password, str) and web.guard.password_ok(password):
        web.signin.succeeded(address)
        request.state.session = web.guard.new_session(authenticated=True)
        request.state.session_changed = True
        return RedirectResponse("/", status_code=303)
    web.signin.failed(address)  # counted before any await: parallel guesses cannot slip by
    await asyncio.sleep(FAILED_LOGIN_PAUSE)  # slows down guessing; the right password is not
    return web.page(request, "login.html", status=403, error="密码不对，请重新输入。")


def _locked(request: Request, wait: int) -> Response:
    response = web_of(request).page(request, "login.html", status=429, error=locked_message(wait))
    response.headers["Retry-After"] = str(wait)
    return response


async def logout(request: Request) -> Response:
    """End the sign-in on the server (every copy of the cookie) and start an anonymous session."""
    web = web_of(request)
    await checked_form(request)
    web.guard.end(request.state.session)
    request.state.session = web.guard.new_session(authenticated=False)
    request.state.session_changed = True
    return RedirectResponse("/login" if web.guard.needs_password else "/", status_code=303)


async def upload(request: Request) -> Response:
    """Store each uploaded workbook in the inbox, process them like ``run``, show the result.

    At most ``max_parallel_uploads`` uploads are read at once (others are asked to wait, 503);
    each is read under hard caps as it streams in (:mod:`xl2report.web.upload_form`)."""
    web = web_of(request)
    config = web.config
    if web.uploads_reading >= config.max_parallel_uploads:
        response = web.error(request, "正在接收其他上传的文件，请过几秒再上传。", status=503)
        response.headers["Retry-After"] = "5"
        return response
    web.uploads_reading += 1
    notes: list[dict[str, str]] = []
    stored: list[str] = []
    try:
        form = await checked_form(request, max_total=config.max_upload_bytes,
                                  max_file=config.max_file_bytes, max_files=config.max_files)  # fmt: skip
        try:
            for item in form.files:
                if item.field != "files" or not item.filename:
                    continue
                shown = upload_name(item.filename)
                if item.refused:
                    notes.append({"original": shown, "message": f"“{shown}”{item.refused}"})
                    continue
                try:
                    kept = await run_in_threadpool(store_upload, config.inbox, item.filename,
                                                   item.read(), config.max_file_bytes)  # fmt: skip
                except UploadRefused as exc:
                    notes.append({"original": shown, "message": str(exc)})
                    continue
                notes.append({"original": kept.original, "rel": kept.rel, "sha256": kept.sha256})
                stored.append(kept.rel)
        finally:
            form.close()
    finally:
        web.uploads_reading -= 1
    if not notes:
        return web.error(
            request, "没有选择文件：请选择一个或多个报回的 Excel 工作簿（.xlsx）再上传。"
        )
    web.processor.submit(stored)
    if stored:
        await run_in_threadpool(web.processor.wait, stored, web.config.wait_seconds)
    batch = secrets.token_urlsafe(9)
    web.recent[batch] = notes
    while len(web.recent) > MAX_RECENT:
        web.recent.pop(next(iter(web.recent)))
    return RedirectResponse(f"/?upload={batch}", status_code=303)


async def roster(request: Request) -> Response:
    """Register an uploaded roster (replaces the registered one)."""
    web = web_of(request)
    form = await checked_form(request, max_total=handout.MAX_ROSTER_BYTES + 100_000,
                              max_file=handout.MAX_ROSTER_BYTES, max_files=1)  # fmt: skip
    try:
        item = next((f for f in form.files if f.field == "roster" and f.filename), None)
        if item is None:
            return handout_page(request, error="请选择名单文件（.xlsx 或 .csv）。", status=400)
        if item.refused:
            return handout_page(request, error=f"名单“{upload_name(item.filename)}”{item.refused}",
                                status=400)  # fmt: skip
        name, data = item.filename, item.read()
    finally:
        form.close()

    def register() -> int:
        with web.ledger() as ledger:
            return len(handout.register_roster(ledger, web.config.outbox, name, data))

    try:
        count = await run_in_threadpool(register)
    except FatalError as exc:
        return handout_page(request, error=str(exc), status=400)
    web.processor.request_pass()  # units on the new roster may match files already received
    return handout_page(request, message=f"已登记名单：共 {count} 个单位。")


async def templates(request: Request) -> Response:
    """The personalised templates of every roster unit as one zip."""
    web = web_of(request)
    form = await checked_form(request)
    year_text = str(form.get("year") or "").strip()
    submit_to = str(form.get("submit_to") or "").strip()
    deadline = str(form.get("deadline") or "").strip()
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4
            and 2000 <= int(year_text) <= 2100):  # fmt: skip
        return handout_page(
            request, error=f"年度应为四位数字（如 2024），收到的是“{year_text}”。", status=400
        )
    year = int(year_text)
    try:
        due = iso_date(deadline) if deadline else None
    except ValueError:
        return handout_page(
            request,
            error=f"截止日期应为 年-月-日（如 2025-01-20），收到的是“{deadline}”。",
            status=400,
        )
    submit_to = handout.submit_note(submit_to, due)

    def build() -> bytes:
        with web.ledger() as ledger:
            entries = ledger.roster()
            data = handout.templates_zip(entries, year, submit_to, web.config.outbox)
            if due is not None:  # remembered for the board's overdue marks, as status --deadline
                ledger.set_deadline(year, due)
        return data

    try:
        data = await run_in_threadpool(build)
    except FatalError as exc:
        return handout_page(request, error=str(exc), status=400)
    name = f"{year}年{FORM_TITLE}填报模板.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}"},
    )


async def confirm(request: Request) -> Response:
    """确认为名单中的单位: a held file's 机关名称 becomes an alias of a roster unit; the file is
    then processed again under the roster's name."""
    web = web_of(request)
    form = await checked_form(request)
    row_id, official = _int(form.get("row")), str(form.get("official") or "")

    def decide() -> bool:
        with web.ledger() as ledger:
            return row_id is not None and confirm_held(ledger, row_id, official)

    if not await run_in_threadpool(decide):
        return web.error(
            request,
            "无法确认：这个文件已不在待确认名称中，或名单里没有这个单位。请刷新页面后重试。",
            status=409,
        )
    web.processor.request_pass()
    await run_in_threadpool(web.processor.wait_pass, web.config.wait_seconds)
    return RedirectResponse(f"/unit?org={quote(official)}", status_code=303)


async def adopt(request: Request) -> Response:
    """确认采用: a file held because of the address it was mailed from is the unit's after all;
    the address becomes known for the unit (with the time) and the file is processed again."""
    web = web_of(request)
    form = await checked_form(request)
    row_id = _int(form.get("row"))

    def decide() -> str | None:
        with web.ledger() as ledger:
            known = confirm_sender(ledger, row_id) if row_id is not None else None
            return known.org if known else None

    org = await run_in_threadpool(decide)
    if org is None:
        return web.error(request, "无法确认采用：这个文件已不在待确认来源中，请刷新页面后重试。",
                         status=409)  # fmt: skip
    web.processor.request_pass()
    await run_in_threadpool(web.processor.wait_pass, web.config.wait_seconds)
    return RedirectResponse(f"/unit?org={quote(org)}", status_code=303)


async def review(request: Request) -> Response:
    """已核对: record in the ledger (with the time) that a person checked one warning."""
    web = web_of(request)
    form = await checked_form(request)
    row_id = _int(form.get("row"))
    code, sheet, cell = (str(form.get(k) or "") for k in ("code", "sheet", "cell"))

    def mark() -> str | None:
        with web.ledger() as ledger:
            row = ledger.get(row_id) if row_id is not None else None
            if row is None or not any(
                f.get("code") == code and (f.get("sheet") or "") == sheet
                and (f.get("cell") or "") == cell for f in row.finding_dicts()
            ):  # fmt: skip
                return None
            ledger.mark_reviewed(row.sha256, code, sheet, cell)
            return row.org

    org = await run_in_threadpool(mark)
    if org is None:
        return web.error(
            request, "没有找到这条提醒（文件可能已被新版本取代），请刷新页面后重试。", status=409
        )
    return RedirectResponse(f"/unit?org={quote(org)}#row-{row_id}", status_code=303)


async def retry(request: Request) -> Response:
    """重新处理: process every 无法处理 file again (as ``run --retry``), then show the board."""
    web = web_of(request)
    await checked_form(request)
    web.processor.request_pass(retry=True)
    await run_in_threadpool(web.processor.wait_pass, web.config.wait_seconds)
    return RedirectResponse("/#unreadable", status_code=303)


def _int(value: object) -> int | None:
    """A row id from a form ("１２", "²" and 30-digit numbers are no id)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def unit_routes() -> list[Route]:
    """The unit page's actions (name confirmation, warnings reviewed) and 重新处理."""
    return [
        Route("/unit/confirm", confirm, methods=["POST"]),
        Route("/unit/adopt", adopt, methods=["POST"]),
        Route("/unit/review", review, methods=["POST"]),
        Route("/retry", retry, methods=["POST"]),
    ]
