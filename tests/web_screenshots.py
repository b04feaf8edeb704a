"""Screenshots of the web board for the README and for looking at it as a clerk would.

Run:  python tests/web_screenshots.py [-o docs]   (needs chromium + chromium-driver)

Builds a small county (a roster of townships and departments, some reports passed, one sent
back, one not yet sent), serves the board on a loopback port and saves board, upload, unit
page, hand-out page, mail page and 发送模板 page as PNG files, at 1,400 px and (web-1024-*.png)
at 1,024 px, the narrowest office screen the board is laid out for.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from helpers import make_workbook  # noqa: E402
from inbox_helpers import values_for, write_invalid, write_valid  # noqa: E402
from test_web_browser import make_driver  # noqa: E402
from web_helpers import ServerThread, free_port, make_config  # noqa: E402
from xl2report.batch.ledger import Ledger, RosterEntry  # noqa: E402
from xl2report.batch.records import RunOptions  # noqa: E402
from xl2report.batch.session import run_batch  # noqa: E402
from xl2report.web.app import create_app  # noqa: E402

COUNTY = [
    ("克井镇人民政府", "李明", "kejing@example.gov.cn"),
    ("五龙口镇人民政府", "王芳", "wulongkou@example.gov.cn"),
    ("梨林镇人民政府", "赵强", "lilin@example.gov.cn"),
    ("天坛街道办事处", "陈静", "tiantan@example.gov.cn"),
    ("县发展和改革委员会", "刘洋", "fgw@example.gov.cn"),
    ("县教育局", "孙丽", "jyj@example.gov.cn"),
    ("县自然资源局", "周杰", "zrzy@example.gov.cn"),
    ("县市场监督管理局", "吴敏", "scjg@example.gov.cn"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", "--outdir", type=Path, default=HERE.parent / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xl2report-shots-") as tmp_text:
        tmp = Path(tmp_text)
        config = make_config(tmp, port=free_port(), wait_seconds=20)
        with Ledger.open(config.ledger_path) as ledger:
            ledger.set_roster([RosterEntry(n, contact=c, email=e) for n, c, e in COUNTY], "全县名单.xlsx")
        _two_years_of_kejing(config.inbox)
        for i, (name, _c, _e) in enumerate(COUNTY[1:5], start=1):
            if i == 1:  # a number typed as text: accepted, with a warning to review
                values = values_for(name, seed=i)
                values["s2.rules.issued"] = "3"
                make_workbook(config.inbox / f"{name}2024年报表.xlsx", values, org=name, year=2024)
                continue
            write_valid(config.inbox / f"{name}2024年报表.xlsx", name, seed=i)
        write_invalid(config.inbox / f"{COUNTY[5][0]}2024年报表.xlsx", COUNTY[5][0], seed=9)
        write_valid(config.inbox / "市场监管局年报.xlsx", "县市场监管局", seed=11)  # a short name
        run_batch(RunOptions(config.inbox, config.outbox, jobs=1, settle=0))
        with Ledger.open(config.ledger_path) as ledger:
            ledger.set_deadline(2024, date.today() + timedelta(days=12))
        upload = write_invalid(tmp / "files" / f"{COUNTY[6][0]}2024年报表.xlsx", COUNTY[6][0], seed=7)
        downloads = tmp / "downloads"
        downloads.mkdir()
        driver = make_driver(downloads)
        args.outdir.mkdir(parents=True, exist_ok=True)
        try:
            with ServerThread(create_app(config), config.port) as server:
                driver.set_window_size(1400, 1000)
                driver.get(server.url + "/")
                driver.find_element("id", "files").send_keys(str(upload))
                driver.save_screenshot(str(args.outdir / "web-upload.png"))
                driver.find_element("css selector", "#upload-form button[type=submit]").click()
                driver.implicitly_wait(10)
                driver.find_element("id", "uploads")
                driver.save_screenshot(str(args.outdir / "web-board.png"))
                driver.set_window_size(1400, 2000)
                driver.save_screenshot(str(args.outdir / "web-board-full.png"))
                driver.set_window_size(1400, 1000)
                driver.get(server.url + f"/unit?org={COUNTY[5][0]}&year=2024")
                driver.save_screenshot(str(args.outdir / "web-unit.png"))
                driver.get(server.url + f"/unit?org={COUNTY[1][0]}&year=2024")
                driver.find_element("css selector", "img.page-preview")
                driver.execute_script(
                    "return new Promise(r => { const i = document.querySelector('img.page-preview');"
                    " if (i.complete) r(); else i.onload = i.onerror = r; });"
                )
                driver.save_screenshot(str(args.outdir / "web-unit-accepted.png"))
                for width in (1024, 1400):  # the unit page with last year's similarity
                    driver.set_window_size(width, 1200)
                    driver.get(server.url + f"/unit?org={COUNTY[0][0]}&year=2024")
                    driver.find_element("id", "likeness")
                    driver.save_screenshot(str(args.outdir / f"web-unit-likeness-{width}.png"))
                driver.set_window_size(1400, 1000)
                driver.get(server.url + "/handout")
                driver.save_screenshot(str(args.outdir / "web-handout.png"))
                driver.get(server.url + "/mail")
                driver.save_screenshot(str(args.outdir / "web-mail.png"))
                driver.set_window_size(1024, 1400)  # a small office screen
                for page, name in (("/", "board"), (f"/unit?org={COUNTY[5][0]}&year=2024", "unit"),
                                   ("/handout", "handout"), ("/mail", "mail")):  # fmt: skip
                    driver.get(server.url + page)
                    driver.save_screenshot(str(args.outdir / f"web-1024-{name}.png"))
                driver.set_window_size(1400, 1000)
                driver.get(server.url + "/mail/send?year=2024")  # 发送模板: plan, words, preview
                driver.find_element("id", "prepare-button").click()
                driver.find_element("id", "preview")
                driver.set_window_size(1400, 2300)
                driver.save_screenshot(str(args.outdir / "web-mail-send.png"))
                driver.set_window_size(1400, 1000)
        finally:
            driver.quit()
    print("已保存：", ", ".join(p.name for p in sorted(args.outdir.glob("web-*.png"))))


def _two_years_of_kejing(inbox: Path) -> None:
    """克井镇's 2024 return (the real report) and its 2023 return in the same inbox: the 2023
    texts are the same but for the year and 五, table 二 the same figures."""
    import json

    from xl2report.checks.cells import coerce_values

    name = COUNTY[0][0]
    this = coerce_values(json.loads((HERE.parent / "examples" / "kejing-2024.json")
                                    .read_text(encoding="utf-8"))["values"])  # fmt: skip
    last = {k: str(v).replace("2024", "2023") if k.endswith(".text") else v
            for k, v in this.items()}  # fmt: skip
    last["s5.text"] = ("2023年，我镇政务公开工作存在公开栏目更新不及时、政策解读偏少等问题。下一步将"
                       "明确专人负责栏目更新，每季度至少发布一篇政策解读。")  # fmt: skip
    make_workbook(inbox / f"{name}2024年报表.xlsx", this, org=name, year=2024)
    make_workbook(inbox / f"{name}2023年报表.xlsx", last, org=name, year=2023)


if __name__ == "__main__":
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        sys.exit("需要 chromium 和 chromium-driver")
    main()
