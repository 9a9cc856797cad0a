"""The HTML report draws the repo as Sculley et al.'s Figure 1: a box per class of code, its area in proportion
to the lines, ML in the middle; the glue-heaviest files and the project's glue helpers and adapters beside it.
The browser test looks at it in headless Chromium and saves a screenshot (to ``DEBTSCAN_SCREENSHOT_DIR`` when
set, to look at); skipped where Chromium is not installed."""
from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

from browser import Browser, find_chromium
from debtscan.config import load_config
from debtscan.engine import ScanOptions, scan
from debtscan.report.drawing import with_pipeline
from debtscan.report.figure1 import figure_section, layout
from debtscan.report.formats import formats

SERVICE = Path(__file__).resolve().parent.parent / "fixtures" / "scoring-service"
CHROMIUM = find_chromium()


def test_box_areas_are_in_proportion_to_lines_and_ml_sits_in_the_middle():
    boxes = {kind: (x, y, side) for kind, x, y, side in layout({"ml": 5, "glue": 80, "prep": 20, "other": 0})}
    assert set(boxes) == {"ml", "glue", "prep"}           # no box for a class without lines
    assert boxes["glue"][2] ** 2 / boxes["prep"][2] ** 2 == pytest.approx(80 / 20)
    assert boxes["glue"][2] ** 2 / boxes["ml"][2] ** 2 == pytest.approx(80 / 5)
    assert (boxes["ml"][0], boxes["ml"][1]) == (500, 320)  # the centre of the 1000 x 640 picture


def test_boxes_and_their_labels_never_overlap():
    from debtscan.report.figure1 import _extent, _overlapping  # noqa: PLC0415

    lines = {"ml": 300, "glue": 900, "io": 250, "prep": 880, "verify": 10, "config": 400, "process": 60,
             "serving": 5, "monitoring": 350, "analysis": 700, "other": 500}
    boxes = layout(lines)
    assert len(boxes) == 11 and not _overlapping(boxes)
    assert all(0 <= _extent(b)[1] and _extent(b)[3] <= 640 for b in boxes)


def test_the_section_lists_the_glue_heaviest_files_and_the_adapters():
    report, _ = scan(ScanOptions(root=SERVICE, config=load_config(None, SERVICE), use_cache=False, jobs=1,
                                 select=["DS1"]))
    section = figure_section(report.metrics["composition"])
    assert 'data-class="glue"' in section and 'data-class="ml"' in section
    assert "ML code is 6.0% here (the paper notes a mature system may be 5% ML code)" in section
    files = re.findall(r"<tr><td><code>([^<]+)</code></td><td class=num>(\d+)</td>", section)
    assert files[0] == ("scoring/convert.py", "40")
    assert "<code>RecordAdapter</code> (adapter class: to_frame, to_record, to_row)" in section
    assert "<code>scoring.convert.frame_to_matrix</code>" in section


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_the_figure_is_drawn_in_a_browser_and_screenshot(tmp_path):
    root = SERVICE.resolve()
    report, project = scan(ScanOptions(root=root, config=load_config(None, root), use_cache=False, jobs=1))
    page = tmp_path / "report.html"
    page.write_text(formats()["html"](with_pipeline(report, project)), encoding="utf-8")
    with Browser(CHROMIUM, width=1280, height=900) as browser:
        browser.open(page)
        browser.wait_until("document.getElementById('figure1') !== null")
        boxes = browser.evaluate(
            "Array.from(document.querySelectorAll('#figure1 g.box')).map(g => { const r = "
            "g.querySelector('rect').getBoundingClientRect(); return [g.dataset.klass || g.dataset.class, "
            "+g.dataset.lines, r.width, r.height]; })")
        drawn = {kind: (lines, width, height) for kind, lines, width, height in boxes}
        lines = report.metrics["composition"]["repo"]["lines"]
        assert set(drawn) == {kind for kind, n in lines.items() if n}
        assert all(width > 0 and abs(width - height) < 0.5 for _, width, height in drawn.values())
        # the rendered areas keep the proportions of the lines: glue is the big box, ML a small one
        glue, ml = drawn["glue"], drawn["ml"]
        assert glue[1] ** 2 / ml[1] ** 2 == pytest.approx(glue[0] / ml[0], rel=0.02)
        assert glue[1] == max(width for _, width, _ in drawn.values())
        section = browser.evaluate("(() => { const r = document.getElementById('figure1-section')"
                                   ".getBoundingClientRect(); return [r.x, r.y + window.scrollY, r.width, r.height]; })()")
        x, y, width, height = section
        assert width > 900 and height > 600
        shot = browser.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": x, "y": y, "width": width, "height": height, "scale": 1}}, session=True)["data"]
        folder = Path(os.environ.get("DEBTSCAN_SCREENSHOT_DIR") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        png = folder / "figure1-scoring-service.png"
        png.write_bytes(base64.b64decode(shot))
        assert png.stat().st_size > 10_000
        assert browser.console_errors() == []
