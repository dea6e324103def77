"""The training command, ``python -m spheredemo.train`` (spheredemo.cli): flags, help, errors, reports,
and the direction of its imports (the command imports the library, never the reverse)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from spheredemo.cli import _checkpoint_path, build_parser, train_main
from spheredemo.config import TrainConfig
from spheredemo.margins import LambdaSchedule
from spheredemo.train import load_checkpoint

PACKAGE = Path(__file__).resolve().parents[1] / "spheredemo"


def test_cli_help_explains_every_flag():
    out = subprocess.run([sys.executable, "-m", "spheredemo.train", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for flag in ("--dim", "--loss", "--m", "--lambda-min", "--last-relu", "--resume", "--data", "--out"):
        assert flag in out
    assert "floor of λ" in out  # the help text is the config's own comment


def test_cli_trains_and_writes_checkpoint(data_root, tmp_path):
    out = tmp_path / "cli.pt"
    result = subprocess.run(
        [sys.executable, "-m", "spheredemo.train", "--dim", "2", "--loss", "asoftmax", "--m", "4",
         "--max-steps", "5", "--batch-size", "32", "--out", str(out), "--data", str(data_root), "--device", "cpu"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert load_checkpoint(out).step == 5
    lam = LambdaSchedule()(4)  # the official schedule after 5 steps: the margin has hardly begun
    assert f"final λ = {lam:.3g}" in result.stdout and "m_eff = 1.00" in result.stdout
    assert "warning: λ ended at" in result.stderr and "far below m = 4" in result.stderr


def test_cli_cosface_uses_its_own_margin_default(data_root, tmp_path):
    out = tmp_path / "{tag}.pt"
    result = subprocess.run([sys.executable, "-m", "spheredemo.train", "--loss", "cosface", "--max-steps", "2",
                             "--batch-size", "16", "--out", str(out), "--device", "cpu", "--data", str(data_root)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert load_checkpoint(tmp_path / "cosface.pt").head.m == 0.35


def test_cli_bad_value_is_a_clear_error():
    result = subprocess.run([sys.executable, "-m", "spheredemo.train", "--m", "0"], capture_output=True, text=True)
    assert result.returncode == 2 and "m must be a positive integer" in result.stderr
    result = subprocess.run([sys.executable, "-m", "spheredemo.train", "--m", "four"], capture_output=True, text=True)
    assert result.returncode == 2 and "expected a number or none, got 'four'" in result.stderr
    result = subprocess.run([sys.executable, "-m", "spheredemo.train", "--device", "gpu0"], capture_output=True,
                            text=True)
    assert result.returncode == 2 and "device must be auto, cpu, cuda, cuda:N or mps" in result.stderr


def test_parser_spells_m_as_margin_too_and_fills_the_checkpoint_path():
    """torchrun takes "--m" for an abbreviation of its own options: "--margin" is the same flag."""
    args = build_parser().parse_args(["--margin", "3", "--dim", "3", "--seed", "7"])
    assert args.m == 3 and isinstance(args.m, int)
    config = TrainConfig(m=3, dim=3, seed=7)
    assert _checkpoint_path("runs/{dataset}-{tag}-d{dim}-s{seed}.pt", config) == "runs/mnist-asoftmax-m3-d3-s7.pt"
    assert _checkpoint_path("{tag}.pt", TrainConfig(loss="softmax", m=None)) == "softmax.pt"


def test_train_main_in_process_refuses_a_bad_flag(capsys):
    with pytest.raises(SystemExit) as stopped:
        train_main(["--m", "0"])
    assert stopped.value.code == 2 and "m must be a positive integer" in capsys.readouterr().err


def _imports_outside_main(path: Path) -> set[str]:
    """The modules ``path`` imports (at any depth), leaving out its ``if __name__ == "__main__":`` block."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for stmt in tree.body if isinstance(stmt, ast.If) and "__main__" in ast.unparse(stmt.test)
               for node in ast.walk(stmt)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_library_module_imports_the_command():
    """cli imports train and lfw; only the entry script train/__main__.py (python -m spheredemo.train) imports cli,
    so imports go one way."""
    importers = [path.relative_to(PACKAGE).as_posix() for path in sorted(PACKAGE.rglob("*.py"))
                 if path.name not in ("cli.py", "__main__.py") and "spheredemo.cli" in _imports_outside_main(path)]
    assert importers == []
    loaded = subprocess.run([sys.executable, "-c", "import sys, spheredemo.train, spheredemo.lfw; "
                             "print('spheredemo.cli' in sys.modules)"], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
