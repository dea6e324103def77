"""Lesson 6: a student's own A-Softmax logits (:class:`StudentHead`) trained beside the package's
:class:`~spheredemo.losses.ASoftmax` head on the same digits from the same start (:func:`train_side_by_side`).

:func:`spheredemo.train.fit` trains the package's head as any run; its step function (:class:`_BothHeads`) steps
the student's head on the same batch with the same λ and learning rate, so there is one training loop.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import torch

from spheredemo.lessons.checking import verdict_html
from spheredemo.losses import ASoftmax

__all__ = ["StudentHead", "SideBySide", "train_side_by_side"]


class StudentHead(ASoftmax):
    """An :class:`~spheredemo.losses.ASoftmax` whose training logits come from a student's function
    ``logits(x, y, weight, m, lam)`` (weight: the raw (C, D) parameter); ``predict`` keeps plain cosines."""

    def __init__(self, logits, in_features: int = 2, n_classes: int = 10, m: int = 4):
        if not callable(logits):
            raise ValueError(f"logits must be your function logits(x, y, weight, m, lam), got {type(logits).__name__}")
        super().__init__(in_features, n_classes, m)
        self.student_logits = logits

    def logits(self, x: torch.Tensor, y: torch.Tensor, lam: float = 0.0) -> torch.Tensor:
        """The student's logits (B, C) of features ``x`` with labels ``y``, checked for type and shape."""
        self._check(x, y)
        out = self.student_logits(x, y, self.weight, self.m, lam)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (x.shape[0], self.n_classes):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"your logits must be a tensor of shape ({x.shape[0]}, {self.n_classes}), got {got}")
        return out


@dataclass
class SideBySide:
    """Two runs from the same start on the same batches: the package's head and yours."""

    runs: dict  # "package" / "yours" -> spheredemo.train.Run
    accuracy: dict  # test accuracy (plain cosines) of each
    mean_angle: dict  # mean angle (degrees) between a test feature and its own class weight
    passed: bool
    message: str
    png: bytes = b""  # the last picture drawn

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return verdict_html(self.message, self.passed)


def train_side_by_side(logits, m: int = 4, per_class: int = 300, epochs: int = 3, width: int = 8,
                       batch_size: int = 64, shown_per_class: int = 30, seed: int = 0, draw_every: int = 20,
                       data_root=None, show: bool = True) -> SideBySide:
    """Train a 2D MNIST model with the package's ASoftmax head and another with ``logits`` (your function
    ``logits(x, y, weight, m, lam)``), from the same initial weights on the same batches, and draw both on the
    circle every ``draw_every`` steps. λ anneals from 1000 to 5 halfway through and on to 2.5 at the last step
    (λ_min = 0), as in the training explorer.

    The defaults (3,000 digits, 3 epochs, 141 steps per head) take about 5 s on two idle CPU cores outside a
    notebook (8 pictures drawn; about 10 s in JupyterLab) and reach about 71 % test accuracy: enough to see the
    classes gather on the circle, not a finished model.
    """
    from spheredemo._validate import check_int
    from spheredemo.config import TrainConfig
    from spheredemo.data import load_mnist
    from spheredemo.train import TrainingDiverged, fit

    student = StudentHead(logits, 2, 10, m)  # refuses a non-function before anything loads
    check_int("draw_every", draw_every, minimum=1)
    train = load_mnist("train", data_root).per_class(per_class, seed=seed)
    test = load_mnist("test", data_root).per_class(100, seed=seed)
    shown = test.per_class(shown_per_class, seed=seed + 1)
    total = epochs * math.ceil(len(train) / batch_size)
    config = TrainConfig(loss="asoftmax", m=m, dim=2, epochs=epochs, width=width, batch_size=batch_size,
                         per_class=per_class, lambda_gamma=199.0 / max(1, total // 2), lambda_min=0.0, seed=seed,
                         device="cpu")
    pictures = _Pictures(shown, show)
    both = _BothHeads(_student_run(config, student, train), total, pictures, draw_every, m)
    failure = ""
    try:
        fit(config, data=(train, None), progress=False, step=both)
    except TrainingDiverged as exc:
        failure = str(exc)
    runs = both.runs
    step, lam = runs["yours"].step, both.lam
    embeddings = pictures.draw(runs, f"A-Softmax m = {m} after {step} steps (λ ended at {lam:.3g})")
    return _verdict(runs, test, embeddings, step, failure, pictures.png)


def _student_run(config, student: StudentHead, train):
    """The student's run and optimiser: the config's trunk with the student's head (its weights are made the
    package's run's at the first step, so that both start alike)."""
    from spheredemo.train import History, Run, build, make_optimizer, place_model
    from spheredemo.train.data import image_shape

    model, _ = build(config, train.n_classes, image_shape(train))
    run = Run(place_model(model, "cpu"), student, config, History())
    return run, make_optimizer(config, list(model.parameters()) + list(student.parameters()))


class _BothHeads:
    """:func:`~spheredemo.train.fit`'s step function: the package's run steps as usual, then the student's on the
    same batch with the same λ and learning rate; the picture is redrawn every ``draw_every`` steps."""

    def __init__(self, student, total: int, pictures, draw_every: int, m: int):
        (self.yours, self.optimizer), self.total, self.pictures = student, total, pictures
        self.draw_every, self.m, self.runs, self.lam = draw_every, m, {}, 0.0

    def __call__(self, run, optimizer, images, labels, lam: float, objective):
        from spheredemo.train import train_step

        yours, self.lam = self.yours, lam
        if not self.runs:  # the first step: the same start, drawn
            yours.model.load_state_dict(run.model.state_dict())
            yours.head.load_state_dict(run.head.state_dict())
            self.runs = {"package": run, "yours": yours}
            if self.pictures.show:
                self.pictures.draw(self.runs, f"A-Softmax m = {self.m}: step 0 of {self.total}")
        with _named("the package's head's", run.step, lam):
            result = train_step(run, optimizer, images, labels, lam, objective)
        # from here a diverged student head stops fit before it counts this step: the package's history then
        # ends one step short of its weights, and the steps reported are the student's (the ones both took)
        for group in self.optimizer.param_groups:
            group["lr"] = optimizer.param_groups[0]["lr"]  # what fit set for this step
        yours.model.train()  # a drawing leaves it as it found it; this is the first step's too
        yours.step = run.step
        with _named("your head's", run.step, lam):
            loss, accuracy = train_step(yours, self.optimizer, images, labels, lam)
        yours.step += 1
        for key, value in (("step", yours.step), ("loss", loss), ("accuracy", accuracy), ("lam", lam)):
            getattr(yours.history, key).append(value)
        if self.pictures.show and yours.step % self.draw_every == 0 and yours.step < self.total:
            self.pictures.draw(self.runs, f"A-Softmax m = {self.m}: step {yours.step} of {self.total}, λ = {lam:.3g}")
        return result


@contextlib.contextmanager
def _named(owner: str, step: int, lam: float):
    """A diverged loss, said as whose head it was (the lesson's words for it)."""
    from spheredemo.train import TrainingDiverged

    try:
        yield
    except TrainingDiverged:
        raise TrainingDiverged(f"{owner} loss became NaN or exploded at step {step} (λ = {lam:.3g})") from None


class _Pictures:
    """Both runs' shown test features on the circle; in the notebook (one image, replaced) when ``show``."""

    def __init__(self, shown, show: bool):
        self.shown, self.show = shown, show
        self.png, self.handle = b"", None

    def draw(self, runs: dict, title: str) -> dict:
        """Draw both runs now, titled ``title``; returns their Embeddings of the shown digits."""
        self.png, embeddings = _draw_side_by_side(runs, self.shown, title)
        if self.show:
            self.handle = _display(self.png, self.handle)
        return embeddings


def _draw_side_by_side(runs: dict, shown, title: str) -> tuple[bytes, dict]:
    """Both runs' shown test features on the unit circle, side by side, as PNG; and their Embeddings."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from spheredemo.analysis import Embeddings
    from spheredemo.plots.embeddings import draw_circle_features

    fig = Figure(figsize=(9.0, 4.6), dpi=80)
    FigureCanvasAgg(fig)
    embeddings = {}
    for ax, (label, run) in zip(fig.subplots(1, 2), runs.items()):
        emb = embeddings[label] = Embeddings.from_model(run.model, run.head, shown)
        owner = "the package's head" if label == "package" else "your head"
        draw_circle_features(emb, ax=ax, max_points=None, size=14, alpha=0.6, jitter=0.15,
                             title=f"{owner}: {100 * emb.accuracy:.0f} % of the shown digits right")
    fig.suptitle(title)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.06, top=0.86, wspace=0.15)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue(), embeddings


def _display(png: bytes, handle=None):
    """Show (or replace) a PNG in the notebook; None outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    if handle is None:
        return display(Image(data=png, format="png"), display_id=True)
    handle.update(Image(data=png, format="png"))
    return handle


def _verdict(runs: dict, test, embeddings: dict, step: int, failure: str, png: bytes) -> SideBySide:
    """Both runs' test accuracy and mean angle to their own W, and whether yours trains like the package's."""
    from spheredemo.train import evaluate

    accuracy = {label: evaluate(run.model, run.head, test) for label, run in runs.items()}
    mean_angle = {label: float(emb.own_angles().mean()) for label, emb in embeddings.items()}
    passed = not failure and abs(accuracy["yours"] - accuracy["package"]) <= 0.05
    facts = (f"test accuracy {100 * accuracy['yours']:.1f} % (yours) vs {100 * accuracy['package']:.1f} % (the "
             f"package's), mean angle to own W {mean_angle['yours']:.1f}° vs {mean_angle['package']:.1f}° on the "
             f"shown digits, {step} steps")
    if failure:
        message = f"✘ side by side: {failure}. Check your logits with check_asoftmax_logits (gradients too)."
    elif passed:
        message = f"✔ side by side: passed. Your head trains like the package's: {facts}."
    else:
        message = (f"✘ side by side: not yet. Your head trains differently from the package's: {facts}. Check your "
                   "logits with check_asoftmax_logits.")
    return SideBySide(runs, accuracy, mean_angle, passed, message, png)
