"""Benchmark the main job: ``run --jobs 1`` vs ``--jobs N`` on many workbooks, peak memory, and
``template --roster`` for many organisations.

    python benchmarks/bench_batch.py --workbooks 200 --roster 1000

Each ``run`` is a fresh ``python -m xl2report run`` process on a fresh outbox, so start-up and
worker spawning are counted as a user would see them.  Peak RSS is the largest single process
(parent or worker) as reported by ``getrusage``.  Numbers go to stdout; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers import consistent_values
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.roster import TemplateRequest, write_roster_templates
from xl2report.xlsx.template import TemplateOptions, build_workbook


def make_inbox(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        org = f"测试{i:04d}镇人民政府"
        values = consistent_values(random.Random(i))
        values["info.org"] = org
        if i % 10 == 9:  # some townships get it wrong
            values["s3.new.natural"] = int(values["s3.new.natural"]) + 1  # type: ignore[call-overload]
        data = build_workbook(TemplateOptions(org=org, year=2024), values)
        (folder / f"{i:04d}.xlsx").write_bytes(data)


def timed_run(inbox: Path, outbox: Path, jobs: int, extra: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process) for one CLI run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "xl2report", "run", "--inbox", str(inbox), "--outbox",
         str(outbox), "--jobs", str(jobs), "--settle", "0", *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workbooks", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--roster", type=int, default=1000, help="orgs for template --roster")
    parser.add_argument("--pdf", action="store_true", help="also time --pdf")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="xl2report-bench-") as tmp:
        base = Path(tmp)
        start = time.perf_counter()
        make_inbox(base / "inbox", args.workbooks)
        print(f"{args.workbooks} workbooks made in {time.perf_counter() - start:.1f} s")
        results = {}
        for jobs in (1, args.jobs):
            seconds, peak = timed_run(base / "inbox", base / f"out-{jobs}", jobs, [])
            results[jobs] = seconds
            print(f"run --jobs {jobs}: {seconds:.1f} s "
                  f"({seconds / args.workbooks * 1000:.0f} ms/workbook), peak RSS {peak:.0f} MB")  # fmt: skip
        print(f"speed-up --jobs {args.jobs} vs 1: {results[1] / results[args.jobs]:.2f}x")
        seconds, _ = timed_run(base / "inbox", base / f"out-{args.jobs}", args.jobs, [])
        print(f"second run (nothing new): {seconds:.2f} s")
        if args.pdf:
            seconds, _ = timed_run(base / "inbox", base / "out-pdf", args.jobs, ["--pdf"])
            print(f"run --jobs {args.jobs} --pdf: {seconds:.1f} s")

        entries = [RosterEntry(f"测试{i:04d}镇人民政府") for i in range(args.roster)]
        start = time.perf_counter()
        write_roster_templates(entries, base / "templates", TemplateRequest(2024))
        seconds = time.perf_counter() - start
        print(f"template --roster for {args.roster} orgs (one process): {seconds:.1f} s")


if __name__ == "__main__":
    main()
