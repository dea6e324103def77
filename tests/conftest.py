"""Shared fixtures: where the MNIST files are, and small data sets built from them."""

import os
import tempfile
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


def _data_root() -> Path | None:
    for candidate in (os.environ.get("SPHEREDEMO_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file():
            return Path(candidate)
    return None


def pytest_configure(config):
    # Code under test that loads MNIST without a root (pretrained, figures) finds the same files.
    root = _data_root()
    if root is not None:
        os.environ.setdefault("SPHEREDEMO_DATA", str(root))
    # Decoded-face caches go to a fresh folder, never into the user's own cache.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="spheredemo-test-cache-")


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = _data_root()
    if root is None:
        pytest.skip("MNIST files not found: set SPHEREDEMO_DATA to the folder holding mnist/*.gz")
    return root


@pytest.fixture(scope="session")
def mnist_test(data_root):
    from spheredemo.data import load_mnist

    return load_mnist("test", data_root, download=False)


@pytest.fixture(scope="session")
def mnist_small(data_root, mnist_test):
    """(train, test): 200 training and 50 test images per class."""
    from spheredemo.data import load_mnist

    train = load_mnist("train", data_root, download=False).per_class(200, seed=0)
    return train, mnist_test.per_class(50, seed=0)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device; none is present")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def lfw_root() -> Path:
    """The staged LFW copy (images + meta/pairs.txt), or skip."""
    root = _data_root()
    if root is None or not (root / "faces" / "lfw" / "meta" / "pairs.txt").is_file():
        pytest.skip("LFW not found: set SPHEREDEMO_DATA to the folder holding faces/lfw")
    return root / "faces" / "lfw"


@pytest.fixture(scope="session")
def face_cache(tmp_path_factory):
    """A per-session folder for decoded-face caches, so tests never write into the user's cache."""
    return tmp_path_factory.mktemp("face-cache")
