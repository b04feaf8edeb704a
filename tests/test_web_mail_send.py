"""The board's 发送模板 page in a real browser, sending to a real SMTP server on loopback.

The clerk opens 邮件 › 发送模板, generates the templates, sees which unit gets which template
at which address (and which has no address) before anything is sent, sends, and sees the
result; a second press sends nothing unless 再发一次 is ticked.  The messages aiosmtpd received
are checked: recipient, decoded Chinese attachment name, and that the attachment is that unit's
own template.  Failures (no password, wrong password) are one Chinese sentence; a unit whose
mailbox is full is shown with the server's reason and the others still get theirs.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium / chromium-driver 未安装"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]
pytest.importorskip("selenium", reason="selenium 未安装：真实浏览器测试跳过")
pytest.importorskip("uvicorn", reason="网页组件（uvicorn）未安装：pip install 'xl2report[web]'")

from selenium.webdriver.common.by import By  # noqa: E402

from mail_helpers import attachment_org, grep_tree  # noqa: E402
from mail_servers import PASSWORD, Smtp  # noqa: E402
from test_web_browser import make_driver, wait_for  # noqa: E402
from web_helpers import HOSTILE, ServerThread, csrf_of, free_port, make_config  # noqa: E402
from xl2report.batch.ledger import Ledger, RosterEntry  # noqa: E402
from xl2report.batch.roster import template_name  # noqa: E402
from xl2report.web.app import create_app  # noqa: E402

YEAR = 2024
ROSTER = [
    RosterEntry("克井镇人民政府", contact="张三", email="kejing@town.test"),
    RosterEntry("白沙乡人民政府", contact="李四", email="baisha@town.test；bs2@town.test"),
    RosterEntry("五龙口镇人民政府", contact="王五", email=""),
    RosterEntry(HOSTILE, contact="赵六", email="hostile@town.test"),
]
SHOTS = os.environ.get("XL2REPORT_SCREENSHOTS")  # a folder to keep the screenshots in


def _settings(folder: Path, smtp: Smtp) -> None:
    (folder / "xl2report.toml").write_text(
        f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nuser = "{smtp.user}"\n'
        f'from = "县政务公开办 <{smtp.user}>"\nsecurity = "none"\ntimeout = 10\n',
        encoding="utf-8",
    )


@pytest.fixture
def board(tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    monkeypatch.chdir(tmp_path)  # the board reads ./xl2report.toml
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    _settings(tmp_path, smtp)
    config = make_config(tmp_path, port=free_port(), wait_seconds=20)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(ROSTER, "名单.xlsx")
    driver = make_driver(tmp_path / "downloads")
    driver.set_page_load_timeout(60)
    try:
        with ServerThread(create_app(config), config.port) as server:
            yield {"driver": driver, "url": server.url, "config": config, "tmp": tmp_path}
    finally:
        driver.quit()


def _text(driver) -> str:  # type: ignore[no-untyped-def]
    return driver.find_element(By.TAG_NAME, "body").text


def _plan_rows(driver) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    rows = {}
    for tr in driver.find_elements(By.CSS_SELECTOR, "#plan-table tbody tr"):
        cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        rows[cells[0]] = cells[1:]
    return rows


def _shot(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(Path(SHOTS) / name))


def test_send_templates_from_the_board(board: dict, smtp: Smtp) -> None:
    d, url = board["driver"], board["url"]
    d.get(f"{url}/mail")
    _shot(d, "mail-page.png")
    d.find_element(By.ID, "to-send").click()
    wait_for(d, lambda drv: "发送填报模板" in drv.find_element(By.TAG_NAME, "h1").text)
    year_box = d.find_element(By.CSS_SELECTOR, "#year-form input[name=year]")
    year_box.clear()
    year_box.send_keys(str(YEAR))
    d.find_element(By.CSS_SELECTOR, "#year-form button").click()
    wait_for(d, lambda drv: f"还没有 {YEAR} 年的模板" in drv.find_element(By.ID, "plan-problem").text)

    deadline = d.find_element(By.CSS_SELECTOR, "#prepare input[name=deadline]")
    d.execute_script("arguments[0].value = '2025-01-15'", deadline)
    d.find_element(By.ID, "prepare-button").click()
    wait_for(d, lambda drv: "已生成 2024 年模板 4 份" in drv.find_element(By.ID, "message").text)
    rows = _plan_rows(d)
    assert rows["克井镇人民政府"] == ["kejing@town.test", template_name(ROSTER[0], YEAR), "发送"]
    assert rows["白沙乡人民政府"][:2] == ["baisha@town.test；bs2@town.test",
                                         template_name(ROSTER[1], YEAR)]  # fmt: skip
    assert rows["五龙口镇人民政府"][0] == "—" and "名单中没有邮箱" in rows["五龙口镇人民政府"][2]
    assert rows[HOSTILE][2] == "发送"  # hostile text shown as text, not run
    assert "截止日期 2025-01-15" in _text(d)
    assert d.find_element(By.ID, "send-button").text == "发送给 3 个单位"
    assert smtp.received == []  # nothing is sent by looking
    _shot(d, "mail-send-plan.png")

    d.find_element(By.ID, "send-button").click()
    wait_for(d, lambda drv: "已发送 3 封" in drv.find_element(By.ID, "message").text)
    assert "五龙口镇人民政府" in d.find_element(By.ID, "message").text  # needs a person
    result = d.find_element(By.ID, "result").text
    assert "已发送" in result and "名单中没有邮箱" in result
    _shot(d, "mail-send-result.png")

    got = {tuple(to): msg for to, msg in smtp.messages()}
    assert set(got) == {("kejing@town.test",), ("baisha@town.test", "bs2@town.test"),
                        ("hostile@town.test",)}  # fmt: skip
    templates = board["config"].outbox / ".xl2report" / "templates" / str(YEAR)
    for entry, to in ((ROSTER[0], ("kejing@town.test",)),
                      (ROSTER[1], ("baisha@town.test", "bs2@town.test")),
                      (ROSTER[3], ("hostile@town.test",))):  # fmt: skip
        name, org = attachment_org(got[to])
        assert name == template_name(entry, YEAR) and org == entry.name
        data = next(got[to].iter_attachments()).get_content()
        assert data == (templates / name).read_bytes()  # exactly the file the page listed
        assert "2025年1月15日" in got[to].get_body(("plain",)).get_content()

    # Again: the plan says 已发过, and pressing 发送 sends nothing ...
    d.get(f"{url}/mail/send?year={YEAR}")
    assert "已发过" in _plan_rows(d)["克井镇人民政府"][2]
    assert d.find_element(By.ID, "send-button").text == "发送给 0 个单位"
    d.find_element(By.ID, "send-button").click()
    wait_for(d, lambda drv: "已发送 0 封" in drv.find_element(By.ID, "message").text)
    assert len(smtp.received) == 3
    # ... unless 再发一次 is ticked.
    d.find_element(By.ID, "resend").click()
    d.find_element(By.ID, "send-button").click()
    wait_for(d, lambda drv: "已发送 3 封" in drv.find_element(By.ID, "message").text)
    assert len(smtp.received) == 6
    assert grep_tree(board["tmp"], PASSWORD) == []  # not in the ledger, logs or templates


def test_send_failures_are_one_sentence(
    board: dict, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    d, url = board["driver"], board["url"]
    d.get(f"{url}/mail/send?year={YEAR}")
    d.find_element(By.ID, "prepare-button").click()
    wait_for(d, lambda drv: "已生成" in drv.find_element(By.ID, "message").text)

    monkeypatch.delenv("XL2REPORT_MAIL_PASSWORD")  # no password: said before sending
    d.get(f"{url}/mail/send?year={YEAR}")
    problem = d.find_element(By.ID, "send-problem").text
    assert "密码" in problem and "keyring set" in problem and "XL2REPORT_MAIL_PASSWORD" in problem
    assert not d.find_element(By.ID, "send-button").is_enabled()

    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", "wrong-" + PASSWORD)  # server refuses login
    d.get(f"{url}/mail/send?year={YEAR}")
    d.find_element(By.ID, "send-button").click()
    error = wait_for(d, lambda drv: drv.find_element(By.ID, "error").text)
    assert "拒绝了用户名" in error and "没有发出任何邮件" in error
    assert "Traceback" not in _text(d) and PASSWORD not in d.page_source

    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    smtp.full.add("kejing@town.test")  # the first unit's mailbox is full: the others still go
    d.get(f"{url}/mail/send?year={YEAR}")
    d.find_element(By.ID, "send-button").click()
    wait_for(d, lambda drv: "已发送 2 封" in drv.find_element(By.ID, "message").text)
    error = d.find_element(By.ID, "error").text
    assert error.startswith("1 个单位的邮件被服务器拒收，没有发出（其他单位不受影响）")
    assert "克井镇人民政府：收件人 kejing@town.test 的邮箱已满" in error
    result = d.find_element(By.ID, "result").text
    assert "被拒收，未发出（收件人 kejing@town.test 的邮箱已满" in result
    _shot(d, "mail-send-error.png")
    assert sorted(to[0] for to, _ in smtp.received) == ["baisha@town.test", "hostile@town.test"]
    smtp.full.clear()  # a rerun sends the refused one, not the other two again
    d.get(f"{url}/mail/send?year={YEAR}")
    d.find_element(By.ID, "send-button").click()
    wait_for(d, lambda drv: "已发送 1 封" in drv.find_element(By.ID, "message").text)
    assert [to for to, _ in smtp.received][2:] == [["kejing@town.test"]]


def test_send_post_needs_token_and_the_plan_that_was_shown(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    _settings(tmp_path, smtp)
    config = make_config(tmp_path)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(ROSTER[:2], "名单.xlsx")
    origin = {"Origin": "http://127.0.0.1:8765"}
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765",
                    follow_redirects=False) as client:  # fmt: skip
        page = client.get(f"/mail/send?year={YEAR}")
        token = csrf_of(page.text)
        assert client.post("/mail/send/prepare", data={"year": YEAR},
                           headers=origin).status_code == 403  # fmt: skip
        done = client.post("/mail/send/prepare", data={"csrf": token, "year": YEAR},
                           headers=origin)  # fmt: skip
        assert done.status_code == 303
        page = client.get(done.headers["location"]).text
        fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
        sent = client.post("/mail/send", data={"year": YEAR, "fingerprint": fingerprint},
                           headers=origin)  # fmt: skip
        assert sent.status_code == 403 and smtp.received == []  # no CSRF token

        with Ledger.open(config.ledger_path) as ledger:  # the roster changes after the look
            ledger.set_roster(ROSTER[:1], "新名单.xlsx")
        done = client.post("/mail/send", data={"csrf": token, "year": YEAR,
                                               "fingerprint": fingerprint}, headers=origin)  # fmt: skip
        shown = client.get(done.headers["location"]).text
        assert "有了变化，没有发送" in shown and smtp.received == []


def test_serve_templates_folder_is_sent_as_is(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve --templates DIR`` (e.g. made with --previous-year): the page sends that folder
    and offers no 生成模板."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from mail_helpers import write_templates

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    _settings(tmp_path, smtp)
    folder = tmp_path / "prepared"
    paths = write_templates(folder, ROSTER[:1], YEAR)
    config = make_config(tmp_path, templates=folder)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(ROSTER[:2], "名单.xlsx")
    origin = {"Origin": "http://127.0.0.1:8765"}
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765",
                    follow_redirects=False) as client:  # fmt: skip
        page = client.get(f"/mail/send?year={YEAR}").text
        assert 'id="prepare"' not in page and str(folder) in page
        assert "没有该单位的模板" in page  # 白沙乡 is on the roster, its template is not there
        fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
        done = client.post("/mail/send", data={"csrf": csrf_of(page), "year": YEAR,
                                               "fingerprint": fingerprint}, headers=origin)  # fmt: skip
        shown = client.get(done.headers["location"]).text
        assert "已发送 1 封" in shown and "白沙乡人民政府" in shown
    [(to, msg)] = smtp.messages()
    assert to == ["kejing@town.test"]
    assert next(msg.iter_attachments()).get_content() == paths[0].read_bytes()


def test_board_over_tls_says_to_set_ca_file_then_sends(
    tmp_path: Path, tls_certs, tls_smtp, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    smtp = tls_smtp("starttls")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    settings = (f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nuser = "{smtp.user}"\n'
                f'from = "{smtp.user}"\nsecurity = "starttls"\ntimeout = 10\n')  # fmt: skip
    (tmp_path / "xl2report.toml").write_text(settings, encoding="utf-8")
    config = make_config(tmp_path)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(ROSTER[:1], "名单.xlsx")
    origin = {"Origin": "http://127.0.0.1:8765"}
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765",
                    follow_redirects=False) as client:  # fmt: skip
        token = csrf_of(client.get("/mail/send").text)
        done = client.post("/mail/send/prepare", data={"csrf": token, "year": YEAR}, headers=origin)
        page = client.get(done.headers["location"]).text

        def press_send() -> str:
            fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
            done = client.post("/mail/send", data={"csrf": token, "year": YEAR,
                                                   "fingerprint": fingerprint}, headers=origin)  # fmt: skip
            return client.get(done.headers["location"]).text

        shown = press_send()
        assert "证书无法验证" in shown and 'ca_file = &#34;根证书文件路径&#34;' in shown
        assert "没有发出任何邮件" in shown and smtp.received == [] and smtp.logins == []

        (tmp_path / "xl2report.toml").write_text(settings + 'ca_file = "没有.pem"\n', "utf-8")
        page = client.get(f"/mail/send?year={YEAR}").text
        assert "根证书文件" in page and "不存在" in page and 'id="send-button" disabled' in page

        shutil.copy(tls_certs.ca, tmp_path / "根证书.pem")
        (tmp_path / "xl2report.toml").write_text(settings + 'ca_file = "根证书.pem"\n', "utf-8")
        page = client.get(f"/mail/send?year={YEAR}").text
        assert 'id="send-problem"' not in page
        assert "已发送 1 封" in press_send()
    assert [to for to, _ in smtp.received] == [["kejing@town.test"]]
    assert smtp.logins == ["ok tls=True"]
