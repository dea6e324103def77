"""The figure registry: :class:`Context` (what a figure function may use), :class:`FigureSpec` and
:func:`register`, and the few drawing helpers the figure modules share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt

from spheredemo import analysis, pretrained
from spheredemo.plots import embeddings as eplots


def default_out() -> Path:
    """The repository's ``figures/`` when the package runs from a source checkout (it sits beside
    ``pyproject.toml``), else ``./figures`` in the current folder (an installed wheel never writes
    into site-packages)."""
    source = Path(__file__).resolve().parents[2]
    if (source / "pyproject.toml").is_file() and (source / "spheredemo" / "figures").is_dir():
        return source / "figures"
    return Path.cwd() / "figures"


@dataclass
class Context:
    """What every figure function may use: where the checkpoints are and how big to go."""

    checkpoints: Path = pretrained.CHECKPOINT_DIR  # folder of the .pt files and manifest.json
    quick: bool = False  # tiny versions (few points) for smoke tests
    style: str = "paper"  # paper or slide
    used: set = field(default_factory=set)  # checkpoint names the figures read (for the gallery)

    @property
    def test_per_class(self):
        return 30 if self.quick else None  # None: the whole 10,000-image test set

    @property
    def train_per_class(self):
        return 30 if self.quick else 500  # the training panels show a fixed 5,000-image subset

    def faces(self, name: str) -> pretrained.FaceResults:
        self.used.add(name)
        return pretrained.face_results(name, self.checkpoints)

    def emb(self, name: str, split: str = "test") -> analysis.Embeddings:
        self.used.add(name)
        per_class = self.test_per_class if split == "test" else self.train_per_class
        if split == "train":  # the training subset ships (offline_assets): no MNIST needed on disk
            from spheredemo import offline_assets

            if name in offline_assets.TRAIN_SUBSET_MODELS and per_class <= offline_assets.TRAIN_SUBSET_PER_CLASS:
                return offline_assets.train_subset(name, per_class, self.checkpoints)
        if split == "test" and per_class is not None:  # --quick: a subset of the shipped features, no MNIST
            return pretrained.embeddings(name, "test", None, self.checkpoints).first_per_class(per_class)
        return pretrained.embeddings(name, split, per_class, self.checkpoints)


@dataclass
class FigureSpec:
    """One entry of the registry: a paper item, how to draw it and the checkpoints it reads."""

    name: str  # file stem in figures/
    paper: str  # the paper item it reproduces
    description: str  # one sentence: what to see in it
    draw: object  # callable(Context) -> matplotlib Figure, or None for table-only entries
    checkpoints: tuple = ()  # shipped checkpoints it uses (empty: analytic, or ``made_from``)
    made_from: str = ""  # what a figure without checkpoints reads when it is not analytic (the gallery says it)


FIGURES: dict[str, FigureSpec] = {}


def register(name: str, paper: str, description: str, checkpoints=(), made_from: str = ""):
    """Register a figure function ``draw(ctx) -> Figure`` under ``name``; its docstring becomes the paper item
    and the "what to see" sentence the gallery prints, so ``help(fig8)`` says what the figure shows."""
    def decorator(function):
        FIGURES[name] = FigureSpec(name, paper, description, function, tuple(checkpoints), made_from)
        function.__doc__ = f"{paper}: {description}"
        return function
    return decorator


def _row(ctx: Context, names, titles, ncols=None, size=3.2):
    fig, axes = plt.subplots(1, ncols or len(names), figsize=(size * (ncols or len(names)) + 1, size + 0.3),
                             layout="constrained")
    for ax, name, title in zip(axes, names, titles):
        eplots.draw_features(ctx.emb(name), ax=ax, title=title)
    return fig, axes


def _legend(fig, ax, n=10):
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles[:n], labels[:n], loc="outside right center", title="digit", markerscale=4, frameon=False)
