"""The web board without a browser: pages, uploads through the pipeline, and every security
rule (Host, session, password, CSRF, origin, limits, downloads by id, escaping)."""

from __future__ import annotations

import io
import re
import time
import warnings
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("starlette", reason="网页组件（starlette）未安装：pip install 'xl2report[web]'")

from click.testing import CliRunner
from openpyxl import load_workbook

from inbox_helpers import write_invalid, write_valid
from web_helpers import HOSTILE, csrf_of, make_config

with warnings.catch_warnings():  # starlette 1.x suggests httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from xl2report.batch.ledger import Ledger, RosterEntry
from xl2report.batch.runlock import LockHeld, RunLock
from xl2report.cli.main import cli
from xl2report.errors import FatalError
from xl2report.web.app import create_app
from xl2report.web.files import FileKind, resolve
from xl2report.web.server import check_config

BASE = "http://127.0.0.1:8765"
ORIGIN = {"Origin": BASE}
ROSTER = ["甲镇人民政府", "乙乡人民政府", "丙街道办事处"]


def client_for(config) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(config), base_url=BASE, follow_redirects=False)


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, wait_seconds=20)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster([RosterEntry(n, contact="张三", email="a@b.cn") for n in ROSTER], "名单.xlsx")
    files = tmp_path / "files"
    right = write_valid(files / "甲镇.xlsx", ROSTER[0], seed=1)
    wrong = write_invalid(files / "乙乡.xlsx", ROSTER[1], seed=2)
    with client_for(config) as client:
        yield config, client, right, wrong


def upload(client: TestClient, *paths: Path, token: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
    token = token if token is not None else csrf_of(client.get("/").text)
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    headers = kw.pop("headers", ORIGIN)
    return client.post("/upload", data={"csrf": token}, files=files, headers=headers, **kw)


def rows_of(html: str) -> list[str]:
    """The units table's rows (a unit's name is shown with <wbr> between its words: left out)."""
    body = html.split('<table class="units"', 1)[1].split("</tbody>", 1)[0].replace("<wbr>", "")
    return body.split("<tr ")[1:]


def org_of(row: str) -> str:
    return row.split('class="org">')[1].split("<")[0]


def test_board_has_a_row_per_roster_unit_and_counts(setup) -> None:  # type: ignore[no-untyped-def]
    _config, client, _right, _wrong = setup
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    rows = rows_of(page.text)
    assert len(rows) == 3
    assert all("未报送" in r for r in rows)
    assert '<span class="big">0</span><span class="of"> / 3</span>' in page.text


def test_upload_right_and_wrong_then_filters_unit_page_and_downloads(setup) -> None:  # type: ignore[no-untyped-def]
    config, client, right, wrong = setup
    answer = upload(client, right, wrong)
    assert answer.status_code == 303
    board = client.get(answer.headers["location"])
    rows = {org_of(r): r for r in rows_of(board.text)}
    assert "已通过" in rows[ROSTER[0]] and "已退回" in rows[ROSTER[1]] and "未报送" in rows[ROSTER[2]]
    assert "刚才上传的文件" in board.text and "甲镇.xlsx" in board.text
    # Stored under new names inside the inbox's upload folder, never under the given name.
    stored = sorted(p.name for p in (config.inbox / "网页上传").iterdir())
    assert len(stored) == 2 and all(n != "甲镇.xlsx" and n.endswith(".xlsx") for n in stored)

    rejected = client.get("/?state=rejected")
    assert [ROSTER[1] in r for r in rows_of(rejected.text)] == [True]

    unit = client.get("/unit", params={"org": ROSTER[1], "year": 2024})
    assert unit.status_code == 200
    assert "三、依申请公开" in unit.text and '<td class="cell">D6</td>' in unit.text
    feedback_link = unit.text.split('/feedback"')[0].rsplit('href="', 1)[1] + "/feedback"
    feedback = client.get(feedback_link)
    assert feedback.status_code == 200
    assert "filename*=utf-8''" in feedback.headers["content-disposition"]
    assert load_workbook(io.BytesIO(feedback.content)).sheetnames[0] == "校验结果"

    accepted = client.get("/unit", params={"org": ROSTER[0], "year": 2024})
    report_link = accepted.text.split('/report"')[0].rsplit('href="', 1)[1] + "/report"
    report = client.get(report_link)
    assert report.status_code == 200 and report.content[:2] == b"PK"
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(report.content)).paragraphs)
    assert ROSTER[0] in text


def test_post_without_token_or_from_another_site_is_refused(setup) -> None:  # type: ignore[no-untyped-def]
    config, client, right, _wrong = setup
    token = csrf_of(client.get("/").text)
    assert upload(client, right, token="").status_code == 403
    assert upload(client, right, token="forged" + token).status_code == 403
    assert upload(client, right, token=token, headers={"Origin": "http://evil.example"}).status_code == 403
    assert upload(client, right, token=token, headers={}).status_code == 403  # no Origin/Referer
    assert upload(client, right, token=token,
                  headers={"Referer": "http://evil.example/x"}).status_code == 403  # fmt: skip
    assert not (config.inbox / "网页上传").exists()
    # Another browser (no cookie of ours) cannot reuse this page's token either.
    other = TestClient(client.app, base_url=BASE, follow_redirects=False)
    assert upload(other, right, token=token).status_code == 403
    for path in ("/logout", "/handout/roster", "/handout/templates", "/login"):
        assert client.post(path, data={}, headers=ORIGIN).status_code == 403, path


def test_host_header_must_name_this_server(setup) -> None:  # type: ignore[no-untyped-def]
    _config, client, _right, _wrong = setup
    assert client.get("/", headers={"Host": "evil.example:8765"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:9999"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_password_required_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="必须设置密码"):
        check_config(make_config(tmp_path, host="0.0.0.0"))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--inbox", str(tmp_path / "i"),
                                      "--outbox", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code != 0 and "必须设置密码" in str(result.exception or result.output)


def test_password_session_cookie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL2REPORT_PASSWORD", "correct horse 电池")
    config = check_config(make_config(tmp_path, host="0.0.0.0"))
    with TestClient(create_app(config), base_url=BASE, follow_redirects=False) as client:
        assert client.get("/").headers["location"] == "/login"
        assert client.get("/unit?org=x").status_code == 303
        assert client.get("/download/1/report").status_code == 303
        token = csrf_of(client.get("/login").text)
        bad = client.post("/login", data={"csrf": token, "password": "wrong"}, headers=ORIGIN)
        assert bad.status_code == 403 and "密码不对" in bad.text
        good = client.post("/login", data={"csrf": token, "password": "correct horse 电池"},
                           headers=ORIGIN)  # fmt: skip
        assert good.status_code == 303
        cookie = good.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "correct horse" not in cookie
        assert client.get("/").status_code == 200
        # A tampered cookie is a new anonymous session: back to the login page.
        value = client.cookies.get("xl2r_session")
        client.cookies.set("xl2r_session", value.replace(".1.", ".0.", 1)[:-2] + "xx")
        assert client.get("/").status_code == 303


def test_downloads_by_ledger_id_only(setup) -> None:  # type: ignore[no-untyped-def]
    config, client, right, _wrong = setup
    upload(client, right)
    for bad in ("/download/1/../../../../etc/passwd", "/download/999/report",
                "/download/1/..%2F..%2Fledger", "/download/1/vals", "/preview/999.png",
                "/download/x/report", "/static/../app.py"):  # fmt: skip
        assert client.get(bad).status_code in (404, 400), bad
    with Ledger.open(config.ledger_path) as ledger:
        row = ledger.get(1)
        assert row is not None and row.report
        # Even a ledger that names a path outside the outbox is not served.
        from dataclasses import replace

        outside = replace(row, report="../../../../etc/passwd", pdf="/etc/passwd")
        assert resolve(outside, FileKind.REPORT, config.inbox, config.outbox) is None
        assert resolve(outside, FileKind.PDF, config.inbox, config.outbox) is None


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    config = make_config(tmp_path, wait_seconds=20)
    path = write_invalid(tmp_path / "files" / "x.xlsx", HOSTILE, seed=3)
    with client_for(config) as client:
        answer = upload(client, path)
        board = client.get(answer.headers["location"]).text
        unit = client.get("/unit", params={"org": HOSTILE, "year": 2024}).text
    for html in (board, unit):
        assert HOSTILE not in html and "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_upload_limits_and_names(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, client, right, _wrong = setup
    note = tmp_path / "说明.txt"
    note.write_text("x")
    evil = tmp_path / "src" / "evil.xlsx"
    evil.parent.mkdir()
    evil.write_bytes(right.read_bytes())
    token = csrf_of(client.get("/").text)
    files = [("files", ("../../evil.xlsx", evil.read_bytes(), "x")),
             ("files", ("说明.txt", b"x", "text/plain"))]  # fmt: skip
    answer = client.post("/upload", data={"csrf": token}, files=files, headers=ORIGIN)
    board = client.get(answer.headers["location"]).text
    assert "不是 Excel 工作簿" in board
    assert not (config.inbox.parent / "evil.xlsx").exists()
    assert not (config.inbox.parent.parent / "evil.xlsx").exists()
    assert [p.name.endswith("-evil.xlsx") for p in (config.inbox / "网页上传").iterdir()] == [True]
    too_many = [("files", (f"{i}.xlsx", b"PK", "x")) for i in range(config.max_files + 1)]
    answer = client.post("/upload", data={"csrf": token}, files=too_many, headers=ORIGIN)
    assert answer.status_code == 303  # the first 50 taken, the 51st named and left out
    board = client.get(answer.headers["location"]).text
    assert f"“{config.max_files}.xlsx”每次最多上传 {config.max_files} 个文件" in board
    huge = client.post("/upload", data={"csrf": token}, headers=ORIGIN | {
        "Content-Length": str(config.max_request_bytes + 1), "Content-Type": "multipart/form-data; boundary=x"})  # fmt: skip
    assert huge.status_code == 413


def test_upload_waits_for_a_running_watch(setup) -> None:  # type: ignore[no-untyped-def]
    config, client, right, _wrong = setup
    config_wait = client.app.state.web.config
    config_wait.wait_seconds = 1.0
    lock = RunLock(config.ledger_path.parent / "run.lock")
    deadline = time.monotonic() + 20
    while True:  # as `watch` holds it (once the board's own start-up pass is over)
        try:
            lock.acquire()
            break
        except LockHeld:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    try:
        answer = upload(client, right)
        board = client.get(answer.headers["location"]).text
        assert "正在校验上传的 1 个文件" in board and "另一个 xl2report run/watch" in board
        assert "已通过" not in rows_of(board)[0]
    finally:
        lock.release()
    web = client.app.state.web
    assert web.processor.wait([p for p in web.processor.pending], timeout=20)
    assert "已通过" in rows_of(client.get("/").text)[0]


def test_handout_roster_templates_and_workbooks(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _config, client, right, _wrong = setup
    token = csrf_of(client.get("/handout").text)
    csv = "机关名称,联系人,邮箱\n甲镇人民政府,李四,l@x.cn\n丁镇人民政府,王五,w@x.cn\n".encode("gbk")
    answer = client.post("/handout/roster", data={"csrf": token},
                         files=[("roster", ("名单.csv", csv, "text/csv"))], headers=ORIGIN)  # fmt: skip
    assert answer.status_code == 200 and "共 2 个单位" in answer.text
    bad = client.post("/handout/roster", data={"csrf": token},
                      files=[("roster", ("名单.pdf", b"%PDF", "x"))], headers=ORIGIN)  # fmt: skip
    assert bad.status_code == 400 and ".xlsx 或 .csv" in bad.text
    zipped = client.post("/handout/templates", headers=ORIGIN, data={
        "csrf": token, "year": "2024", "deadline": "2025-01-20", "submit_to": "发至 zwgk@example.cn"})  # fmt: skip
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert len(names) == 2 and any(n.startswith("丁镇人民政府") for n in names)
    assert client.get("/handout/summary.xlsx?year=2024").status_code == 409  # nothing passed yet
    upload(client, right)
    for what in ("summary", "status", "reminders"):
        got = client.get(f"/handout/{what}.xlsx?year=2024")
        assert got.status_code == 200 and got.content[:2] == b"PK", what
    reminders = load_workbook(io.BytesIO(client.get("/handout/reminders.xlsx?year=2024").content))
    text = " ".join(str(c.value) for row in reminders.active.iter_rows() for c in row if c.value)
    assert "丁镇人民政府" in text and "甲镇人民政府" not in text


def test_mail_page_is_a_placeholder(setup) -> None:  # type: ignore[no-untyped-def]
    _config, client, _right, _wrong = setup
    page = client.get("/mail")
    assert page.status_code == 200 and "催报" in page.text


def test_deadline_from_the_handout_marks_overdue_units(setup) -> None:  # type: ignore[no-untyped-def]
    _config, client, right, _wrong = setup
    upload(client, right)  # the ledger now knows 2024
    token = csrf_of(client.get("/handout").text)
    zipped = client.post("/handout/templates", headers=ORIGIN, data={
        "csrf": token, "year": "2024", "deadline": "2025-01-20", "submit_to": ""})  # fmt: skip
    assert zipped.status_code == 200
    board = client.get("/?year=2024").text
    assert 'id="deadline"' in board and "2025-01-20" in board
    rows = {org_of(r): r for r in rows_of(board)}
    assert "overdue" in rows[ROSTER[2]].split(">")[0] and "逾期" in rows[ROSTER[2]]
    assert "overdue" not in rows[ROSTER[0]].split(">")[0]
    bad = client.post("/handout/templates", headers=ORIGIN, data={
        "csrf": token, "year": "2024", "deadline": "明天"})  # fmt: skip
    assert bad.status_code == 400 and "截止日期" in bad.text


def test_deadline_box_counts_every_unit_not_yet_accepted(tmp_path: Path) -> None:
    """Past the deadline with one unit accepted and one waiting for its name to be confirmed:
    the one is 未完成 although nobody is overdue (held is the office's move, not the unit's)."""
    from datetime import date

    from xl2report.batch.records import RunOptions
    from xl2report.batch.session import run_batch

    config = make_config(tmp_path, wait_seconds=20)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster([RosterEntry(ROSTER[0]), RosterEntry(ROSTER[2])], "名单.xlsx")
        ledger.set_deadline(2024, date(2025, 1, 20))
    write_valid(config.inbox / "甲.xlsx", ROSTER[0], seed=1)
    write_valid(config.inbox / "丙.xlsx", "丙街道", seed=5)  # not the roster's name: held
    run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0))
    with client_for(config) as client:
        board = client.get("/?year=2024").text
    box = board.split('id="deadline"')[1].split("</div>\n  </div>")[0]
    assert 'id="unfinished">1 个单位未完成' in box and "已过" in box
    assert "待确认名称" in board


def test_confirm_a_held_name_adds_an_alias(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, client, _right, _wrong = setup
    short = write_valid(tmp_path / "丙.xlsx", "丙街道", seed=5)  # not the roster's name
    upload(client, short)
    board = client.get("/?year=2024").text
    assert 'id="unmatched"' in board and "丙街道" in board
    assert f'<option value="{ROSTER[2]}" selected>' in board  # the nearest roster name
    row_id = re.search(r'name="row" value="(\d+)"', board.split('id="unmatched"')[1]).group(1)  # type: ignore[union-attr]
    token = csrf_of(board)
    assert client.post("/unit/confirm", data={"row": row_id, "official": ROSTER[2]},
                       headers=ORIGIN).status_code == 403  # no token  # fmt: skip
    done = client.post("/unit/confirm", data={"csrf": token, "row": row_id, "official": ROSTER[2]},
                       headers=ORIGIN)  # fmt: skip
    assert done.status_code == 303
    with Ledger.open(config.ledger_path) as ledger:
        entry = next(e for e in ledger.roster() if e.name == ROSTER[2])
        assert "丙街道" in entry.aliases
    unit = client.get(done.headers["location"]).text
    assert "已通过" in unit.split('class="headline unit-head"')[1].split("</section>")[0]
    again = client.post("/unit/confirm", data={"csrf": token, "row": 999, "official": ROSTER[2]},
                        headers=ORIGIN)  # fmt: skip
    assert again.status_code == 409


def test_review_a_warning_is_recorded_with_time(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, client, _right, _wrong = setup
    from helpers import make_workbook
    from inbox_helpers import values_for

    values = values_for(ROSTER[0], seed=4)
    values["s2.rules.issued"] = "3"  # a number typed as text: accepted with a warning
    path = make_workbook(tmp_path / "warn.xlsx", values, org=ROSTER[0], year=2024)
    upload(client, path)
    unit = client.get("/unit", params={"org": ROSTER[0], "year": 2024}).text
    assert "已核对</button>" in unit
    form = unit.split('action="/unit/review"')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields["cell"] and fields["sheet"]
    assert client.post("/unit/review", data=fields | {"code": "made-up"},
                       headers=ORIGIN).status_code == 409  # fmt: skip
    assert client.post("/unit/review", data=fields, headers=ORIGIN).status_code == 303
    with Ledger.open(config.ledger_path) as ledger:
        reviews = ledger.reviews()
    assert [(r.code, r.cell) for r in reviews] == [(fields["code"], fields["cell"])]
    assert reviews[0].reviewed_at
    after = client.get("/unit", params={"org": ROSTER[0], "year": 2024}).text
    assert "已核对</button>" not in after.split('class="card submission current"')[1].split("</article>")[0]


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_report_pdf_and_first_page_picture_made_on_demand(setup) -> None:  # type: ignore[no-untyped-def]
    _config, client, right, _wrong = setup
    upload(client, right)
    board = client.get("/").text
    link = re.search(r'href="(/download/\d+/pdf)"', board)
    assert link, "the board offers a PDF when LibreOffice is installed"
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert quote(f"{ROSTER[0]}2024年政府信息公开工作年度报告.pdf") in pdf.headers["content-disposition"]
    picture = client.get(link.group(1).replace("/download/", "/preview/").replace("/pdf", ".png"))
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


def test_no_retry_button_for_files_no_retry_can_help(tmp_path: Path) -> None:
    """A password-protected file reads the same every time: listed, with its reason, and no
    重新处理; deleted from the inbox, it leaves the board (no 原文件 link to a missing file)."""
    from xl2report.batch.records import RunOptions
    from xl2report.batch.session import run_batch

    config = make_config(tmp_path, wait_seconds=20)
    corpus = Path(__file__).parent / "data" / "corpus"
    (config.inbox / "加密.xlsx").write_bytes((corpus / "encrypted.xlsx").read_bytes())
    run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0))
    with client_for(config) as client:
        card = client.get("/").text.split('id="unreadable"')[1].split("</section>")[0]
        assert "加密.xlsx" in card and "/download/" in card
        assert 'action="/retry"' not in card
    (config.inbox / "加密.xlsx").unlink()
    run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0))
    with client_for(config) as client:
        assert 'id="unreadable"' not in client.get("/").text


def test_retry_button_processes_files_that_could_not_be_processed(tmp_path: Path) -> None:
    """重新处理 on the board: a file that timed out (a busy machine) is processed again."""
    from inbox_helpers import set_mtime
    from xl2report.batch.records import RunOptions
    from xl2report.batch.session import run_batch

    config = make_config(tmp_path, wait_seconds=20)
    set_mtime(write_valid(config.inbox / "甲镇.xlsx", ROSTER[0], seed=7), 1_735_000_000)
    for _ in range(3):  # the first try and the two automatic ones, all on a machine too busy
        run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0, timeout=0.001))
    with client_for(config) as client:
        board = client.get("/").text
        card = board.split('id="unreadable"')[1].split("</section>")[0]
        assert 'action="/retry"' in card and "甲镇.xlsx" in card
        assert client.post("/retry", data={"csrf": "wrong"}, headers=ORIGIN).status_code == 403
        done = client.post("/retry", data={"csrf": csrf_of(board)}, headers=ORIGIN)
        assert done.status_code == 303 and done.headers["location"] == "/#unreadable"
        assert 'id="unreadable"' not in client.get("/").text
    with Ledger.open(config.ledger_path) as ledger:
        assert [r.status.value for r in ledger.rows()] == ["accepted"]
