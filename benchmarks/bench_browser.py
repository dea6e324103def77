"""What a student feels: the time from pressing the m slider's arrow key in Chromium to the redrawn figure
being on the page, for the boundary (lesson 01), ψ (lesson 02) and embedding (lesson 03, a checkpoint swap)
explorers in a real JupyterLab.

For each notebook: start JupyterLab on a copy of it, Run All, click the explorer's first slider handle, then
press ArrowLeft / ArrowRight alternately ``--presses`` times; each press is timed until the explorer's figure
(its PNG ``<img>``) has a new ``src``. Prints the median and the maximum per explorer, against the targets
(median < 100 ms for the boundary and ψ explorers, < 200 ms for a checkpoint swap).

Needs Debian's chromium at /usr/bin/chromium and playwright (pip install -e ".[test]").

    python benchmarks/bench_browser.py [--presses 20]
"""

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CASES = [  # (notebook, slider label, target median ms)
    ("01_decision_boundaries.ipynb", "boundary explorer, m slider", 100),
    ("02_psi_and_annealing.ipynb", "ψ explorer, m slider", 100),
    ("03_mnist_on_the_hypersphere.ipynb", "embedding explorer, loss / m slider (checkpoint swap)", 200),
]


def start_lab(root: Path, work: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(work / "runtime"), JUPYTER_CONFIG_DIR=str(work / "config"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root}",
         f"--LabApp.workspaces_dir={work / 'workspaces'}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=open(work / "lab.log", "w"), stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return server, base, token
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("JupyterLab did not start:\n" + (work / "lab.log").read_text()[-2000:])
            time.sleep(0.5)


def time_presses(page, presses: int) -> list[float]:
    """Milliseconds from each key press to a new figure src."""
    image = page.locator("img.widget-image").first
    image.wait_for(timeout=120_000)
    page.locator(".widget-slider .noUi-handle").first.click()
    page.wait_for_timeout(1000)
    times = []
    for k in range(presses):
        before = image.get_attribute("src")
        start = time.perf_counter()
        page.keyboard.press("ArrowLeft" if k % 2 == 0 else "ArrowRight")  # some sliders open at their maximum
        page.wait_for_function("([img, old]) => img.getAttribute('src') !== old", arg=[image.element_handle(),
                                                                                         before], timeout=30_000,
                               polling="raf")
        times.append(1000 * (time.perf_counter() - start))
        page.wait_for_timeout(150)  # a student's pace: one press after the other has landed
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presses", type=int, default=20, help="arrow-key presses per explorer")
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    results = []
    for notebook, label, target in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            root = work / "lab"
            root.mkdir()
            shutil.copyfile(REPO / "notebooks" / notebook, root / notebook)
            server, base, token = start_lab(root, work)
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page.goto(f"{base}/lab/tree/{notebook}?token={token}")
                    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)
                    page.get_by_role("menuitem", name="Run").click()
                    page.get_by_text("Run All Cells", exact=True).click()
                    try:
                        times = time_presses(page, args.presses)
                    except Exception:
                        page.screenshot(path="/tmp/bench_browser_failure.png", full_page=True)
                        raise SystemExit(f"{notebook}: the figure did not change after a key press (screenshot: "
                                         f"/tmp/bench_browser_failure.png)")
                    browser.close()
            finally:
                server.terminate()
                server.wait(timeout=30)
        results.append((label, statistics.median(times), max(times), target))
    for label, median, worst, target in results:
        verdict = "meets" if median < target else "MISSES"
        print(f"{label}: median {median:.0f} ms, max {worst:.0f} ms over {args.presses} presses "
              f"({verdict} the target < {target} ms)")


if __name__ == "__main__":
    main()
