"""The comparison page in a real browser: it fits a 1,280 x 800 screen and prints on A4 landscape.

Checked on docs/comparison.html (every bundled protocol, the ladders, the
summaries and the witnesses; test_docs_current.py keeps it up to date) and on
a ladder page from ``compare --ladder``. The width is measured by an inline
script added to a copy of the page, which writes
``document.documentElement.scrollWidth`` and ``window.innerWidth`` into the
DOM that ``--dump-dom`` prints; the pages themselves have no script.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chromium import run_chromium
from missing_protocol import bundled_protocol_ids, load_protocol
from missing_protocol.compare import STANDARD_CHILDREN, ladder
from missing_protocol.compare.render import render_ladder_html

ROOT = Path(__file__).parent.parent
COMPARISON = ROOT / "docs" / "comparison.html"
MEASURE = (
    "<script>document.body.setAttribute('data-fit', "
    "document.documentElement.scrollWidth + ' ' + window.innerWidth);</script></body>"
)
A4_LANDSCAPE = (841.92, 594.96)  # points
PRINTED_WIDTH = 1047  # CSS pixels across A4 landscape inside 10 mm margins: 277 mm


def _measure(tmp_path: Path, page: str, width: int) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of ``page`` in a window ``width`` pixels wide and 800 high."""
    copy = tmp_path / f"measure-{width}.html"
    copy.write_text(page.replace("</body>", MEASURE), encoding="utf-8")
    dom = run_chromium(tmp_path, f"--window-size={width},800", "--dump-dom", copy.as_uri())
    found = re.search(r'data-fit="(\d+) (\d+)"', dom)
    assert found, "the measuring script did not run"
    return int(found[1]), int(found[2])


def _ladder_page() -> str:
    protocols = [load_protocol(i) for i in bundled_protocol_ids()]
    child = STANDARD_CHILDREN[0]
    return render_ladder_html(ladder(protocols, child.timeline, title=child.title))


@pytest.mark.parametrize("width", [1280, PRINTED_WIDTH])
def test_comparison_page_has_no_horizontal_scrolling(tmp_path: Path, width: int) -> None:
    scroll, inner = _measure(tmp_path, COMPARISON.read_text(encoding="utf-8"), width)
    assert inner == width
    assert scroll <= inner


def test_ladder_page_has_no_horizontal_scrolling(tmp_path: Path) -> None:
    scroll, inner = _measure(tmp_path, _ladder_page(), 1280)
    assert (inner, scroll <= inner) == (1280, True)


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """The width and height of every page of a PDF, in points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w), 2), round(float(h), 2)) for w, h in boxes]


def test_comparison_page_prints_on_a4_landscape(tmp_path: Path) -> None:
    pdf = tmp_path / "comparison.pdf"
    run_chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", COMPARISON.as_uri())
    pages = _pages(pdf.read_bytes())
    assert len(pages) > 20
    assert set(pages) == {A4_LANDSCAPE}
