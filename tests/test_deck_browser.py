"""The offline deck in Chromium at 1280×720 and 1920×1080, as a teacher uses it on a projector.

The deck is built by ``python -m spheredemo.slides`` in a subprocess with SPHEREDEMO_DATA unset and an empty
HOME (the package's own files only). For every slide reached with → : the slide fills the window and every
text lies inside it; HTML text is at least 0.026 × innerHeight, chart text at least 0.0185 × innerHeight (the
notes and the key hint are exempt); charts fill their area; no fixed element covers a control; N shows the
notes inside the window with every control still reachable; a scroll then → lands on the next slide; each
control changes the chart and the readout; P opens the presenter view that follows the deck.
Recipe: ../shared/recipes/BROWSER.md. Screenshots go to the tmp folder (and figures/screenshots/ with
SPHEREDEMO_SAVE_SCREENSHOTS=1).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _browser, _keep

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = [(1280, 720), (1920, 1080)]

# every visible text of the current slide: [{text, size, left, top, right, bottom, svg, exempt}]
TEXTS_JS = """(slide) => {
  const out = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    if (el.closest('script, style')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('[style*="display: none"]')) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.closest('svg') && Number(style.opacity) === 0) continue;
    out.push({text: node.textContent.trim().slice(0, 40), size: parseFloat(style.fontSize),
              left: r.left, top: r.top, right: r.right, bottom: r.bottom, svg: !!el.closest('svg'),
              exempt: !!el.closest('aside.notes')});
  }
  return out;
}"""

CONTROLS_JS = """(slide) => Array.from(slide.querySelectorAll(
    'input, select, button, .slider-rail-rect, .updatemenu-button')).map((c) => {
  const r = c.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, w: r.width, h: r.height};
}).filter((r) => r.w > 0 && r.h > 0)"""

FIXED_JS = """() => Array.from(document.querySelectorAll('body *')).filter((e) => {
  const s = getComputedStyle(e); return s.position === 'fixed' && s.display !== 'none'; }).map((e) => {
  const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"""


def _overlap(a, b) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    out, home = tmp_path_factory.mktemp("deck"), tmp_path_factory.mktemp("empty-home")
    env = {k: v for k, v in os.environ.items() if k != "SPHEREDEMO_DATA"}
    env["HOME"] = str(home)
    env.pop("XDG_CACHE_HOME", None)
    done = subprocess.run([sys.executable, "-m", "spheredemo.slides", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list(home.iterdir()) == [], "the build wrote into HOME (a download or a cache)"
    path = out / "spheredemo_slides.html"
    text = path.read_text(encoding="utf-8")
    for slide in ("embeddings-slide", "faces-slide"):  # the shipped models' slides, not their text stand-ins
        assert f'id="{slide}"' in text, done.stderr
    return path


def _wait_at(page, index):
    page.wait_for_function(f"Math.abs(document.querySelectorAll('section.slide')[{index}]"
                           ".getBoundingClientRect().top) < 2", timeout=10_000)
    page.wait_for_timeout(250)


def _check_slide(page, slide, width, height, where):
    box = slide.bounding_box()
    assert abs(box["y"]) < 2 and box["height"] <= height + 1 and box["width"] <= width + 1, where
    texts = page.evaluate(TEXTS_JS, slide.element_handle())
    assert texts, where
    for t in texts:
        inside = t["left"] >= -1 and t["top"] >= -1 and t["right"] <= width + 1 and t["bottom"] <= height + 1
        assert inside, f"{where}: {t['text']!r} leaves the window ({t})"
        if t["exempt"]:
            continue
        floor = (0.0185 if t["svg"] else 0.026) * height
        assert t["size"] >= floor - 0.01, f"{where}: {t['text']!r} is {t['size']:.1f} px, below {floor:.1f} px"
    controls = page.evaluate(CONTROLS_JS, slide.element_handle())
    for fixed in page.evaluate(FIXED_JS):
        for c in controls:
            assert not _overlap(fixed, c), f"{where}: a fixed element {fixed} covers a control {c}"
    for c in controls:
        assert c["top"] >= 0 and c["bottom"] <= height + 1, f"{where}: control {c} outside the window"
    return controls


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_fits_and_reads_from_the_back_row(deck, tmp_path, size):
    width, height = size
    sync_playwright = _browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(deck.as_uri())
            page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 6",
                                   timeout=60_000)
            page.wait_for_timeout(500)
            slides = page.locator("section.slide")
            n = slides.count()
            assert n >= 10
            for i in range(n):
                slide = slides.nth(i)
                sid = slide.get_attribute("id")
                where = f"{sid} at {width}x{height}"
                _wait_at(page, i)
                controls = _check_slide(page, slide, width, height, where)
                chart = slide.locator(".chart-wrap")
                if chart.count():  # the picture fills the space it is given
                    wrap = chart.bounding_box()
                    svg = slide.locator(".chart-wrap .main-svg").first.bounding_box()
                    assert wrap["height"] > 0.3 * height, where
                    assert svg["width"] >= 0.97 * wrap["width"] and svg["height"] >= 0.97 * wrap["height"], where
                shot = tmp_path / f"deck_{width}x{height}_{i:02d}_{sid}.png"
                page.screenshot(path=str(shot))
                _keep(shot, shot.name)
                page.keyboard.press("n")  # the notes inside the window, every control still there and uncovered
                page.wait_for_timeout(300)
                notes = slide.locator("aside.notes")
                assert notes.is_visible(), where
                nb = notes.bounding_box()
                nb = dict(nb, left=nb["x"], top=nb["y"], right=nb["x"] + nb["width"], bottom=nb["y"] + nb["height"])
                assert nb["y"] >= 0 and nb["y"] + nb["height"] <= height + 1, f"{where}: notes {nb}"
                with_notes = _check_slide(page, slide, width, height, where + " with notes")
                assert len(with_notes) == len(controls), where
                for c in with_notes:
                    assert not _overlap(c, nb), f"{where}: the notes cover a control"
                if i in (1, n - 2):
                    shot = tmp_path / f"deck_{width}x{height}_{i:02d}_{sid}_notes.png"
                    page.screenshot(path=str(shot))
                    _keep(shot, shot.name)
                page.keyboard.press("n")
                page.keyboard.press("ArrowRight")
            assert all(url.startswith(("file:", "data:", "blob:", "about:")) for url in requests), requests
        finally:
            browser.close()


def test_controls_scroll_and_presenter_view(deck, tmp_path):
    sync_playwright = _browser()
    width, height = SIZES[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(deck.as_uri())
            page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 6",
                                   timeout=60_000)
            controlled = page.locator(".controls[data-target]")
            assert controlled.count() >= 6
            for k in range(controlled.count()):
                box = controlled.nth(k)
                target = box.get_attribute("data-target")
                captions = json.loads(page.locator(f"#{target}-captions").text_content())
                before = (page.locator(f"#{target}-readout").inner_text(),
                          page.evaluate(f"JSON.stringify(document.getElementById('{target}').data.map(t => t.y))"))
                control = box.locator("input, select").last
                page.locator(f"#{target}-slide").scroll_into_view_if_needed()
                if control.evaluate("e => e.tagName") == "SELECT":
                    control.select_option(index=control.locator("option").count() - 1)
                else:
                    control.evaluate("e => { e.value = e.max; e.dispatchEvent(new Event('input', {bubbles: true})); }")
                page.wait_for_timeout(400)
                after = (page.locator(f"#{target}-readout").inner_text(),
                         page.evaluate(f"JSON.stringify(document.getElementById('{target}').data.map(t => t.y))"))
                assert after[0] != before[0] and after[0] in captions.values(), target
                assert after[1] != before[1], f"{target}: the control moved nothing in the chart"
            # Table 1: the readout answers the notes' question (θ12 = 90°, m = 3)
            page.keyboard.press("Home")
            page.keyboard.press("ArrowRight")
            _wait_at(page, 1)
            page.locator("#boundaries-slide input[name=m]").evaluate(
                "e => { e.value = 2; e.dispatchEvent(new Event('input', {bubbles: true})); }")
            page.locator("#boundaries-slide input[name=theta12]").evaluate(
                "e => { e.value = JSON.parse(e.dataset.keys).indexOf('90'); "
                "e.dispatchEvent(new Event('input', {bubbles: true})); }")
            assert page.locator("#boundaries-readout").inner_text().startswith(
                "m = 3: margin (m−1)/(m+1)·θ12 = 45.0°")
            # a scroll (to reach a control), then →: the next slide, never one further
            for start in (1, 3):
                page.evaluate(f"document.querySelectorAll('section.slide')[{start}].scrollIntoView()")
                _wait_at(page, start)
                page.mouse.move(width / 2, height / 2)
                page.mouse.wheel(0, 90)
                page.wait_for_timeout(600)
                shown = page.evaluate("currentSlide()")
                page.keyboard.press("ArrowRight")
                _wait_at(page, shown + 1)
            # P: the presenter view with the notes, the next slide and a clock, following the deck
            page.keyboard.press("Home")
            _wait_at(page, 0)
            with page.expect_popup() as popup_info:
                page.keyboard.press("p")
            presenter = popup_info.value
            presenter.wait_for_load_state("load")
            assert presenter.url.endswith("#presenter")
            presenter.wait_for_function("document.querySelector('#presenter .where').textContent.startsWith('Slide 1 /')",
                                        timeout=10_000)
            assert presenter.locator("#presenter .clock").inner_text().strip()
            assert "Ask the class" in presenter.locator("#presenter .notes-now").inner_text()
            assert "Table 1" in presenter.locator("#presenter .next").inner_text()
            page.bring_to_front()
            page.keyboard.press("ArrowRight")
            presenter.wait_for_function("document.querySelector('#presenter .where').textContent.startsWith('Slide 2 /')",
                                        timeout=10_000)
            presenter.keyboard.press("ArrowRight")  # the presenter's keys drive the deck
            _wait_at(page, 2)
            shot = tmp_path / "deck_presenter.png"
            presenter.screenshot(path=str(shot))
            _keep(shot, shot.name)
        finally:
            browser.close()
