"""The board in a real browser: Debian's chromium driven headless by Selenium with the system
chromedriver (nothing is downloaded).  One browser and one server for the module."""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="chromium / chromium-driver 未安装：真实浏览器测试跳过"
)
selenium = pytest.importorskip("selenium", reason="selenium 未安装：真实浏览器测试跳过")
pytest.importorskip("uvicorn", reason="网页组件（uvicorn）未安装：pip install 'xl2report[web]'")

from selenium.common.exceptions import (  # noqa: E402
    NoAlertPresentException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from inbox_helpers import write_invalid, write_valid  # noqa: E402
from web_helpers import HOSTILE, ServerThread, free_port, make_config  # noqa: E402
from xl2report.batch.ledger import Ledger, RosterEntry  # noqa: E402
from xl2report.batch.records import RunOptions  # noqa: E402
from xl2report.batch.session import run_batch  # noqa: E402
from xl2report.web.app import create_app  # noqa: E402

ROSTER = ["甲镇人民政府", "乙乡人民政府", "丙街道办事处", HOSTILE, "丁镇人民政府"]


def make_driver(downloads: Path):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(arg)
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False})  # fmt: skip
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("web-browser")
    config = make_config(tmp, port=free_port(), wait_seconds=20)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster([RosterEntry(n, contact="张三", email="zs@example.cn") for n in ROSTER],
                          "名单.xlsx")  # fmt: skip
    files = tmp / "files"
    right = write_valid(files / "甲镇人民政府2024年报表.xlsx", ROSTER[0], seed=1)
    wrong = write_invalid(files / "乙乡人民政府2024年报表.xlsx", ROSTER[1], seed=2)
    later = write_valid(files / "丙街道办事处2024年报表.xlsx", ROSTER[2], seed=3)
    short = write_valid(files / "丁镇2024年报表.xlsx", "丁镇政府", seed=4)
    downloads = tmp / "downloads"
    downloads.mkdir()
    driver = make_driver(downloads)
    driver.set_page_load_timeout(60)
    try:
        with ServerThread(create_app(config), config.port) as server:
            yield {"driver": driver, "url": server.url, "config": config, "right": right,
                   "wrong": wrong, "later": later, "short": short, "downloads": downloads}  # fmt: skip
    finally:
        driver.quit()


def wait_for(driver, condition, timeout: float = 45):  # type: ignore[no-untyped-def]
    # Retried until it holds or the time is up (then the test fails with the last error): the
    # board replaces its rows, and a page being replaced after a form is sent makes chromedriver
    # fail a read (stale element, or "unhandled inspector error") for a moment.
    ignored = (WebDriverException, AssertionError)
    return WebDriverWait(driver, timeout, 0.1, ignored_exceptions=ignored).until(condition)


def row_of(driver, org: str):  # type: ignore[no-untyped-def]
    for row in driver.find_elements(By.CSS_SELECTOR, "#units tbody tr"):
        if row.find_element(By.CSS_SELECTOR, "td.org").text.startswith(org):
            return row
    raise AssertionError(f"no row for {org}")


def state_of(driver, org: str) -> str:  # type: ignore[no-untyped-def]
    return row_of(driver, org).find_element(By.CSS_SELECTOR, ".badge").text


def test_1_board_lists_every_roster_unit(site: dict) -> None:
    d = site["driver"]
    d.get(site["url"] + "/")
    assert d.title.startswith("报送情况")
    # (read through wait_for: the board may refresh itself while the test reads it)
    wait_for(
        d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#units tbody tr")) == len(ROSTER)
    )
    wait_for(d, lambda drv: {state_of(drv, org) for org in ROSTER} == {"未报送"})
    # Hostile text from the roster is shown as text, never run.
    wait_for(
        d, lambda drv: row_of(drv, HOSTILE).find_element(By.CSS_SELECTOR, "td.org").text == HOSTILE
    )
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018


def test_2_upload_right_and_wrong_through_the_form(site: dict) -> None:
    d = site["driver"]
    d.get(site["url"] + "/")
    d.find_element(By.ID, "files").send_keys(f"{site['right']}\n{site['wrong']}")
    assert "已选择 2 个文件" in d.find_element(By.ID, "chosen").text
    started = time.monotonic()
    d.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    wait_for(d, lambda drv: "upload=" in drv.current_url)
    wait_for(d, lambda drv: state_of(drv, ROSTER[0]) == "已通过")
    # The result came back within the upload's own wait, not later through the page's polling
    # (a behaviour, not a speed goal: the margin holds on a loaded machine).
    assert time.monotonic() - started < site["config"].wait_seconds * 0.9
    assert state_of(d, ROSTER[1]).startswith("已退回")
    assert state_of(d, ROSTER[2]) == "未报送"
    box = d.find_element(By.ID, "uploads").text
    assert site["right"].name in box and site["wrong"].name in box


def test_3_board_refreshes_itself_when_another_process_runs(site: dict) -> None:
    d = site["driver"]
    d.get(site["url"] + "/")
    d.execute_script("window.__notReloaded = true;")
    config = site["config"]
    shutil.copy(site["later"], config.inbox / site["later"].name)
    # What `xl2report run` (or a `watch` pass) does, outside the board.
    run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0.1))
    wait_for(d, lambda drv: state_of(drv, ROSTER[2]) == "已通过")  # the page polls every second
    assert d.execute_script("return window.__notReloaded === true;")


def test_4_download_report_and_feedback_and_open_them(site: dict) -> None:
    import docx
    from openpyxl import load_workbook

    d = site["driver"]
    d.get(site["url"] + "/")
    downloads: Path = site["downloads"]
    row_of(d, ROSTER[0]).find_element(By.CSS_SELECTOR, "a.report").click()
    report = wait_for(d, lambda _: next(iter(downloads.glob("*.docx")), None))
    wait_for(d, lambda _: not list(downloads.glob("*.crdownload")))
    assert ROSTER[0] in report.name
    assert any(ROSTER[0] in p.text for p in docx.Document(str(report)).paragraphs)
    row_of(d, ROSTER[1]).find_element(By.CSS_SELECTOR, "a.feedback").click()
    feedback = wait_for(d, lambda _: next(iter(downloads.glob("*.xlsx")), None))
    wait_for(d, lambda _: not list(downloads.glob("*.crdownload")))
    assert load_workbook(feedback).sheetnames[0] == "校验结果"


def test_4b_the_first_pdf_says_it_is_being_made(site: dict) -> None:
    """LibreOffice makes a report's PDF when it is first asked for (seconds): the link says so
    meanwhile, and the PDF arrives as a download."""
    from xl2report.report import office

    if not office.available():
        pytest.skip("LibreOffice 未安装：工作台不提供 PDF")
    d = site["driver"]
    d.get(site["url"] + "/")
    downloads: Path = site["downloads"]
    row_of(d, ROSTER[0]).find_element(By.CSS_SELECTOR, "a.pdf").click()
    assert "正在生成" in row_of(d, ROSTER[0]).find_element(By.CSS_SELECTOR, "a.pdf").text
    pdf = wait_for(d, lambda _: next(iter(downloads.glob("*.pdf")), None), timeout=120)
    wait_for(d, lambda _: not list(downloads.glob("*.crdownload")))
    assert ROSTER[0] in pdf.name and pdf.read_bytes().startswith(b"%PDF")
    assert row_of(d, ROSTER[0]).find_element(By.CSS_SELECTOR, "a.pdf").text == "PDF"


def test_5_unit_page_shows_findings_with_cells(site: dict) -> None:
    d = site["driver"]
    d.get(site["url"] + "/")
    row_of(d, ROSTER[1]).find_element(By.CSS_SELECTOR, "a.details").click()
    wait_for(d, lambda drv: drv.find_element(By.TAG_NAME, "h1").text == ROSTER[1])
    cells = [c.text for c in d.find_elements(By.CSS_SELECTOR, "table.findings td.cell")]
    assert "D6" in cells
    sheets = [c.text for c in d.find_elements(By.CSS_SELECTOR, "table.findings td:nth-child(2)")]
    assert "三、依申请公开" in sheets


def test_6_a_cross_site_form_post_is_refused(site: dict, tmp_path: Path) -> None:
    """A page on another origin that auto-submits a form to the board gets nothing done."""
    config = site["config"]
    before = sorted((config.inbox / "网页上传").iterdir())
    (tmp_path / "attack.html").write_text(
        '<!doctype html><meta charset="utf-8"><form id="f" method="post" '
        f'action="{site["url"]}/handout/templates"><input name="year" value="2024">'
        '<input name="csrf" value="guess"></form><script>document.getElementById("f").submit()</script>',
        encoding="utf-8",
    )
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    try:
        d = site["driver"]
        d.get(f"http://127.0.0.1:{evil.server_address[1]}/attack.html")
        wait_for(d, lambda drv: drv.current_url.startswith(site["url"]))
        assert "跨站请求" in d.find_element(By.TAG_NAME, "body").text
    finally:
        evil.shutdown()
        evil.server_close()
    assert sorted((config.inbox / "网页上传").iterdir()) == before


def test_7_password_when_asked(tmp_path: Path, site: dict) -> None:
    config = make_config(tmp_path, port=free_port(), password="办公室口令2025")
    d = site["driver"]
    with ServerThread(create_app(config), config.port) as server:
        d.get(server.url + "/")
        assert d.current_url.endswith("/login")
        d.find_element(By.NAME, "password").send_keys("wrong")
        d.find_element(By.CSS_SELECTOR, "button.primary").click()
        wait_for(d, lambda drv: "密码不对" in drv.find_element(By.TAG_NAME, "body").text)
        d.find_element(By.NAME, "password").send_keys("办公室口令2025")
        d.find_element(By.CSS_SELECTOR, "button.primary").click()
        wait_for(d, lambda drv: drv.current_url == server.url + "/")
        assert d.find_element(By.TAG_NAME, "h1").text.endswith("报送情况")
        cookie = d.get_cookie("xl2r_session")
        assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_8_confirm_a_held_name_in_the_browser(site: dict) -> None:
    """A workbook under a short name is held; confirming it processes it under the roster's name."""
    d = site["driver"]
    d.get(site["url"] + "/")
    d.find_element(By.ID, "files").send_keys(str(site["short"]))
    d.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    section = wait_for(d, lambda drv: drv.find_element(By.ID, "unmatched"))
    assert "丁镇政府" in section.text
    assert state_of(d, ROSTER[4]) == "待确认名称"
    chosen = section.find_element(By.CSS_SELECTOR, "select[name=official] option:checked")
    assert chosen.text == ROSTER[4]  # the nearest roster name is offered first
    section.find_element(By.CSS_SELECTOR, "form.confirm button").click()
    wait_for(d, lambda drv: drv.find_element(By.TAG_NAME, "h1").text == ROSTER[4])
    wait_for(d, lambda drv: drv.find_element(By.CSS_SELECTOR, ".unit-head .badge").text == "已通过")
    assert "丁镇政府" in d.find_element(By.CSS_SELECTOR, ".unit-head").text  # now an alias
    with Ledger.open(site["config"].ledger_path) as ledger:
        current = [r for r in ledger.rows() if r.status == "accepted" and r.org == ROSTER[4]]
    assert len(current) == 1 and ROSTER[4] in (current[0].report or "")


COUNTY = ["克井镇人民政府", "五龙口镇人民政府", "天坛街道办事处", "县发展和改革委员会",
          "县住房和城乡建设局", "县人力资源和社会保障局", "县教育局"]  # fmt: skip


def test_9_at_1024_px_names_break_between_words_and_links_stay_whole(
    site: dict, tmp_path: Path
) -> None:
    """The narrowest office screen: a unit's name wraps only between its words (五龙口镇 /
    人民政府), never inside one, and 详情 is never split over two lines."""
    config = make_config(tmp_path, port=free_port(), wait_seconds=20)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster([RosterEntry(n, contact="张三", email="zhangsan@example.gov.cn")
                           for n in COUNTY], "名单.xlsx")  # fmt: skip
    for i, name in enumerate(COUNTY):
        write_valid(config.inbox / f"{i}.xlsx", name, seed=i + 1)
    run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0))
    split = """
        const out = {split: [], lines: []};
        for (const cell of document.querySelectorAll('#units td.org')) {
          const tops = new Set();
          for (const node of cell.childNodes) {
            if (node.nodeType !== Node.TEXT_NODE) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (lines.size > 1) out.split.push(node.textContent);
            lines.forEach(t => tops.add(t));
          }
          out.lines.push(tops.size);
        }
        for (const a of document.querySelectorAll('#units a.details'))
          if (a.getClientRects().length > 1 || a.offsetHeight > 30) out.split.push(a.textContent);
        return out;"""
    d = site["driver"]
    d.set_window_size(1024, 900)
    try:
        with ServerThread(create_app(config), config.port) as server:
            d.get(server.url + "/")
            wait_for(
                d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#units a.details")) == 7
            )
            seen = d.execute_script(split)
    finally:
        d.set_window_size(1400, 1000)
    assert seen["split"] == []
    assert max(seen["lines"]) > 1  # some names did wrap at 1024 px: the check is real
