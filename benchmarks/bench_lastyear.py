"""Templates that start from last year (issue #16): ``template --roster --previous-year`` at scale.

    python benchmarks/bench_lastyear.py            # 1,000 units
    python benchmarks/bench_lastyear.py -n 200     # a quick look

Makes last year's outbox — a real SQLite ledger holding N accepted 2024 submissions with
random consistent figures, as ``run`` stores them — and a roster of the N units plus 5% without
last year's data, then measures in one run, each as a whole ``xl2report`` process:

* ``template --roster R --year 2025`` (no last year: the factory swaps names only);
* ``template --roster R --year 2025 --previous-year OUTBOX`` (every template carries its own
  figures: the factory patches the numbers in place);
* the NAIVE way, in-process: ``build_workbook`` for every unit (timed on a sample, scaled to N);
* with ``--folder M``: ``template --roster --previous-year FOLDER`` where FOLDER holds M of last
  year's returned workbooks (read and checked one by one, in worker processes from 50 on).

Prints wall-clock seconds (with the process's CPU seconds: on a busy machine the wall clock
also counts waiting for the CPU and the disk's fsync of every file), ms per unit, the ratios, and the issue's target (≤ 20 s for 1,000 units) with
✓/✗.  Timings depend on the machine and what else runs on it: compare figures of one run.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import consistent_values  # noqa: E402
from xl2report.batch.ledger import Ledger, encode_values  # noqa: E402
from xl2report.batch.records import FileStatus  # noqa: E402
from xl2report.batch.session import default_ledger  # noqa: E402
from xl2report.form.national import compute_formulas  # noqa: E402
from xl2report.xlsx.prefill import LastYearFill  # noqa: E402
from xl2report.xlsx.template import TemplateOptions, build_workbook  # noqa: E402

YEAR = 2025
TARGET_SECONDS_PER_1000 = 20.0


def make_sources(work: Path, n: int) -> tuple[Path, Path]:
    """Last year's outbox with N accepted submissions, and a roster of N + 5% units."""
    names = [f"第{i:04d}镇人民政府" for i in range(n)]
    outbox = work / "outbox2024"
    rng = random.Random(16)
    with Ledger.open(default_ledger(outbox)) as ledger:
        for i, name in enumerate(names):
            values = compute_formulas(consistent_values(random.Random(i), YEAR - 1))
            values.update({"info.org": name, "info.contact": f"联系人{i}",
                           "info.phone": f"0391-{rng.randint(1000000, 9999999)}"})  # fmt: skip
            received = (1_737_331_200 + i * 60) * 10**9
            ledger.commit(insert={
                "path": f"{name}2024年报表.xlsx", "sha256": f"{i:064x}", "size": 1,
                "mtime_ns": received, "received_ns": received, "seen_at": "2025-01-20T00:00:00",
                "status": FileStatus.ACCEPTED, "org": name, "year": YEAR - 1,
                "vals": encode_values(values),
            })  # fmt: skip
    roster = work / "名单.csv"
    with open(roster, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["机关名称"])
        for name in names + [f"新设{i:03d}街道办事处" for i in range(n // 20)]:
            writer.writerow([name])
    return outbox, roster


def timed(*args: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one ``xl2report`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "xl2report", *args], capture_output=True,
                          text=True, check=False, env=env)  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"xl2report {' '.join(args)} 失败：{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def naive(outbox: Path, n: int, sample: int) -> float:
    """build_workbook per unit (no factory), timed on ``sample`` units and scaled to ``n``."""
    with Ledger.open(default_ledger(outbox)) as ledger:
        rows = ledger.rows(year=YEAR - 1)[:sample]
    start = time.perf_counter()
    for row in rows:
        fill = LastYearFill(YEAR - 1, row.values(), f"{row.path}，2025年1月20日收到")
        build_workbook(TemplateOptions(org=row.org, year=YEAR, last_year=fill))
    return (time.perf_counter() - start) / len(rows) * n


def make_folder(work: Path, m: int) -> tuple[Path, Path]:
    """M returned 2024 workbooks (the real writer, consistent figures) and their roster."""
    folder = work / "returned2024"
    folder.mkdir()
    names = [f"第{i:04d}乡人民政府" for i in range(m)]
    for i, name in enumerate(names):
        values = consistent_values(random.Random(i), YEAR - 1)
        values["info.org"] = name
        (folder / f"{name}2024年报表.xlsx").write_bytes(
            build_workbook(TemplateOptions(org=name, year=YEAR - 1), values)
        )
    roster = work / "乡名单.csv"
    roster.write_text("机关名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    return folder, roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="单位数（默认 1000）")
    parser.add_argument("--sample", type=int, default=50, help="朴素做法实测的单位数")
    parser.add_argument("--folder", type=int, default=0, help="另测上年工作簿文件夹作来源（个数）")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        outbox, roster = make_sources(work, args.n)
        units = args.n + args.n // 20
        plain = timed("template", "--roster", str(roster), "--year", str(YEAR),
                      "-o", str(work / "plain"))  # fmt: skip
        prefilled = timed("template", "--roster", str(roster), "--year", str(YEAR),
                          "--previous-year", str(outbox), "-o", str(work / "lastyear"))  # fmt: skip
        slow = naive(outbox, units, args.sample)
        from_folder = None
        if args.folder:
            folder, folder_roster = make_folder(work, args.folder)
            from_folder = timed("template", "--roster", str(folder_roster), "--year", str(YEAR),
                                "--previous-year", str(folder), "-o", str(work / "folder"))  # fmt: skip
    # The target is for 1,000 units; a smaller run mostly measures start-up.
    verdict = (
        ""
        if args.n < 1000
        else (
            f"  {'✓' if prefilled[0] <= TARGET_SECONDS_PER_1000 else '✗'} 目标 ≤ {TARGET_SECONDS_PER_1000:.0f} 秒"
        )
    )
    print(f"template --roster，{units} 个单位（其中 {args.n} 个有上年数据），整个进程：")
    (plain, plain_cpu), (prefilled, prefilled_cpu) = plain, prefilled
    print(f"  不带上年数据             {plain:6.1f} 秒  {plain / units * 1000:5.1f} ms/个"
          f"  （CPU {plain_cpu:.1f} 秒）")  # fmt: skip
    print(f"  --previous-year（台账）  {prefilled:6.1f} 秒  {prefilled / units * 1000:5.1f} ms/个"
          f"  （CPU {prefilled_cpu:.1f} 秒）{verdict}")  # fmt: skip
    print(f"  朴素做法（逐个完整生成） {slow:6.1f} 秒  {slow / units * 1000:5.1f} ms/个"
          f"  （{args.sample} 个实测后按 {units} 个折算）")  # fmt: skip
    print(f"  比朴素做法快 {slow / prefilled:.1f} 倍；比不带上年数据慢 {prefilled / plain:.1f} 倍")
    if from_folder is not None:
        seconds, cpu = from_folder
        print(
            f"  --previous-year（{args.folder} 个上年工作簿的文件夹）{seconds:6.1f} 秒  "
            f"{seconds / args.folder * 1000:5.1f} ms/个  （CPU {cpu:.1f} 秒，含逐个读取校验）"
        )


if __name__ == "__main__":
    main()
