"""The HTML views in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

Skipped when there is no Chromium or no Playwright, unless ``KGRAPH_REQUIRE_BROWSER=1`` (CI),
where that is a failure. ``KGRAPH_CHROMIUM`` names another Chromium binary. Playwright's own
browser download is never used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from kgraph.cli import main
from kgraph.export.html import write_html

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
READY_SECONDS = 60
FADED = "n => n.color && n.color.background.startsWith('rgba')"


def _chromium() -> str | None:
    """KGRAPH_CHROMIUM if set, else chromium on PATH or in /usr/bin; None if it is not there."""
    path = os.environ.get("KGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() else None


def _unavailable(reason: str) -> None:
    if os.environ.get("KGRAPH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"KGRAPH_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    # launch() gives every run a fresh temporary profile (it refuses --user-data-dir)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Opened:
    """A page opened from disk, with everything it tried to fetch, alert and throw."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function(
            "document.body.dataset.ready === 'true'", timeout=READY_SECONDS * 1000
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def eval(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def node_on_screen(self, node: str) -> tuple[float, float]:
        dom = self.eval("id => kgraph.network.canvasToDOM(kgraph.network.getPosition(id))", node)
        box = self.page.locator("#kgraph-network").bounding_box()
        return box["x"] + dom["x"], box["y"] + dom["y"]

    def painted_pixels(self) -> int:
        return int(
            self.eval(
                """() => {
                  const c = document.querySelector('#kgraph-network canvas');
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0;
                  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                  return n;
                }"""
            )
        )


@pytest.fixture
def small_page(browser: Any, small_graph: nx.MultiDiGraph, tmp_path: Path) -> Iterator[Opened]:
    target = tmp_path / "graph.html"
    write_html(small_graph, target)
    opened = Opened(browser, target)
    yield opened
    opened.page.close()


def test_the_canvas_renders_every_node_offline(
    small_page: Opened, small_graph: nx.MultiDiGraph
) -> None:
    assert small_page.painted_pixels() > 500
    assert small_page.eval("kgraph.nodes.length") == small_graph.number_of_nodes()
    assert small_page.eval("kgraph.edges.length") == small_graph.number_of_edges()
    count = small_page.page.locator("#kgraph-count")
    assert count.get_attribute("data-nodes") == str(small_graph.number_of_nodes())
    assert count.inner_text().startswith(f"{small_graph.number_of_nodes()} nodes")
    assert small_page.requests == []
    assert small_page.errors == []


def test_search_by_alias_focuses_the_node(small_page: Opened) -> None:
    page = small_page.page
    page.fill("#kgraph-query", "simplified commai NAVIGATION")
    page.click("#kgraph-search button")
    assert small_page.eval("kgraph.network.getSelectedNodes()") == ["benchmark:scan"]
    page.wait_for_timeout(700)  # the focus animation takes 400 ms
    x, y = small_page.node_on_screen("benchmark:scan")
    box = page.locator("#kgraph-network").bounding_box()
    assert abs(x - (box["x"] + box["width"] / 2)) < 5
    assert abs(y - (box["y"] + box["height"] / 2)) < 5
    assert page.locator("#kgraph-status").inner_text() == "SCAN (benchmark)"
    page.fill("#kgraph-query", "no such thing")
    page.click("#kgraph-search button")
    assert "no match" in page.locator("#kgraph-status").inner_text()


def test_a_title_with_markup_shows_as_text_and_runs_nothing(
    small_page: Opened, small_graph: nx.MultiDiGraph
) -> None:
    paper = next(n for n, t in small_graph.nodes(data="label") if t.startswith("<script>"))
    small_page.eval("id => kgraph.network.focus(id, {scale: 2})", paper)
    small_page.page.mouse.move(*small_page.node_on_screen(paper))
    tooltip = small_page.page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5000)
    text = tooltip.text_content() or ""
    assert text.startswith('<script>alert(1)</script> and <img src=x onerror="window.__pwned=1">')
    # vis-network sets the title with innerText, which turns line ends into <br>: nothing else
    tags = small_page.eval(
        "Array.from(document.querySelector('div.vis-tooltip').children).map(c => c.tagName)"
    )
    assert set(tags) == {"BR"}
    assert small_page.eval("document.querySelectorAll('img').length") == 0
    assert small_page.eval("document.querySelectorAll('script').length") == 3, "data, vis, ours"
    assert small_page.eval("window.__pwned") is None
    assert small_page.dialogs == []
    assert small_page.errors == []


def test_type_filters_and_neighbour_highlight(small_page: Opened) -> None:
    page = small_page.page
    page.uncheck("#kgraph-legend input[value=paper]")
    hidden = small_page.eval("kgraph.nodes.get().filter(n => n.hidden).map(n => n.group)")
    assert hidden == ["paper"] * 3
    page.check("#kgraph-legend input[value=paper]")
    assert small_page.eval("kgraph.nodes.get().filter(n => n.hidden).length") == 0

    page.mouse.click(*small_page.node_on_screen("task:programrepair"))
    faded = small_page.eval(f"kgraph.nodes.get().filter({FADED}).map(n => n.id)")
    assert "task:programrepair" not in faded
    assert "benchmark:scan" in faded
    box = page.locator("#kgraph-network").bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)
    assert small_page.eval(f"kgraph.nodes.get().filter({FADED}).length") == 0
    assert small_page.errors == []


def test_the_seeds_pages_render_every_node(browser: Any, seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["-q", "build", str(seeds_dir), "--out", str(out)]) == 0
    graph = nx.read_graphml(out / "graph.graphml")
    for name in ("graph.html", "benchmarks.html"):
        opened = Opened(browser, out / name)
        shown = int(opened.page.locator("#kgraph-count").get_attribute("data-nodes") or 0)
        assert opened.eval("kgraph.nodes.length") == shown > 0
        if name == "graph.html" and len(graph) <= 3000:
            assert shown == len(graph)
        assert opened.painted_pixels() > 1000
        assert opened.requests == []
        assert opened.errors == []
        opened.page.close()


def test_an_empty_view_loads_and_says_so(browser: Any, tmp_path: Path) -> None:
    from kgraph.export.html import write_benchmarks_html

    target = tmp_path / "benchmarks.html"
    write_benchmarks_html(nx.MultiDiGraph(), target)
    opened = Opened(browser, target)
    assert opened.eval("kgraph.nodes.length") == 0
    assert opened.page.locator("#kgraph-empty").is_visible()
    assert opened.errors == []
    opened.page.close()


def test_a_neighbourhood_page_starts_with_its_entity_selected(
    browser: Any, small_graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    from kgraph.export.atomic import write_text
    from kgraph.export.html import render_neighbourhood

    target = tmp_path / "scan.html"
    write_text(target, render_neighbourhood(small_graph, "scan"))
    opened = Opened(browser, target)
    assert opened.eval("kgraph.network.getSelectedNodes()") == ["benchmark:scan"]
    faded = opened.eval(f"kgraph.nodes.get().filter({FADED}).map(n => n.id)")
    assert faded == ["model:gpt4"], "two hops away: shown, but not a neighbour"
    assert opened.errors == []
    opened.page.close()


def test_search_matches_a_name_with_hyphens_and_spaces_aside_before_parts_of_names(
    browser: Any, tmp_path: Path
) -> None:
    # "gpt4" found RSGPT4V (more papers, and "gpt4" is part of its name) instead of GPT-4
    from kgraph.graph import build_graph
    from kgraph.model import EntityType, Extraction, Mention, Paper
    from kgraph.resolve import resolve

    def paper(title: str, name: str, kind: EntityType) -> Extraction:
        sentence = f"We use {name}."
        return Extraction(Paper(title, sentence), (Mention(name, kind, sentence=sentence),))

    papers = [paper(f"Remote sensing {n}", "RSGPT4V", EntityType.BENCHMARK) for n in range(3)]
    papers.append(paper("Another paper", "GPT-4", EntityType.MODEL))
    graph = build_graph(papers, resolve(papers))
    ids = {data["label"]: node for node, data in graph.nodes(data=True) if "label" in data}
    target = tmp_path / "graph.html"
    write_html(graph, target)
    opened = Opened(browser, target)
    assert opened.eval("kgraph.find('gpt4')") == ids["GPT-4"]
    assert opened.eval("kgraph.find(' GPT 4 ')") == ids["GPT-4"]
    assert opened.eval("kgraph.find('rsgpt')") == ids["RSGPT4V"]
    assert opened.eval("kgraph.find('--')") is None
    assert opened.errors == []
