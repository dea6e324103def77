"""A real browser: JupyterLab runs notebook 01 and moves its m slider; the offline slides' too.

Recipe: ../shared/recipes/BROWSER.md (Debian's Chromium driven by Playwright). Screenshots go to
the test's tmp folder; with SPHEREDEMO_SAVE_SCREENSHOTS=1 they are also copied to
figures/screenshots/. Assertions read data from the page (texts, readouts), never pixels.
"""

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


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab on 127.0.0.1 serving a copy of notebook 01 (the repo's copy stays clean)."""
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copyfile(
        REPO / "notebooks" / "01_decision_boundaries.ipynb", root / "01_decision_boundaries.ipynb"
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
    )
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


def test_boundary_notebook_in_jupyterlab(jupyterlab, tmp_path):
    sync_playwright = _browser()
    base, token = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/01_decision_boundaries.ipynb?token={token}")
            # kernel ready
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=90_000)
            page.get_by_role("menuitem", name="Run").click()
            page.get_by_text("Run All Cells", exact=True).click()
            margin = page.locator(".spheredemo-margin").first
            margin.wait_for(timeout=90_000)
            page.locator(".widget-slider").first.wait_for(timeout=30_000)
            # the 3D caps
            page.locator(".jp-OutputArea .js-plotly-plot").first.wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            assert "54.0°" in margin.inner_text()  # m = 4, θ12 = 90: (4−1)/(4+1)·90

            m_slider = page.locator(".widget-slider").first
            assert m_slider.locator(".widget-label").inner_text().strip() == "m"
            readout = m_slider.locator(".widget-readout")
            m_slider.locator(".noUi-handle").click()
            page.keyboard.press("ArrowRight")
            # m = 5: 4/6·90
            page.wait_for_function(
                "document.querySelector('.spheredemo-margin').innerText.includes('60.0°')",
                timeout=20_000,
            )
            assert readout.inner_text().strip() == "5"
            for _ in range(2):
                page.keyboard.press("ArrowLeft")
            # m = 3: 2/4·90
            page.wait_for_function(
                "document.querySelector('.spheredemo-margin').innerText.includes('45.0°')",
                timeout=20_000,
            )
            assert readout.inner_text().strip() == "3"
            _dismiss_news(page)
            page.wait_for_timeout(500)
            shot = tmp_path / "boundary_explorer.png"
            page.screenshot(path=str(shot), full_page=True)
            _keep(shot, "boundary_explorer.png")

            # A value typed past the slider's end is clamped, and no traceback reaches the output.
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("99")
            page.keyboard.press("Enter")
            # clamped to m = 6: 5/7·90
            page.wait_for_function(
                "document.querySelector('.spheredemo-margin').innerText.includes('64.3°')",
                timeout=20_000,
            )
            assert readout.inner_text().strip() == "6"
            assert (
                page.locator(
                    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                ).count()
                == 0
            )
            assert page.locator(".spheredemo-message").first.inner_text().strip() == ""
        finally:
            browser.close()


def test_slides_slider_offline(tmp_path):
    sync_playwright = _browser()
    from spheredemo.slides import build_deck

    deck = build_deck(tmp_path / "deck", embeddings=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(deck.as_uri())
            page.locator("#boundaries .slider-rail-rect").wait_for(timeout=30_000)
            page.locator("#boundaries-slide").scroll_into_view_if_needed()

            def margin_text():
                return [
                    t
                    for t in page.locator("#boundaries .annotation-text").all_text_contents()
                    if "margin" in t
                ]

            assert margin_text() == ["m = 1: margin = 0° (one shared boundary)"]
            rail = page.locator("#boundaries .slider-rail-rect").bounding_box()
            for fraction, expected in (
                (0.6, "m = 4: margin (m−1)/(m+1)·θ12 = 54.0°"),
                (1.0, "m = 6: margin (m−1)/(m+1)·θ12 = 64.3°"),
            ):
                page.mouse.click(
                    rail["x"] + rail["width"] * fraction - (1 if fraction == 1 else 0),
                    rail["y"] + rail["height"] / 2,
                )
                page.wait_for_timeout(400)
                assert margin_text() == [expected]
            shot = tmp_path / "slides_boundaries.png"
            page.screenshot(path=str(shot))
            _keep(shot, "slides_boundaries.png")
            assert all(url.startswith(("file:", "data:", "blob:", "about:")) for url in requests), (
                requests
            )
        finally:
            browser.close()
