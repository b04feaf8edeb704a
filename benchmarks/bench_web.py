"""How fast is the web board?  A real server (uvicorn on a loopback port) over a ledger of
1,000 roster units; every time includes the whole HTTP request.

Run:  python benchmarks/bench_web.py [--units 1000] [--repeat 15]

1. The board page for all units, next to the library call it is built on (the floor).
2. An upload of one workbook through the form until its result shows on the board, next to
   ``xl2report run`` processing the same workbook in a fresh process.
Targets (issue #11): board ≤ 200 ms for 1,000 units; an upload on the board within 2 s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from inbox_helpers import write_invalid, write_valid  # noqa: E402
from web_helpers import ServerThread, free_port, make_config  # noqa: E402
from xl2report.batch.ledger import Ledger, RosterEntry  # noqa: E402
from xl2report.batch.records import RunOptions  # noqa: E402
from xl2report.batch.session import run_batch  # noqa: E402
from xl2report.web.app import create_app  # noqa: E402
from xl2report.web.units import PAGE_SIZE, load_board  # noqa: E402


def fill_ledger(tmp: Path, units: int) -> Path:
    """A ledger with ``units`` roster units: 80% accepted, 15% rejected, 5% missing; the rows
    are copies of two real processed workbooks (real findings and values)."""
    seed_in, seed_out = tmp / "seed-in", tmp / "seed-out"
    write_valid(seed_in / "ok.xlsx", "样本镇人民政府", seed=1)
    write_invalid(seed_in / "bad.xlsx", "样本乡人民政府", seed=2)
    run_batch(RunOptions(seed_in, seed_out, jobs=1, settle=0))
    with Ledger.open(seed_out / ".xl2report" / "ledger.sqlite") as seed:
        ok, bad = sorted(seed.rows(), key=lambda r: r.status)  # accepted, rejected
    config_outbox = tmp / "outbox"
    names = [f"第{i:04d}号镇人民政府" for i in range(units)]
    ledger = Ledger.open(config_outbox / ".xl2report" / "ledger.sqlite")
    ledger.set_roster([RosterEntry(n, contact="联系人", email=f"u{i}@example.cn")
                       for i, n in enumerate(names)], "名单.xlsx")  # fmt: skip
    for i, name in enumerate(names):
        if i % 20 == 19:
            continue  # missing
        model = bad if i % 7 == 3 else ok
        row = asdict(model)
        row.pop("id")
        row.update(
            org=name, path=f"{name}.xlsx", sha256=f"{i:064x}", received_ns=row["received_ns"] + i
        )
        if row["report"]:
            row["report"] = f"2024/{name}2024年政府信息公开工作年度报告.docx"
        if row["feedback"]:
            row["feedback"] = f"2024/退回/{name}_校验反馈.xlsx"
        ledger.commit(insert=row)
    ledger.close()
    return config_outbox


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xl2report-bench-web-") as tmp_text:
        tmp = Path(tmp_text)
        fill_ledger(tmp, args.units)
        config = make_config(tmp, port=free_port(), wait_seconds=10)
        floor = []
        with Ledger.open(config.ledger_path) as ledger:
            for _ in range(args.repeat):
                start = time.perf_counter()
                board = load_board(ledger, 2024)
                floor.append(time.perf_counter() - start)
        assert len(board.units) == args.units
        with (
            ServerThread(create_app(config), config.port) as server,
            httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=30) as client,
        ):
            client.get("/")  # session cookie, templates compiled
            page_times, cold_times = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                page = client.get("/")
                page_times.append(time.perf_counter() - start)
            for _ in range(args.repeat):  # the first request after the ledger changed
                with Ledger.open(config.ledger_path) as ledger:
                    ledger.set_deadline(2024, date(2025, 1, 20 + len(cold_times) % 5))
                start = time.perf_counter()
                page = client.get("/")
                cold_times.append(time.perf_counter() - start)
            rows = page.text.count('<tr class="state-')
            assert rows == min(args.units, PAGE_SIZE), rows  # one page of the board
            page_bytes = len(page.content)
            last = client.get(f"/?page={-(-args.units // PAGE_SIZE)}")
            assert last.status_code == 200
            start = time.perf_counter()
            found = client.get("/", params={"q": f"第{args.units - 1:04d}号"})
            find_ms = (time.perf_counter() - start) * 1000
            assert found.text.count('<tr class="state-') == 1

            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            upload_times = []
            for n in range(3):  # three units that had not reported yet
                org = f"第{20 * n + 19:04d}号镇人民政府"
                data = write_valid(tmp / "new" / f"{n}.xlsx", org, seed=5 + n).read_bytes()
                start = time.perf_counter()
                answer = client.post("/upload", data={"csrf": token}, files=[
                    ("files", (f"新来镇{n}.xlsx", data, "application/octet-stream"))])  # fmt: skip
                assert answer.status_code == 303, answer.text
                board_html = client.get(answer.headers["location"]).text
                upload_times.append(time.perf_counter() - start)
                assert (
                    "刚才上传的文件" in board_html
                    and "已通过" in board_html.split('id="uploads"')[1][:3000]
                )

        cli_inbox = tmp / "cli-in"
        write_valid(cli_inbox / "x.xlsx", "命令行镇人民政府", seed=6)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xl2report", "run", "--inbox", str(cli_inbox),
                        "--outbox", str(tmp / "cli-out"), "-j", "1", "--settle", "0.3"],
                       check=True, capture_output=True)  # fmt: skip
        cli_time = time.perf_counter() - start

    board_ms, floor_ms, cold_ms = median_ms(page_times), median_ms(floor), median_ms(cold_times)
    first_upload, upload_ms = upload_times[0] * 1000, median_ms(upload_times)
    print(f"报送情况页（{args.units} 个单位，中位数，{args.repeat} 次）")
    print(f"  库函数 load_board（统计全部单位） {floor_ms:7.1f} ms")
    print(
        f"  GET /，台账刚有变化（重新统计） {cold_ms:7.1f} ms   库函数的 {cold_ms / floor_ms:.1f} 倍   目标 ≤ 200 ms"
    )
    print(
        f"  GET /，台账没有变化（刷新、筛选） {board_ms:7.1f} ms   库函数的 {board_ms / floor_ms:.1f} 倍"
    )
    print(f"  页面大小（每页 {PAGE_SIZE} 个单位）    {page_bytes / 1000:7.0f} KB")
    print(f"  查找一个单位（按名称）          {find_ms:7.1f} ms")
    print("上传一个工作簿到在报送情况页上看到结果（含校验、生成年报）")
    print(
        f"  网页上传（第一次 / 中位数）    {first_upload:7.0f} ms / {upload_ms:.0f} ms   目标 ≤ 2000 ms"
    )
    print(
        f"  对照：新进程 xl2report run     {cli_time * 1000:7.0f} ms   网页是它的 {upload_ms / (cli_time * 1000):.2f} 倍"
    )


if __name__ == "__main__":
    main()
