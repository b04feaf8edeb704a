#!/usr/bin/env bash
# Regenerate docs/kejing-2024-page-1.png and -2.png: the bundled example rendered by xl2report,
# converted by headless LibreOffice, first two pages rasterised at 70 dpi.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xl2report render examples/inbox/克井镇人民政府2024年报表.xlsx -o "$tmp/" --pdf
pdftoppm -png -r 70 -f 1 -l 2 "$tmp"/*.pdf "$tmp/page"
cp "$tmp/page-1.png" docs/kejing-2024-page-1.png
cp "$tmp/page-2.png" docs/kejing-2024-page-2.png
echo "docs/kejing-2024-page-1.png docs/kejing-2024-page-2.png"
