"""The 发送模板 page's own words: subject, deadline and body typed by the clerk, in a real browser.

The clerk changes the subject, the deadline and the body, previews one unit's message, sends,
and every township gets exactly that subject and body with its own name, greeting and the
deadline filled in (read back from aiosmtpd on loopback).  Words changed after the preview are
not sent; an unknown placeholder, a lone brace or ``{0.__class__}`` is one Chinese sentence next
to the fields and the 发送 button is off; hostile text is shown as text.
"""

from __future__ import annotations

import os
import shutil
import warnings
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
from selenium.webdriver.support.ui import Select  # noqa: E402

import test_web_mail_send as sending  # noqa: E402
from mail_helpers import body_text  # noqa: E402
from mail_servers import PASSWORD, Smtp  # noqa: E402
from test_web_browser import wait_for  # noqa: E402
from web_helpers import HOSTILE, csrf_of, make_config  # noqa: E402
from xl2report.batch.ledger import Ledger  # noqa: E402
from xl2report.mail.wording import TEMPLATE_BODY, TEMPLATE_SUBJECT  # noqa: E402
from xl2report.web.app import create_app  # noqa: E402

ROSTER, YEAR = sending.ROSTER, sending.YEAR
board = sending.board  # the same board as the 发送模板 tests: roster, SMTP settings, browser

SHOTS = os.environ.get("XL2REPORT_SCREENSHOTS")
SUBJECT = "【请于{截止日期}前报回】{年度}年年报填报表（{机关名称}）"
BODY = "{称呼}\n\n请于{截止日期}前填好附件中的{年度}年报表并回复本邮件报回。\n有问题请打电话 0391-1234567。\n\n{发件人}"


def _expected(org: str, contact: str) -> tuple[str, str]:
    """What the clerk means, written out by hand (not through the code under test)."""
    subject = f"【请于2025年1月20日前报回】2024年年报填报表（{org}）"
    body = (f"{contact}同志：\n\n请于2025年1月20日前填好附件中的2024年报表并回复本邮件报回。\n"
            "有问题请打电话 0391-1234567。\n\n县政务公开办")  # fmt: skip
    return subject, body


def _type(driver, element_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = driver.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(text)


def _click(driver, element_id: str) -> None:  # type: ignore[no-untyped-def]
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, element_id).click()
    wait_for(driver, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id)


def _shot(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1400, max(1000, height + 40))
        assert driver.save_screenshot(str(Path(SHOTS) / name))
        driver.set_window_size(1400, 1000)


def test_clerk_words_preview_and_send(board: dict, smtp: Smtp) -> None:
    d, url = board["driver"], board["url"]
    d.get(f"{url}/mail/send?year={YEAR}")
    _click(d, "prepare-button")
    assert d.find_element(By.ID, "subject").get_attribute("value") == TEMPLATE_SUBJECT
    assert d.find_element(By.ID, "body").get_attribute("value") == TEMPLATE_BODY  # as the CLI
    assert "{截止日期}" in d.find_element(By.ID, "words").text  # the placeholders are listed
    default = d.find_element(By.ID, "preview").text  # the default words, filled for 克井镇
    assert "2024年政府信息公开工作年度报告填报表（克井镇人民政府）" in default
    assert "张三同志：" in default and "县政务公开办" in default and "{" not in default
    _shot(d, "mail-send-default-words.png")

    _type(d, "subject", SUBJECT)
    d.execute_script("arguments[0].value = '2025-01-20'", d.find_element(By.ID, "deadline"))
    _type(d, "body", BODY)
    assert not d.find_element(By.ID, "send-button").is_enabled()  # not previewed yet
    assert d.find_element(By.ID, "words-changed").is_displayed()
    _click(d, "preview-button")
    assert d.find_element(By.ID, "send-button").is_enabled()
    assert not d.find_element(By.ID, "words-changed").is_displayed()
    assert smtp.received == []  # nothing is sent by previewing
    assert d.find_element(By.ID, "subject").get_attribute("value") == SUBJECT
    assert d.find_element(By.ID, "body").get_attribute("value") == BODY
    assert d.find_element(By.ID, "deadline").get_attribute("value") == "2025-01-20"
    subject, body = _expected("克井镇人民政府", "张三")  # the first unit's message
    assert d.find_element(By.ID, "preview-subject").text == subject
    assert d.find_element(By.ID, "preview-body").text == body
    _shot(d, "mail-send-words.png")
    _click(d, "send-button")
    assert "已发送 3 封" in d.find_element(By.ID, "message").text
    got = {to[0]: msg for to, msg in smtp.messages()}
    assert set(got) == {"kejing@town.test", "baisha@town.test", "hostile@town.test"}
    for entry in (ROSTER[0], ROSTER[1], ROSTER[3]):
        msg = got[entry.email.split("；")[0]]
        subject, body = _expected(entry.name, entry.contact)
        assert msg["Subject"] == subject
        assert body_text(msg).replace("\r\n", "\n") == body
    assert d.find_element(By.ID, "subject").get_attribute("value") == SUBJECT  # still there
    again = d.find_element(By.ID, "preview").text  # all sent: what 再发一次 would send
    assert "勾选“再发一次”时发送的内容" in again and "【请于2025年1月20日前报回】" in again
    with Ledger.open(board["config"].ledger_path) as ledger:
        assert str(ledger.deadline(YEAR)) == "2025-01-20"  # remembered, as --deadline does


@pytest.mark.parametrize(
    ("field", "text", "says"),
    [
        ("body", "{称呼}请于{截至日期}前报回。", "正文中的“{截至日期}”不是可用的占位符"),
        ("body", "第一行\n请于{截止日期前报回。", "正文第 2 行有一个不成对的“{”"),
        ("subject", "{0.__class__.__init__.__globals__}", "主题中的“{0.__class__.__init__.__globals__}”不是可用的占位符"),
    ],
)
def test_bad_words_are_one_sentence_and_block_sending(
    board: dict, smtp: Smtp, field: str, text: str, says: str
) -> None:
    d, url = board["driver"], board["url"]
    d.get(f"{url}/mail/send?year={YEAR}")
    _click(d, "prepare-button")
    _type(d, field, text)
    _click(d, "preview-button")
    error = d.find_element(By.ID, "wording-error").text
    assert error.startswith("邮件") and says in error and "Traceback" not in d.page_source
    assert not d.find_element(By.ID, "send-button").is_enabled()
    assert d.find_element(By.ID, field).get_attribute("value") == text  # nothing lost
    assert d.find_elements(By.ID, "preview") == [] and smtp.received == []
    _shot(d, f"mail-send-bad-{field}.png")


def test_hostile_words_are_text(board: dict, smtp: Smtp) -> None:
    d, url = board["driver"], board["url"]
    d.get(f"{url}/mail/send?year={YEAR}")
    _click(d, "prepare-button")
    _type(d, "body", HOSTILE.replace("{{7*7}}", "") + "\n{机关名称}")
    _click(d, "preview-button")
    shown = d.find_element(By.ID, "preview-body").text
    assert shown == HOSTILE.replace("{{7*7}}", "") + "\n克井镇人民政府"  # shown, not run
    assert d.find_elements(By.CSS_SELECTOR, "#preview script, #preview img") == []
    choose = Select(d.find_element(By.ID, "shown"))  # the units that get a message
    assert [o.text for o in choose.options] == [ROSTER[0].name, ROSTER[1].name, HOSTILE]
    old = d.find_element(By.TAG_NAME, "html")
    choose.select_by_visible_text(HOSTILE)  # previews that unit at once
    wait_for(d, lambda drv: old.id != drv.find_element(By.TAG_NAME, "html").id)
    assert d.find_element(By.ID, "preview-body").text.endswith("\n" + HOSTILE)
    assert d.find_element(By.ID, "preview-subject").text == f"2024年政府信息公开工作年度报告填报表（{HOSTILE}）"
    assert d.find_elements(By.CSS_SELECTOR, "#preview script, #preview img") == []
    assert Select(d.find_element(By.ID, "shown")).first_selected_option.text == HOSTILE
    assert smtp.received == []


def test_posted_words_are_checked_on_the_server(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a browser would never send (a line break in the subject, an endless body, no
    token) is refused by the server, with nothing sent."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    sending._settings(tmp_path, smtp)
    config = make_config(tmp_path)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(ROSTER[:1], "名单.xlsx")
    origin = {"Origin": "http://127.0.0.1:8765"}
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765",
                    follow_redirects=False) as client:  # fmt: skip
        token = csrf_of(client.get(f"/mail/send?year={YEAR}").text)
        client.post("/mail/send/prepare", data={"csrf": token, "year": YEAR}, headers=origin)
        assert client.post("/mail/send/preview", data={"year": YEAR, "subject": "x"},
                           headers=origin).status_code == 403  # fmt: skip

        def post(action: str, **words: str) -> str:
            done = client.post(action, headers=origin,
                               data={"csrf": token, "year": YEAR, **words})  # fmt: skip
            assert done.status_code == 303
            return client.get(done.headers["location"]).text

        for words, says in (
            ({"subject": "年报\r\nBcc: victim@example.com"}, "邮件主题只能有一行"),
            ({"body": "字" * 20_001}, "邮件正文太长（20001 字）"),
            ({"subject": ""}, "邮件主题不能为空"),
            ({"deadline": "1月20日"}, "截止日期应为 年-月-日"),
            ({"body": "请于{截止日期}前报回"}, "用了 {截止日期}，但没有截止日期"),
        ):
            page = post("/mail/send/preview", **words)
            assert says in page and 'id="send-button" disabled' in page
            fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
            assert fingerprint == ""
            sent = post("/mail/send", fingerprint=fingerprint, **words)
            assert "没有发送" in sent and says in sent
        page = client.get(f"/mail/send?year={YEAR}").text  # the default words, previewed
        fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
        edited = {"subject": "{机关名称}：请填报", "fingerprint": fingerprint}
        sent = post("/mail/send", **edited)  # other words than those previewed: not sent
        assert "在您预览之后有了变化，没有发送" in sent and "克井镇人民政府：请填报" in sent
        page = post("/mail/send/preview", body="<b>{机关名称}</b>&amp;")
        assert "&lt;b&gt;克井镇人民政府&lt;/b&gt;&amp;amp;" in page  # escaped in the preview
    assert smtp.received == []
