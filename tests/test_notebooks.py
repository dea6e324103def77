"""The notebooks: thin, saved clean with a kernelspec, and they run headless without errors."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
PAPER_ITEMS = {"01": "Table 1", "02": "Eq. 6", "03": "Fig. 5", "04": "Train your own", "05": "Fig. 5 and Table 3 on faces"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_the_notebooks_exist_in_paper_order():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and PAPER_ITEMS[path.name[:2]] in nb.cells[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        lines = [line for line in cell.source.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 3 and "spheredemo" in cell.source
        assert "def " not in cell.source and "class " not in cell.source


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path, tmp_path, data_root, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("SPHEREDEMO_DATA", str(data_root))  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)  # the explorer is displayed
    if path.name.startswith("04"):  # the training notebook shows the explorer but trains nothing
        state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        bars = [m["state"] for m in state.values() if m["model_name"] == "IntProgressModel"]
        assert bars and all(bar["value"] == 0 for bar in bars)


@pytest.mark.parametrize("path", NOTEBOOKS[:1], ids=lambda p: p.stem)
def test_notebook_converts_to_slides(path):
    from nbconvert import SlidesExporter

    body, _ = SlidesExporter().from_notebook_node(nbformat.read(path, as_version=4))
    assert "reveal" in body.lower() and "Table 1" in body
