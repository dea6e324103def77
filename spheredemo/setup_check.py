"""``python -m spheredemo.setup_check``: does this machine have what the class needs? One line per item.

Checks, in the order a student meets them: the package and its libraries import; the shipped checkpoints and
their caches are there (the deck, lessons 1-3 and 5's histograms need nothing else); JupyterLab and its widget
manager are installed (the lessons' sliders); MNIST is found without a download (lesson 4 trains on it); an LFW
copy is found (optional: only lesson 5's face pictures need it). Each missing item says what to do. The exit
status is 0 when everything the class needs is there (LFW is optional), 1 otherwise.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["checks", "main"]


def _version(module: str) -> str:
    return getattr(importlib.import_module(module), "__version__", "?")


def checks(root=None) -> list[tuple[bool, bool, str]]:
    """(passed, required, line) for every item; ``root`` a data folder to look in (else $SPHEREDEMO_DATA,
    then the user cache)."""
    found = []
    for module, hint in (("spheredemo", "pip install spheredemo (or pip install -e . in the repository)"),
                         ("torch", "pip install torch"), ("plotly", "pip install plotly"),
                         ("ipywidgets", "pip install ipywidgets"), ("matplotlib", "pip install matplotlib")):
        try:
            found.append((True, True, f"{module} {_version(module)} imports"))
        except ImportError as exc:
            found.append((False, True, f"{module} does not import ({exc}): {hint}"))
    for module, what in (("jupyterlab", "JupyterLab"), ("jupyterlab_widgets", "JupyterLab's widget manager")):
        try:
            found.append((True, True, f"{what} {_version(module)} installed"))
        except ImportError:
            found.append((False, True, f"{what} is missing (the lessons' sliders need it): "
                                       "pip install 'spheredemo[notebooks]' or pip install jupyterlab ipywidgets"))
    try:
        from spheredemo import pretrained
        from spheredemo.slides.charts import EMBEDDING_MODELS

        for key in EMBEDDING_MODELS:
            pretrained.embeddings(key)
        found.append((True, True, f"shipped checkpoints and caches found ({len(pretrained.manifest())} models)"))
    except Exception as exc:  # noqa: BLE001 (any failure here means a broken install; say which)
        found.append((False, True, f"the shipped checkpoints cannot be read ({exc}): reinstall the package"))
    from spheredemo.data import find_mnist_dir
    from spheredemo.imageset import RelativeDataPath

    try:
        mnist = find_mnist_dir(root)
        found.append((mnist is not None, True, f"MNIST found in {mnist}" if mnist else
                      "MNIST not found (lessons 4 and 6 train on it): copy the four MNIST .gz files into a folder "
                      "and set SPHEREDEMO_DATA to it, or run python -c \"from spheredemo.data import load_mnist; "
                      "load_mnist('train')\" once with internet"))
    except RelativeDataPath as exc:
        found.append((False, True, f"MNIST not looked for: {exc}"))
    try:
        from spheredemo.faces import find_lfw

        tree, _ = find_lfw()
        found.append((True, False, f"LFW found in {tree} (lesson 5 shows the face pictures)"))
    except RelativeDataPath as exc:
        found.append((False, False, f"LFW not looked for: {exc}"))
    except Exception:  # noqa: BLE001
        found.append((False, False, "no LFW copy (optional: lesson 5 then shows the histograms without the face "
                                    "pictures; put LFW in $SPHEREDEMO_DATA/faces/lfw to see them)"))
    return found


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m spheredemo.setup_check", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="a folder holding MNIST (default: $SPHEREDEMO_DATA, the cache)")
    args = parser.parse_args(argv)
    results = checks(args.data)
    for passed, required, line in results:
        print(("✔ " if passed else ("✘ " if required else "– ")) + line)
    missing = [line for passed, required, line in results if required and not passed]
    print("ready for the class" if not missing else f"{len(missing)} thing(s) to fix before the class (above)")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
