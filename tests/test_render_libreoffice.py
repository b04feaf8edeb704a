"""A real client: headless LibreOffice turns the reports into PDF; poppler reads them back.

One LibreOffice call converts both reports (the batch path).  ``pdffonts`` cannot tell the
Simplified Chinese face from the Japanese one: every face of the Noto CJK collection embeds
under the collection's shared CFF name ``NotoSerifCJKjp-…``.  So the SC-vs-JP check compares
the glyph shapes of 直 and 骨 in the PDF with both faces rendered by Pillow.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from xl2report.checks.check import check_file
from xl2report.report.render import ReportRenderer, docx_to_pdf

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
SERIF_CJK = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
GLYPHS = "直骨"  # drawn differently in Simplified Chinese and Japanese


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    values = check_file(EXAMPLE).values
    renderer = ReportRenderer()
    example, glyphs = out / "example.docx", out / "glyphs.docx"
    renderer.render(values, example)
    renderer.render({**values, "info.org": GLYPHS}, glyphs)
    made = docx_to_pdf([example, glyphs], out)  # one LibreOffice call
    assert made == [out / "example.pdf", out / "glyphs.pdf"]
    return {"example": made[0], "glyphs": made[1]}


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.mark.poppler
def test_pdf_shows_the_title_and_the_table_numbers(pdfs: dict[str, Path]) -> None:
    text = _run("pdftotext", "-layout", str(pdfs["example"]), "-")
    flat = re.sub(r"\s+", "", text)
    assert "克井镇人民政府2024年政府信息公开工作年度报告" in flat
    for label, number in (("行政处罚", "13"), ("行政事业性收费", "194.3525")):
        line = next(line for line in text.splitlines() if label in line)
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", line), line
    assert "第二十条第（八）项" in flat and "结转下年度继续办理" in flat
    assert re.search(r"—\s*1\s*—", text)  # page number


def test_pdf_embeds_cjk_fonts(pdfs: dict[str, Path]) -> None:
    rows = _run("pdffonts", str(pdfs["example"])).splitlines()[2:]
    assert rows
    assert all(row.split()[-5] == "yes" for row in rows), rows  # the emb column
    names = [row.split()[0] for row in rows]
    assert any("SerifCJK" in n for n in names) and any("SansCJK" in n for n in names), names


@pytest.mark.skipif(not SERIF_CJK.exists() or not shutil.which("pdftoppm"),
                    reason="Noto Serif CJK 或 pdftoppm 未安装")  # fmt: skip
def test_chinese_is_set_in_simplified_chinese_glyphs(pdfs: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat

    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile",
                    str(pdfs["glyphs"]), str(tmp_path / "page")], check=True)  # fmt: skip
    page = Image.open(tmp_path / "page.png").convert("L").point(lambda v: 255 if v < 128 else 0)
    # The first line of ink is the title's first line: the organisation, here 直骨.
    top = next(y for y in range(page.height) if page.crop((0, y, page.width, y + 1)).getbbox())
    bottom = next(y for y in range(top, page.height)
                  if not page.crop((0, y, page.width, y + 1)).getbbox())  # fmt: skip
    line = page.crop((0, top, page.width, bottom))
    inked = [line.crop((x, 0, x + 1, line.height)).getbbox() is not None for x in range(line.width)]
    first, last = inked.index(True), len(inked) - inked[::-1].index(True)
    # Split the line at its widest blank column runs, one split between each pair of glyphs.
    gaps, x = [], first
    while x < last:
        if not inked[x]:
            start = x
            while not inked[x]:
                x += 1
            gaps.append((x - start, start, x))
        x += 1
    cuts = sorted(g[1:] for g in sorted(gaps, reverse=True)[: len(GLYPHS) - 1])
    edges = [first, *(edge for cut in cuts for edge in cut), last]
    glyphs = [line.crop((edges[i], 0, edges[i + 1], line.height)) for i in range(0, len(edges), 2)]
    assert len(glyphs) == len(GLYPHS)

    def normal(img: Image.Image) -> Image.Image:
        return img.crop(img.getbbox()).resize((48, 48))

    listing = _run("fc-query", "-f", "%{index} %{postscriptname}\n", str(SERIF_CJK))
    faces = {name: int(index) for index, name in (row.split() for row in listing.splitlines())}
    sc = next(i for n, i in faces.items() if n.endswith("sc-Regular"))
    jp = next(i for n, i in faces.items() if n.endswith("jp-Regular"))

    def reference(ch: str, index: int) -> Image.Image:
        font = ImageFont.truetype(str(SERIF_CJK), 96, index=index)
        img = Image.new("L", (140, 140), 0)
        ImageDraw.Draw(img).text((10, 10), ch, font=font, fill=255)
        return normal(img.point(lambda v: 255 if v >= 128 else 0))

    def distance(a: Image.Image, b: Image.Image) -> float:
        return ImageStat.Stat(ImageChops.difference(a, b)).mean[0] / 255

    for ch, glyph in zip(GLYPHS, glyphs, strict=True):
        shown = normal(glyph)
        assert distance(shown, reference(ch, sc)) < distance(shown, reference(ch, jp)), ch


# --- how the pages read (issue #13): no page a quarter empty, no lone block, a real 楷体 -----


def _page_count(pdf: Path) -> int:
    info = _run("pdfinfo", str(pdf))
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


@pytest.mark.poppler
def test_no_page_is_more_than_a_quarter_empty_except_the_last(
    pdfs: dict[str, Path], tmp_path: Path
) -> None:
    from PIL import Image, ImageOps

    pdf = pdfs["example"]
    pages = _page_count(pdf)
    assert pages >= 3
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages
    for n, png in enumerate(images[:-1], start=1):
        img = Image.open(png).convert("L")
        w, h = img.size
        top, bottom = round(h * 37 / 297), round(h * (297 - 35) / 297)  # the 版心
        ink = ImageOps.invert(img.crop((0, top, w, bottom))).point(lambda v: 255 if v > 127 else 0)
        box = ink.getbbox()
        assert box is not None, f"page {n} is blank"
        used = box[3] / (bottom - top)
        assert used >= 0.75, f"page {n} of {pages} is {1 - used:.0%} empty"


@pytest.mark.poppler
def test_no_table_block_alone_at_the_top_of_a_page(pdfs: dict[str, Path]) -> None:
    text = _run("pdftotext", "-layout", str(pdfs["example"]), "-")
    for page in text.split("\f")[1:]:
        first = next((line.strip() for line in page.splitlines() if line.strip()), "")
        assert not first.startswith("第二十条第（八）项"), page[:200]


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/arphic/ukai.ttc").exists(),
    reason="fonts-arphic-ukai 未安装：楷体替代字体测试跳过",
)
def test_level_two_headings_use_a_kai_face_when_kaiti_is_missing(pdfs: dict[str, Path]) -> None:
    fonts = _run("pdffonts", str(pdfs["example"]))
    assert "UKai" in fonts  # 楷体_GB2312 -> AR PL UKai CN: headings differ from the 仿宋 body
