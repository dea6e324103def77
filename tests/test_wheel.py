"""Installed as a user installs it: a wheel, run from a folder outside the repository."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package built as a wheel and installed (without its dependencies, which this environment has)
    into a folder of its own, put first on PYTHONPATH so it shadows the source checkout."""
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(build)], check=True, timeout=600)
    wheel = next(build.glob("spheredemo-*.whl"))
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, timeout=600)
    env = dict(os.environ, PYTHONPATH=str(target), MPLBACKEND="Agg")
    return target, env


@pytest.mark.slow
def test_the_wheel_writes_figures_into_the_current_folder(installed, tmp_path, data_root):
    target, env = installed
    where = subprocess.run([sys.executable, "-c", "import spheredemo; print(spheredemo.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    done = subprocess.run([sys.executable, "-m", "spheredemo.figures", "--only", "table1_boundaries",
                           "fig2_mnist_2d"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "figures" / "table1_boundaries.png").is_file()
    assert (tmp_path / "figures" / "fig2_mnist_2d.png").is_file()  # shipped checkpoints came with the wheel
    assert not (target / "figures").exists()


@pytest.mark.slow
def test_a_notebook_runs_from_the_wheel_outside_the_repository(installed, tmp_path, data_root):
    import nbformat
    from nbclient import NotebookClient

    _, env = installed
    nb = nbformat.read(REPO / "notebooks" / "02_psi_and_annealing.ipynb", as_version=4)
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits PYTHONPATH: it imports the installed wheel
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
