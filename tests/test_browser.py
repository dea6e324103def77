"""A real browser: JupyterLab launched as the README says (`jupyter lab notebooks/`) runs lesson 01 and follows its
prediction prompt with the m slider, its sphere's reset icon and a glossary link into notebooks/glossary.md; lesson
05 without an LFW copy shows a note where the faces go (no broken image), and pointed at one with
face_explorer(lfw=...) shows both faces and moves from one model to another; the offline deck's slider, speaker
notes and keys.

Recipe: ../shared/recipes/BROWSER.md (Debian's Chromium driven by Playwright). Screenshots go to
the test's tmp folder; with SPHEREDEMO_SAVE_SCREENSHOTS=1 they are also copied to
figures/screenshots/. Assertions read data from the page (texts, readouts), never pixels.
"""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "figures" / "screenshots"


def _browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is missing: pip install playwright"
    )
    return sync_api.sync_playwright


def _keep(shot: Path, name: str) -> None:
    if os.environ.get("SPHEREDEMO_SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)


def _dismiss_news(page) -> None:
    """Close JupyterLab's first-start "official Jupyter news?" toast, if shown."""
    news = page.get_by_role("button", name="No", exact=True)
    if news.count():
        news.first.click()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab launched as the README says, ``jupyter lab notebooks/``: its root is (a copy of) the notebooks
    folder, so nothing outside it (the README) can be reached. The kernel has no LFW copy (no SPHEREDEMO_DATA, an
    empty user cache), as on a fresh clone; lesson 5 then points the explorer at one with face_explorer(lfw=...).
    One launch for the module; the repo's notebooks stay clean."""
    tmp_path = tmp_path_factory.mktemp("lab")
    root = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = _free_port(), secrets.token_hex(16)
    env = {key: value for key, value in os.environ.items() if key != "SPHEREDEMO_DATA"}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "JupyterLab did not start; log:\n"
                        + (tmp_path / "jupyterlab.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _run_all(page):
    """Run every cell of the open notebook once its kernel is idle."""
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=180_000)
    page.get_by_role("menuitem", name="Run").click()
    page.get_by_text("Run All Cells", exact=True).click()


@contextlib.contextmanager
def _running_notebook(jupyterlab, notebook: str):
    """A Chromium page on the JupyterLab fixture's copy of ``notebooks/<notebook>``, its cells set running."""
    sync_playwright = _browser()
    base, token = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # a workspace of its own: the module's one server must not reopen (and run) the last test's tabs
            page.goto(f"{base}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?reset&token={token}")
            _run_all(page)
            yield page
        finally:
            browser.close()


def _wait_margin(page, text):
    page.wait_for_function(
        f"document.querySelector('.spheredemo-margin').textContent.includes('{text}')", timeout=60_000
    )


def test_boundary_lesson_in_jupyterlab(jupyterlab, tmp_path):
    """Lesson 1 as a student meets it: the prediction prompt, the m slider that answers it, the hidden answer."""
    with _running_notebook(jupyterlab, "01_decision_boundaries.ipynb") as page:
        margin = page.locator(".spheredemo-margin").first
        margin.wait_for(timeout=180_000)
        page.locator(".widget-slider").first.wait_for(timeout=30_000)
        # the 3D caps
        page.locator(".jp-OutputArea .js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        assert "36.0°" in margin.text_content()  # the lesson opens at m = 4, θ12 = 60: (4−1)/(4+1)·60
        # each boundary from W1, read off for exercise 2: θ12/(m+1) and mθ12/(m+1)
        assert "class 1's boundary at 12.0° from W1, class 2's at 48.0°" in margin.text_content()

        # The prediction is asked before the explorer that answers it, and the formula waits in a closed block;
        # the student then moves m to the setting and reads the answer.
        # (text_content throughout: JupyterLab may skip painting cells out of view, which empties their innerText)
        prompt = page.locator(".jp-RenderedMarkdown", has_text="Predict first").first
        assert "how wide is the wedge at m = 3?" in " ".join(prompt.text_content().split())
        explorer_top = page.locator(".jp-OutputArea-output", has=margin).first.evaluate(
            "e => e.getBoundingClientRect().top + window.scrollY")
        assert prompt.evaluate("e => e.getBoundingClientRect().top + window.scrollY") < explorer_top
        formula = page.locator(".jp-RenderedMarkdown details", has_text="the margin formula").first
        assert formula.get_attribute("open") is None
        m_slider = page.locator(".widget-slider").first
        assert m_slider.locator(".widget-label").text_content().strip() == "m"
        readout = m_slider.locator(".widget-readout")
        m_slider.locator(".noUi-handle").click()
        page.keyboard.press("ArrowLeft")
        _wait_margin(page, "30.0°")  # m = 3: 2/4·60
        assert readout.text_content().strip() == "3"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        _wait_margin(page, "40.0°")  # m = 5: 4/6·60
        assert readout.text_content().strip() == "5"

        # The untouched exercise says so; its worked answer stays folded until opened.
        check = page.locator(".jp-OutputArea-output", has_text="not answered yet").first
        assert "margin at m = 3, θ12 = 60°" in check.text_content()
        # shown as prose that wraps between words, not as plain text that JupyterLab breaks anywhere
        assert check.locator(".spheredemo-check").evaluate("e => getComputedStyle(e).wordBreak") == "normal"
        worked = page.locator(".jp-RenderedMarkdown details", has_text="2/4 · 60°").first
        worked.scroll_into_view_if_needed()
        hidden = worked.locator("p", has_text="A feature in that wedge")
        assert worked.get_attribute("open") is None and not hidden.is_visible()
        worked.locator("summary").click()
        hidden.wait_for(state="visible", timeout=5_000)
        assert worked.get_attribute("open") is not None
        _dismiss_news(page)
        page.wait_for_timeout(500)
        shot = tmp_path / "boundary_lesson.png"
        page.screenshot(path=str(shot), full_page=True)
        _keep(shot, "boundary_lesson.png")

        # A value typed past the slider's end is clamped, and no traceback reaches the output.
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("99")
        page.keyboard.press("Enter")
        _wait_margin(page, "42.9°")  # clamped to m = 6: 5/7·60
        assert readout.text_content().strip() == "6"
        assert (
            page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            ).count()
            == 0
        )
        assert page.locator(".spheredemo-message").first.text_content().strip() == ""

        _rotate_and_reset_the_sphere(page)
        _follow_a_glossary_link(page)


SPHERE = ".jp-OutputArea .js-plotly-plot"
CAMERA = "(sel) => JSON.stringify(document.querySelector(sel)._fullLayout.scene.camera)"


def _rotate_and_reset_the_sphere(page):
    """The lesson's text: drag rotates the sphere; the film-camera icon (Reset camera to last save) brings back the
    opening view."""
    sphere = page.locator(SPHERE).first
    sphere.scroll_into_view_if_needed()
    opening = page.evaluate(CAMERA, SPHERE)
    box = sphere.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x + 12 * i, y + 6 * i)
    page.mouse.up()
    page.wait_for_timeout(500)
    assert page.evaluate(CAMERA, SPHERE) != opening  # rotated
    page.mouse.move(x, y)  # the toolbar shows under the mouse
    page.locator(f'{SPHERE} .modebar-btn[data-title="Reset camera to last save"]').click()
    page.wait_for_function(
        f"(o) => JSON.stringify(document.querySelector('{SPHERE}')._fullLayout.scene.camera) === o",
        arg=opening,
        timeout=10_000,
    )


def _follow_a_glossary_link(page):
    """A symbol's link opens notebooks/glossary.md (inside the folder JupyterLab serves) in its Markdown preview,
    scrolled to that symbol's heading, not to the top."""
    link = page.locator(".jp-RenderedMarkdown a", has_text="θ₁₂").first
    href = link.get_attribute("href")  # JupyterLab rewrites the path, keeps the fragment
    assert "glossary.md" in href, href
    link.scroll_into_view_if_needed()
    link.click()
    page.locator(".jp-RenderedMarkdown h1", has_text="Glossary of the paper's symbols").first.wait_for(timeout=30_000)
    page.wait_for_function(  # scrolled to it: the entry's heading at the top of the glossary's view
        """() => { const h = document.querySelector('.jp-MarkdownViewer h2[data-jupyter-id="theta12"]');
                   if (!h) return false;
                   const box = h.closest('.jp-MarkdownViewer').getBoundingClientRect();
                   const top = h.getBoundingClientRect().top;
                   return top >= box.top - 1 && top < box.top + 120; }""",
        timeout=15_000,
    )
    entry = page.locator('.jp-MarkdownViewer h2[data-jupyter-id="theta12"]').first
    assert entry.text_content().strip().startswith("theta12")
    assert "θ₁₂: the angle between two class weights" in entry.evaluate("h => h.nextElementSibling.textContent")


BROKEN_IMAGES = "(root) => [...root.querySelectorAll('img')].filter(i => !i.complete || i.naturalWidth === 0).length"
LOADED_IMAGES = "(root) => [...root.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0).length"


def test_faces_lesson_in_jupyterlab(jupyterlab, lfw_root, tmp_path):
    """Lesson 5 as a student meets it on a fresh clone: no LFW copy, so where the faces go a note says how to get
    them, no broken image anywhere, and the numbers work; the student points the explorer at an LFW copy as the
    first cell says, face_explorer(lfw=...), and both faces of the pair appear; the m slider and the loss dropdown
    bring up the other models' numbers."""
    from spheredemo import pretrained

    def readout_of(name):
        v = pretrained.face_results(name).verification
        return f"{100 * v.mean:.1f} % ± {100 * v.std:.1f}", f"{v.threshold_deg:.1f}°"

    with _running_notebook(jupyterlab, "05_faces_on_the_hypersphere.ipynb") as page:
        first = page.locator(".jp-RenderedMarkdown", has_text="The photos need an LFW copy").first
        assert 'face_explorer(lfw="path/to/lfw")' in first.text_content()
        readout = page.locator(".spheredemo-faces-readout").first
        readout.wait_for(timeout=180_000)

        def wait_for(name):
            accuracy, threshold = readout_of(name)
            page.wait_for_function(
                "([a, t]) => { const r = document.querySelector('.spheredemo-faces-readout');"
                " return r && r.textContent.includes(a) && r.textContent.includes(t); }",
                arg=[accuracy, threshold], timeout=30_000)

        wait_for("lfw-d512-asoftmax-m4")
        note = page.locator(".spheredemo-faces-placeholder").first
        note.wait_for(timeout=30_000)
        assert 'face_explorer(lfw="path/to/lfw")' in note.text_content() and "SPHEREDEMO_DATA" in note.text_content()
        page.locator(".jp-OutputArea-output img").first.wait_for(timeout=60_000)  # Fig. 5 and Table 3 on faces
        page.wait_for_timeout(500)
        notebook = page.locator(".jp-NotebookPanel").first
        assert notebook.evaluate(BROKEN_IMAGES) == 0
        explorer = page.locator(".jp-OutputArea-output").filter(has=readout).first
        # the histograms' picture alone: no Image widget without a PNG where the faces go
        assert explorer.evaluate("(e) => e.querySelectorAll('img').length") == 1
        assert explorer.evaluate(LOADED_IMAGES) == 1

        # the student follows the first cell: the explorer cell pointed at an LFW copy, run again
        cell = page.locator(".jp-CodeCell", has_text="face_explorer()").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(f'face_explorer(lfw="{lfw_root}")')
        page.keyboard.press("Shift+Enter")
        cell = page.locator(".jp-CodeCell", has_text="face_explorer(lfw=").first
        explorer = cell.locator(".jp-OutputArea-output").filter(has=page.locator(".spheredemo-faces-readout")).first
        # the histograms and the pair's two faces
        page.wait_for_function(f"(e) => ({LOADED_IMAGES})(e) === 3", arg=explorer.element_handle(), timeout=60_000)
        assert explorer.locator(".spheredemo-faces-placeholder").count() == 0
        assert notebook.evaluate(BROKEN_IMAGES) == 0
        _dismiss_news(page)
        explorer.scroll_into_view_if_needed()
        shot = tmp_path / "face_explorer.png"
        explorer.screenshot(path=str(shot))
        _keep(shot, "face_explorer.png")
        # the m slider: three steps down reach m = 1, the modified softmax's twin
        m_slider = explorer.locator(".widget-slider").first
        assert m_slider.locator(".widget-label").text_content().strip() == "m (A-Softmax)"
        m_slider.locator(".noUi-handle").click()
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        wait_for("lfw-d512-asoftmax-m1")
        explorer.locator("select").first.select_option(label="softmax")
        wait_for("lfw-d512-softmax")
        page.wait_for_function(f"(e) => ({LOADED_IMAGES})(e) === 3", arg=explorer.element_handle(), timeout=30_000)


# The offline deck's browser tests (fit, text sizes, notes, controls, presenter view) are tests/test_deck_browser.py.
