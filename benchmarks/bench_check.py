"""How fast is `check`?  Times the one-pass reader, the whole check, the feedback copy, and the
two openpyxl loads the reader replaces, on filled workbooks made by the real template writer.

Run:  python benchmarks/bench_check.py [N]      (N workbooks, default 40)

Prints the median and 95th percentile per workbook.  Not a test: timings depend on the machine.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import consistent_values, make_workbook  # noqa: E402
from xl2report.checks.check import check_file  # noqa: E402
from xl2report.xlsx.feedback import write_feedback  # noqa: E402
from xl2report.xlsx.parts import read_workbook  # noqa: E402


def timed(label: str, paths: list[Path], run: Callable[[Path], object]) -> None:
    times = []
    for path in paths:
        start = time.perf_counter()
        run(path)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<34} 中位数 {statistics.median(times):7.1f} ms   P95 {p95:7.1f} ms")


def main(n: int) -> None:
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n):
            values = consistent_values(random.Random(i))
            if i % 2:  # half of them with a mistake, so findings are built too
                values["s3.new.natural"] = int(values["s3.new.natural"]) + 1
            paths.append(make_workbook(Path(tmp, f"{i}.xlsx"), values, "测试镇人民政府", 2024))
        print(f"{n} 个工作簿，每个约 {paths[0].stat().st_size // 1024} KB")
        timed("xlsx.read_workbook（一次解析）", paths, read_workbook)
        timed("check_file（完整校验）", paths, check_file)
        timed("openpyxl 两次加载（对照）", paths, lambda p: (
            openpyxl.load_workbook(p), openpyxl.load_workbook(p, data_only=True)))  # fmt: skip
        reports = {p: check_file(p).report for p in paths}
        timed("write_feedback（反馈副本）", paths,
              lambda p: write_feedback(p, reports[p], p.with_suffix(".fb.xlsx"), overwrite=True))  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
