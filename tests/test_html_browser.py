"""The HTML report in a real browser (headless Chromium, driven over the DevTools protocol): the graph is laid
out and drawn, edges go around the nodes they do not touch, the page fetches nothing, and the findings filters,
sorting, grouping, search and click-to-highlight work. Skipped where Chromium is not installed (``.ci/run``
installs Debian's ``chromium``)."""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from browser import Browser, find_chromium
from debtscan.config import load_config
from debtscan.engine import ScanOptions, scan
from debtscan.report.drawing import with_pipeline
from debtscan.report.formats import formats

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); the HTML report's browser "
                             "test needs a real browser")
DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

# Every edge's drawn path (source endpoint, bends, target endpoint) against every node it does not connect.
CROSSINGS = r"""(() => {
  const cy = debtscanGraph.cy, boxes = cy.nodes().map(n => [n, n.boundingBox({includeLabels: false})]);
  const inside = (x, y, r) => x > r.x1 + 1 && x < r.x2 - 1 && y > r.y1 + 1 && y < r.y2 - 1;
  const bad = [];
  cy.edges().forEach(e => {
    const pts = [e.sourceEndpoint()].concat(e.segmentPoints() || []).concat([e.targetEndpoint()]);
    for (const [node, r] of boxes) {
      if (node.same(e.source()) || node.same(e.target())) continue;
      for (let i = 0; i + 1 < pts.length; i++) for (let t = 0; t <= 1; t += 0.01)
        if (inside(pts[i].x + (pts[i + 1].x - pts[i].x) * t, pts[i].y + (pts[i + 1].y - pts[i].y) * t, r)) {
          bad.push(e.data("title") + " passes through " + node.data("label")); return; }
    }
  });
  return bad; })()"""

# The share of the graph's drawn pixels that are not background: a drawing, not an empty canvas.
INK = r"""new Promise(done => {
  const img = new Image();
  img.onload = () => {
    const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
    const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data; let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) ink++;
    done(ink / (c.width * c.height));
  };
  img.src = debtscanGraph.cy.png({bg: "#ffffff", full: true, scale: 1});
})"""


def visible_rows(browser):
    return browser.evaluate("Array.from(document.querySelectorAll('#findings tbody tr:not(.group)'))"
                            ".filter(r => !r.hidden).map(r => [r.dataset.rule, r.dataset.path, +r.dataset.line])")


def choose(browser, element_id, value, event="change"):
    browser.evaluate(f"(() => {{ const e = document.getElementById({json.dumps(element_id)}); "
                     f"e.value = {json.dumps(value)}; e.dispatchEvent(new Event({json.dumps(event)})); }})()")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = DEMO.resolve()
    report, project = scan(ScanOptions(root=root, config=load_config(None, root), use_cache=False, jobs=1))
    # the demo's findings are all warnings: make two of them errors and one info, so the severity filter and
    # the severity sort have something to tell apart
    report.findings[0] = replace(report.findings[0], severity="error")
    report.findings[5] = replace(report.findings[5], severity="error")
    report.findings[3] = replace(report.findings[3], severity="info")
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(formats()["html"](with_pipeline(report, project)), encoding="utf-8")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', path.read_text("utf-8"), re.S).group(1))
    return report, path, data


@pytest.fixture(scope="module")
def browser(page):
    with Browser(CHROMIUM) as chromium:
        chromium.open(page[1])
        chromium.wait_until("window.debtscanGraph && debtscanGraph.cy.nodes().length > 0")
        yield chromium


def test_the_graph_is_laid_out_and_drawn_offline(page, browser, tmp_path):
    _, path, data = page
    view = data["views"]["files"]
    assert browser.evaluate("debtscanGraph.view") == "files"
    drawn = browser.evaluate("debtscanGraph.cy.nodes().map(n => n.data('label')).sort()")
    assert drawn == sorted(n["label"] for n in view["nodes"])
    assert browser.evaluate("debtscanGraph.cy.edges().length") == len(view["edges"])
    # laid out: no two nodes overlap, and each hand-off goes left to right from writer to reader
    assert browser.evaluate("""(() => { const ns = debtscanGraph.cy.nodes(); let overlaps = 0;
        ns.forEach(a => ns.forEach(b => { if (a.id() < b.id()) { const p = a.boundingBox(), q = b.boundingBox();
          if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) overlaps++; } })); return overlaps; })()""") == 0
    x = browser.evaluate("Object.fromEntries(debtscanGraph.cy.nodes().map(n => [n.data('label'), n.position('x')]))")
    assert x["01_prepare.py"] < x["data/interim/customers.parquet"] < x["02_features.py"] \
        < x["data/features/train.pkl"] < x["03_train.py"]
    assert browser.evaluate(CROSSINGS) == []
    assert browser.evaluate(INK) > 0.005
    # the page itself, nothing else (data: URLs, like the drawing read back above, are not fetched)
    assert [u for u in browser.requested_urls() if not u.startswith("data:")] == [path.resolve().as_uri()]
    assert browser.console_errors() == []
    browser.evaluate("document.getElementById('graph-tools').scrollIntoView()")
    shot = browser.screenshot(tmp_path / "demo-graph.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    keep = os.environ.get("DEBTSCAN_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


def test_tooltips_read_subject_first(browser):
    titles = browser.evaluate("debtscanGraph.cy.edges().map(e => e.data('title'))")
    assert "03_train.py reads data/features/train.pkl" in titles
    assert not [t for t in titles if re.match(r"data/\S+ reads ", t)]
    browser.evaluate("debtscanGraph.cy.edges().filter(e => e.data('title') === "
                     "'03_train.py reads data/features/train.pkl').emit('mouseover'), 0")
    assert browser.evaluate("document.getElementById('graph-tip').textContent") == \
        "03_train.py reads data/features/train.pkl"


def test_clicking_a_module_highlights_its_hand_offs(browser):
    browser.evaluate("debtscanGraph.cy.nodes().filter(n => n.data('label') === '03_train.py').emit('tap'), 0")
    info = browser.evaluate("document.getElementById('graph-info').innerText")
    assert "03_train.py reads data/features/train.pkl" in info and "03_train.py writes" in info
    highlighted = browser.evaluate("debtscanGraph.cy.elements().not('.faded').map(e => e.data('label') || "
                                   "e.data('title')).sort()")
    assert "data/features/train.pkl" in highlighted and "01_prepare.py" not in highlighted
    browser.evaluate("debtscanGraph.cy.emit('tap'), 0")  # the background: everything back
    assert browser.evaluate("debtscanGraph.cy.elements('.faded').length") == 0


def test_search_finds_nodes_and_the_modules_view_collapses_files(page, browser):
    _, _, data = page
    choose(browser, "graph-search", "churn", event="input")
    found = browser.evaluate("debtscanGraph.cy.nodes('.found').map(n => n.data('label')).sort()")
    assert found and all("churn" in label for label in found)
    choose(browser, "graph-search", "", event="input")
    browser.evaluate("document.querySelector('input[name=graph-view][value=modules]').click()")
    assert browser.evaluate("debtscanGraph.view") == "modules"
    assert browser.evaluate("debtscanGraph.cy.nodes().length") == len(data["views"]["modules"]["nodes"])
    assert browser.evaluate("debtscanGraph.cy.nodes('.artifact').length") == 0
    assert browser.evaluate(CROSSINGS) == []
    # direct steps: 01_prepare.py -> fraud/train_fraud.py is implied by the chain through 02_features.py, so it
    # is not drawn, and clicking 01_prepare.py lists it
    browser.evaluate("document.querySelector('input[name=graph-view][value=steps]').click()")
    assert browser.evaluate("debtscanGraph.view") == "steps"
    assert browser.evaluate("debtscanGraph.cy.edges().length") == len(data["views"]["steps"]["edges"]) \
        == len(data["views"]["modules"]["edges"]) - 1
    browser.evaluate("debtscanGraph.cy.nodes().filter(n => n.data('label') === '01_prepare.py').emit('tap'), 0")
    info = browser.evaluate("document.getElementById('graph-info').innerText")
    assert "Also out, not drawn" in info and \
        "fraud/train_fraud.py reads data/interim/customers.parquet written by 01_prepare.py" in info
    assert browser.evaluate(CROSSINGS) == []
    browser.evaluate("document.querySelector('input[name=graph-view][value=files]').click()")
    assert browser.evaluate("debtscanGraph.view") == "files"


def test_findings_filter_sort_and_group(page, browser, tmp_path):
    report, _, _ = page
    everything = visible_rows(browser)
    assert len(everything) == len(report.findings)
    choose(browser, "filter-rule", "DS201")
    rows = visible_rows(browser)
    assert rows and {r[0] for r in rows} == {"DS201"}
    assert len(rows) == sum(f.code == "DS201" for f in report.findings)
    assert browser.evaluate("document.getElementById('finding-count').textContent") == \
        f"{len(rows)} of {len(report.findings)} shown"
    choose(browser, "filter-path", "FRAUD", event="input")  # case-insensitive part of a path
    assert visible_rows(browser) == [r for r in rows if "fraud" in r[1]]
    choose(browser, "filter-rule", "")
    choose(browser, "filter-path", "")
    choose(browser, "filter-severity", "info")
    assert {r[0] for r in visible_rows(browser)} == {f.code for f in report.findings if f.severity == "info"}
    choose(browser, "filter-severity", "error")
    assert sorted(visible_rows(browser)) == sorted([f.code, f.path, f.line] for f in report.findings
                                                   if f.severity == "error")
    choose(browser, "filter-severity", "")
    browser.evaluate("document.querySelector('th[data-sort=severity]').click()")
    severities = browser.evaluate("Array.from(document.querySelectorAll('#findings tbody tr:not(.group)'))"
                                  ".map(r => r.dataset.severity)")
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    choose(browser, "filter-category", "coupled-signals")
    assert {r[0][:3] for r in visible_rows(browser)} == {"DS3"}
    choose(browser, "filter-category", "")
    browser.evaluate("document.querySelector('th[data-sort=location]').click()")
    rows = visible_rows(browser)
    assert [(r[1], r[2]) for r in rows] == sorted((r[1], r[2]) for r in rows)
    browser.evaluate("document.querySelector('th[data-sort=location]').click()")  # again: descending
    assert [(r[1], r[2]) for r in visible_rows(browser)] == sorted(((r[1], r[2]) for r in rows), reverse=True)
    choose(browser, "group-by", "rule")
    groups = browser.evaluate("Array.from(document.querySelectorAll('#findings tr.group')).map(g => g.textContent)")
    assert groups == [f"{code} ({sum(f.code == code for f in report.findings)})"
                      for code in sorted({f.code for f in report.findings})]
    browser.evaluate("document.getElementById('findings').scrollIntoView()")
    browser.screenshot(tmp_path / "demo-findings.png")
    choose(browser, "group-by", "")
