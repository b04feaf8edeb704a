"""How fast is the Word report renderer, and does its memory stay flat?

    python benchmarks/bench_render.py [N]

Compares, per document, plain docxtpl (open + render + save, what a naive batch would do) with
:class:`xl2report.report.render.ReportRenderer` (template compiled once): rendering to bytes, and the
full ``render()`` (atomic write, fsync, re-read and verification).  Then renders N reports with
one renderer and prints the process's resident memory along the way.  Numbers depend on the
machine; compare them with each other, not with another machine's.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from xl2report.checks.cells import coerce_values
from xl2report.form.national import blank_values, compute_formulas
from xl2report.report.content import report_content, template_context
from xl2report.report.docx_package import default_word_template
from xl2report.report.engine import render_with_docxtpl
from xl2report.report.render import ReportRenderer

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """Resident set size now (Linux), in MB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * 4096 / 1e6


def per_call_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    data = json.loads((ROOT / "examples" / "kejing-2024.json").read_text(encoding="utf-8"))
    values = compute_formulas({**blank_values(), **coerce_values(data["values"])})
    content = report_content(values)
    context = template_context(content)
    template = default_word_template()

    start = time.perf_counter()
    renderer = ReportRenderer()
    init_ms = (time.perf_counter() - start) * 1000
    print(f"ReportRenderer() (parse, compile, probe): {init_ms:.1f} ms, once per process")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.docx"
        rows = [
            ("docxtpl: open + render + save", lambda: render_with_docxtpl(template, context)),
            ("compiled: render to bytes", lambda: renderer.render_bytes(content)),
            (
                "compiled: render() write + verify",
                lambda: renderer.render(values, out, overwrite=True),
            ),
        ]
        for label, fn in rows:
            fn()  # warm up
            median, best = per_call_ms(fn, 30)
            print(f"{label:36s} median {median:6.1f} ms   best {best:6.1f} ms")

        print(f"\nmemory over {n} renders with one ReportRenderer (RSS):")
        for i in range(1, n + 1):
            renderer.render(values, out, overwrite=True)
            if i in (1, 10, n // 4, n // 2, n) or i % 100 == 0:
                print(f"  after {i:5d}: {rss_mb():7.1f} MB")


if __name__ == "__main__":
    main()
