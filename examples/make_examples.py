"""Regenerate examples/inbox/*.xlsx from the JSON files beside this script.

    python examples/make_examples.py

Each JSON holds the values of one returned workbook ({"values": {field key: value}}); the
workbook is built with the real template writer, org and year prefilled and locked as a
county office hands them out.  Run it after any change to the form.
"""

from __future__ import annotations

import json
from pathlib import Path

from xl2report.checks.cells import coerce_values
from xl2report.xlsx.template import TemplateOptions, build_workbook

HERE = Path(__file__).resolve().parent


def main() -> None:
    for source in sorted(HERE.glob("*.json")):
        values = coerce_values(json.loads(source.read_text(encoding="utf-8"))["values"])
        org, year = values["info.org"], values["info.year"]
        target = HERE / "inbox" / f"{org}{year}年报表.xlsx"
        target.write_bytes(build_workbook(TemplateOptions(org=org, year=year), values))
        print(target.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
