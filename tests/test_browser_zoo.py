"""Lesson 07 in a real browser: JupyterLab launched as the README says (`jupyter lab notebooks/`, the fixture and
helpers of tests/test_browser.py), Run All, then a student's moves in the margin explorer: the family buttons,
the CosFace m slider's arrow key, a typed ArcFace m, and the "match the margins" button; assertions read the
readout's text on the page, never pixels. Recipe: ../shared/recipes/BROWSER.md."""

import pytest

from tests.test_browser import _dismiss_news, _keep, _running_notebook, jupyterlab  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READOUT = ".spheredemo-margin"


def _wait_readout(page, text):
    page.wait_for_function(
        "(t) => [...document.querySelectorAll('.spheredemo-margin')].some(e => e.textContent.includes(t))",
        arg=text, timeout=60_000)


def test_margin_zoo_lesson_in_jupyterlab(jupyterlab, tmp_path):  # noqa: F811 (the imported fixture)
    with _running_notebook(jupyterlab, "07_margin_zoo.ipynb") as page:
        readout = page.locator(READOUT).first
        readout.wait_for(timeout=180_000)
        _wait_readout(page, "binary margin at θ12 = 30°")
        text = readout.text_content()
        # the package defaults at θ12 = 30°: A-Softmax 3/5·30, ArcFace 0.5 rad, CosFace 2 asin(0.35/(2 sin 15°))
        assert "A-Softmax m = 4, λ = 0: 18.0°" in text and "ArcFace m = 0.50 rad (28.6°): 28.6°" in text
        assert "CosFace m = 0.35: 85.1° (wider than θ12)" in text
        assert "probability panel: ArcFace at s = 30" in text

        # The prediction is asked before the explorer that answers it.
        prompt = page.locator(".jp-RenderedMarkdown", has_text="Predict first").first
        explorer = page.locator(".jp-OutputArea-output", has=readout).first
        top = "e => e.getBoundingClientRect().top + window.scrollY"
        assert prompt.evaluate(top) < explorer.evaluate(top)

        # The family buttons: CosFace becomes the selected family (circle and probability panel).
        explorer.scroll_into_view_if_needed()
        buttons = explorer.locator(".widget-toggle-button")
        for k in range(buttons.count()):  # every family's name shows whole ("SphereFace (A-So…" was cut)
            assert buttons.nth(k).evaluate("b => b.scrollWidth <= b.clientWidth"), buttons.nth(k).text_content()
        explorer.locator(".widget-toggle-button", has_text="CosFace").first.click()
        _wait_readout(page, "probability panel: CosFace at s = 30")

        # The CosFace m slider's arrow key: m = 0.351 widens its margin at θ12 = 30°.
        sliders = explorer.locator(".widget-slider")
        cosface = sliders.nth(3)
        assert cosface.locator(".widget-label").text_content().strip() == "CosFace m"
        cosface.locator(".noUi-handle").click()
        page.keyboard.press("ArrowRight")
        _wait_readout(page, "CosFace m = 0.351: 85.4° (wider than θ12)")  # the slider's third decimal, said
        assert cosface.locator(".widget-readout").text_content().strip() == "0.351"

        # A typed ArcFace m: 0.3 rad is a 17.2° margin.
        arcface = sliders.nth(4)
        assert arcface.locator(".widget-label").text_content().strip() == "ArcFace m (radians)"
        field = arcface.locator(".widget-readout")
        field.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("0.3")
        page.keyboard.press("Enter")
        _wait_readout(page, "ArcFace m = 0.30 rad (17.2°): 17.2°")

        # Match the margins with A-Softmax as the reference: the other two get its 18.0° at θ12 = 30°.
        explorer.locator(".widget-toggle-button", has_text="SphereFace").first.click()
        _wait_readout(page, "probability panel: SphereFace (A-Softmax)")
        explorer.locator(".spheredemo-match").first.click()
        _wait_readout(page, "CosFace m = 0.081: 18.0°")
        assert "ArcFace m = 0.314 rad (18.0°): 18.0°" in readout.text_content()
        page.wait_for_function(  # the line beside the button, written once the redraw is done
            "() => document.querySelector('.spheredemo-match-text').textContent.includes("
            "\"matched to SphereFace (A-Softmax)'s 18.0° at θ12 = 30°\")", timeout=60_000)
        assert page.locator(".spheredemo-message").first.text_content().strip() == ""
        _dismiss_news(page)
        page.wait_for_timeout(1000)  # the sliders' values echoed back from the browser are no move of a slider
        assert page.locator(".spheredemo-match-text").first.text_content().startswith("matched to SphereFace")
        shot = tmp_path / "margin_zoo_lesson.png"
        explorer.screenshot(path=str(shot))
        _keep(shot, "margin_zoo_lesson.png")
