"""The lesson notebooks: built as lessons, thin on code, saved clean with a kernelspec, and they run headless with
every worked answer passing its check."""

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PAPER_ITEMS = {"01": "Table 1", "02": "Eq. 6", "03": "Fig. 5", "04": "Train your own",
               "05": "Fig. 5 and Table 3 on faces", "06": "Eq. 6 and Appendix G"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
README = REPO / "README.md"
GLOSSARY_HEADING = "## Glossary of the paper's symbols"
#: a student's cells (stubs, worked answers) may define functions; every other cell stays thin
STUDENT_TAGS = {"exercise", "answer"}


def _lab_id(heading: str) -> str:
    """JupyterLab's id of a heading (its markdown renderer: the heading's text, spaces made '-'), where the
    lessons are read; not GitHub's lower-case slug, which JupyterLab does not know (the README would open at the
    top)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    return re.sub(r"[`*]", "", text).strip().replace(" ", "-")


#: where every lesson's symbol links go: the README's glossary heading, by JupyterLab's id for it
GLOSSARY = "README.md#" + _lab_id(GLOSSARY_HEADING.removeprefix("## "))


def _readme_ids(readme=README) -> dict:
    """JupyterLab's id -> heading text, for every heading of the README (none inside a code block)."""
    ids, in_code = {}, False
    for line in readme.read_text().splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,6} ", line):
            heading = line.lstrip("#").strip()
            ids[_lab_id(heading)] = heading
    return ids


def _readme_links(path) -> list:
    """Every link of a notebook's markdown cells whose file is a README.md: [text](target) and <a href=target>."""
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    links = re.findall(r"\]\(([^)\s]+)\)", markdown) + re.findall(r"href=[\"']([^\"']+)[\"']", markdown)
    return [link for link in links if link.partition("#")[0].endswith("README.md")]


def _readme_link_problems(path, readme=README) -> list:
    """What is wrong with each README link of a notebook, naming the notebook and the link: a link that does not
    reach the README from the notebook's folder, or whose anchor is no README heading's id (a glossary link: not
    the glossary heading's)."""
    ids, problems = _readme_ids(readme), []
    glossary = GLOSSARY_HEADING.removeprefix("## ")
    for link in _readme_links(path):
        target, _, anchor = link.partition("#")
        if (path.parent / target).resolve() != readme.resolve():
            problems.append(f"{path.name}: link {link} does not reach the README from {path.parent.name}/")
        elif anchor not in ids:
            problems.append(f"{path.name}: link {link} lands on no README heading; JupyterLab's heading ids are the "
                            f"heading text with spaces made '-', e.g. {GLOSSARY!r}")
        elif "glossary" in anchor.lower() and ids[anchor] != glossary:
            problems.append(f"{path.name}: link {link} is a glossary link to {ids[anchor]!r}, not to {glossary!r}")
    return problems


def _tags(cell) -> set:
    return set(cell.metadata.get("tags", []))


def _text(cell) -> str:
    """What a code cell printed or returned (its value, else its streams), as text."""
    results = [o["data"].get("text/plain", "") for o in cell.outputs if o.output_type == "execute_result"]
    return "\n".join(results or [o.text for o in cell.outputs if o.output_type == "stream"])


def test_the_notebooks_exist_in_lesson_order():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_"]
    assert NOTEBOOKS[-1].name == "06_asoftmax_from_scratch.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and PAPER_ITEMS[path.name[:2]] in nb.cells[0].source
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        assert cell.outputs == [] and cell.execution_count is None
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if _tags(cell) & STUDENT_TAGS:
            assert 1 <= len(lines) <= 12, cell.source  # a student's few lines, not a module
            assert not re.search(r"^\s*class\s", cell.source, re.M), cell.source
        else:  # a call into the package, no definitions
            assert 1 <= len(lines) <= 3, cell.source
            assert re.search(r"spheredemo|lessons\.|_explorer\(|render\(", cell.source), cell.source
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_a_lesson(path):
    """Goal and time, the idea with glossary links, a prediction prompt, 2–4 exercises with a check and a hidden
    worked answer each, a three-line summary and a pointer to the next lesson."""
    nb = nbformat.read(path, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    opening = markdown[0]
    assert "After this lesson you can" in opening
    minutes = [int(n) for n in re.findall(r"about (\d+) minutes", opening)]
    assert minutes and all(15 <= n <= 25 for n in minutes), opening
    assert GLOSSARY in "".join(markdown[:3])  # symbols link to the README glossary
    assert "$$" in "".join(markdown[:3])  # the equation
    assert any("Predict first" in text for text in markdown)
    exercises = [text for text in markdown if text.startswith("### Exercise")]
    assert 2 <= len(exercises) <= 4
    answers = [c for c in nb.cells if "answer" in _tags(c)]
    assert len(answers) == len(exercises)
    for cell in answers:  # hidden until opened, and each runs a lessons check
        assert cell.metadata["jupyter"]["source_hidden"] is True
        assert "lessons.check_" in cell.source
    assert sum("<details>" in text for text in markdown) >= len(exercises)
    exercise_cells = [c for c in nb.cells if _tags(c) & {"exercise", "check"}]
    assert all("lessons.check_" in c.source or "def " in c.source for c in exercise_cells)
    summary = markdown[-1]
    assert summary.startswith("## Summary")
    assert len([line for line in summary.splitlines() if line.startswith("- ")]) == 3
    assert "**Next:**" in summary


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_glossary_links_land_on_the_heading_in_jupyterlab(path):
    """Every README link goes to the glossary heading's id as JupyterLab renders it (not GitHub's lower-case slug,
    which JupyterLab does not know: the README would open at the top)."""
    assert GLOSSARY_HEADING in README.read_text().splitlines()
    markdown = "".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    links = re.findall(r"\]\((\.\./README\.md[^)]*)\)", markdown)
    assert len(links) >= 3 and set(links) == {"../" + GLOSSARY}, links
    assert GLOSSARY == "README.md#Glossary-of-the-paper's-symbols"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_readme_link_lands_on_a_readme_heading(path):
    """Each link into the README, a glossary link above all, reaches the README and names a heading that exists
    there, by the id JupyterLab gives it; a failure names the notebook and the link."""
    assert _readme_links(path), f"{path.name} has no link into the README"
    problems = _readme_link_problems(path)
    assert not problems, "\n".join(problems)


def test_a_readme_link_to_no_heading_is_named(tmp_path):
    """The link check catches GitHub's slug (what lessons 03–06 had), a link that misses the README and a heading
    that does not exist, and names the notebook and the link."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "[θ](../README.md#glossary-of-the-papers-symbols), [m](README.md#Glossary-of-the-paper's-symbols), "
        "[x](../README.md#No-such-heading), [λ](../README.md#Glossary-of-the-paper's-symbols), "
        '<a href="../README.md#License">license</a>')])
    path = tmp_path / "notebooks" / "07_made_up.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    readme = tmp_path / "README.md"  # one folder up, as for the lessons
    readme.write_text(README.read_text())
    problems = _readme_link_problems(path, readme)
    assert len(problems) == 3 and all(p.startswith("07_made_up.ipynb: ") for p in problems), problems
    assert "link ../README.md#glossary-of-the-papers-symbols lands on no README heading" in problems[0]
    assert "link README.md#Glossary-of-the-paper's-symbols does not reach the README" in problems[1]
    assert "link ../README.md#No-such-heading lands on no README heading" in problems[2]


@pytest.mark.parametrize("path", NOTEBOOKS[:2], ids=lambda p: p.stem)
def test_lessons_say_where_the_readout_is(path):
    """The explorers' readout sits just under the sliders, above the pictures: the lessons say so."""
    markdown = " ".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    markdown = " ".join(markdown.split())
    assert not re.search(r"under the (pictures|plots|circle)", markdown), markdown
    assert "just under the sliders, above the" in markdown


def test_lesson_01_explains_the_arcs_and_the_reset_icon():
    markdown = " ".join(c.source for c in nbformat.read(NOTEBOOKS[0], as_version=4).cells if c.cell_type == "markdown")
    markdown = " ".join(markdown.split())
    assert "coloured arc stops partway around the circle because" in markdown
    assert "*Reset camera to last save*: it brings back the opening view" in markdown  # plotly's film-camera icon
    assert "class 1's boundary at …° from W1" in markdown  # exercise 2 reads it off the readout


def _run_cell(source: str, namespace: dict):
    """Run a cell's source like IPython: everything, and the value of its last line."""
    body, last = source.rstrip().rsplit("\n", 1) if "\n" in source.strip() else ("", source.strip())
    exec(compile(body, "<cell>", "exec"), namespace)
    return eval(compile(last, "<cell>", "eval"), namespace)


@pytest.mark.parametrize("path, name", [(NOTEBOOKS[0], "margin"), (NOTEBOOKS[1], "cos_m_theta")],
                         ids=["01-margin", "02-cos_m_theta"])
def test_a_check_cell_run_before_its_def_cell_says_so(path, name):
    from spheredemo import lessons

    nb = nbformat.read(path, as_version=4)
    check = next(c.source for c in nb.cells if "check" in _tags(c) and name in c.source)
    result = _run_cell(check, {"lessons": lessons})  # the def cell has not run: no NameError
    assert not result.passed and result.message.startswith("…") and "not defined yet" in result.message
    stub = next(c.source for c in nb.cells if "exercise" in _tags(c) and f"def {name}(" in c.source)
    namespace = {"lessons": lessons}
    exec(stub, namespace)
    assert "not written yet" in _run_cell(check, namespace).message


def _face_models_missing() -> list:
    """The face checkpoints notebook 05 shows (explorer, Fig. 5 and Table 3 on faces) that are not shipped."""
    from spheredemo import figures, pretrained

    needed = [name for name, _ in figures.FACE_MODELS] + list(figures.FACE_3D_MODELS)
    return [name for name in needed if name not in pretrained.manifest()]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path, tmp_path, data_root, monkeypatch):
    from nbclient import NotebookClient

    if path.name.startswith("05") and _face_models_missing():
        pytest.skip(f"the face checkpoints notebook 05 shows are not shipped yet: {_face_models_missing()}")
    monkeypatch.setenv("SPHEREDEMO_DATA", str(data_root))  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    for cell in code:
        tags, text = _tags(cell), _text(cell)
        if tags & {"answer", "verdict"}:  # every worked answer passes its check
            assert text.startswith("✔") and "passed" in text, (cell.source, text)
        elif tags & {"exercise", "check"} and "lessons.check_" in cell.source:  # untouched: says so, no traceback
            assert text.startswith("…") and ("not answered yet" in text or "not written yet" in text), text
    if not path.name.startswith("06"):
        assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)  # the explorer is displayed
    if path.name.startswith("04"):  # the training notebook shows the explorer but trains nothing
        state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        bars = [m["state"] for m in state.values() if m["model_name"] == "IntProgressModel"]
        assert bars and all(bar["value"] == 0 for bar in bars)
    if path.name.startswith("06"):  # the student's head trained beside the package's and was drawn
        assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("path", NOTEBOOKS[:1], ids=lambda p: p.stem)
def test_notebook_converts_to_slides(path):
    from nbconvert import SlidesExporter

    body, _ = SlidesExporter().from_notebook_node(nbformat.read(path, as_version=4))
    assert "reveal" in body.lower() and "Table 1" in body


# --- on a projector ----------------------------------------------------------------------------------------------

def _text_pixels(figure, scale: float = 1.0) -> set:
    """The sizes in pixels of a drawn figure's visible texts, times ``scale`` (to 0.001 px)."""
    from matplotlib.text import Text

    figure.canvas.draw()
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
    return {round(scale * t.get_fontsize() * figure.dpi / 72, 3) for t in texts}


@pytest.mark.parametrize("name", ["boundary_explorer", "psi_explorer"])
def test_an_explorer_draws_at_slide_size_for_a_projector(name):
    """``style="slide"``: the picture 1.5× larger on the page, its text 1.8× (the slide preset's 18 pt for the paper
    preset's 10 pt), all of it inside the picture; the default is the notebook's, nothing global changes, and the
    controls still move the picture."""
    import io

    import matplotlib
    import numpy as np
    from PIL import Image

    from spheredemo import widgets
    from spheredemo.plots.style import PAPER_STYLE, SLIDE_STYLE

    rc = dict(matplotlib.rcParams)
    default, slide = getattr(widgets, name)(), getattr(widgets, name)(style="slide")
    assert dict(matplotlib.rcParams) == rc
    assert default.style is None and slide.style == "slide" and default.figure.dpi == 80
    grow, text = 1.5, SLIDE_STYLE["font.size"] / PAPER_STYLE["font.size"]
    pixels = [f.get_size_inches() * f.dpi for f in (default.figure, slide.figure)]
    np.testing.assert_allclose(pixels[1], grow * pixels[0])
    sizes = [Image.open(io.BytesIO(bytes(e.view.image.value))).size for e in (default, slide)]
    assert sizes[1] == tuple(round(grow * s) for s in sizes[0])
    assert slide.view.image.layout.width == f"{sizes[1][0]}px" and slide.view.image.layout.height == f"{sizes[1][1]}px"
    assert _text_pixels(slide.figure) == _text_pixels(default.figure, text)
    drawn = slide.figure.get_tightbbox(slide.figure.canvas.get_renderer())  # inches
    width, height = slide.figure.get_size_inches()
    assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height, drawn
    before = bytes(slide.view.image.value)
    slide.set(m=2)
    assert slide.message.value == "" and bytes(slide.view.image.value) != before
    assert Image.open(io.BytesIO(bytes(slide.view.image.value))).size == sizes[1]


def test_slide_style_reaches_the_3d_views_and_refuses_other_styles():
    from spheredemo import widgets

    default, slide = widgets.boundary_explorer(), widgets.boundary_explorer(style="slide")
    if hasattr(default.views["sphere"], "layout"):  # a FigureWidget (anywidget installed)
        assert slide.views["sphere"].layout.width == 1.5 * default.views["sphere"].layout.width
        assert slide.views["sphere"].layout.font.size == 22 and default.views["sphere"].layout.font.size is None
    with widgets.explorer_style("slide"):
        assert widgets.PsiExplorer().style == "slide"
    assert widgets.PsiExplorer().style is None
    with pytest.raises(ValueError, match="style must be None or 'slide', got 'poster'"):
        widgets.boundary_explorer(style="poster")
