"""Train your own: an explorer that trains A-Softmax on an MNIST subset, only when Train is pressed."""

from __future__ import annotations

import math
import threading

import ipywidgets as widgets

from spheredemo.analysis import Embeddings
from spheredemo.widgets._base import LOSS_CHOICES, Explorer, FeatureView, _message_html, _slider, explorer_style

__all__ = ["training_explorer", "TrainingExplorer"]


def training_explorer(
    per_class: int = 300,
    shown_per_class: int = 50,
    width: int = 8,
    batch_size: int = 128,
    data_root=None,
    style: str | None = None,
) -> TrainingExplorer:
    """Train your own: pick loss, m, dimension and epochs, press Train (never trains on its own).

    ``style="slide"`` draws it for a projector (:func:`~spheredemo.widgets.explorer_style`)."""
    with explorer_style(style):
        return TrainingExplorer(per_class, shown_per_class, width, batch_size, data_root)


class TrainingExplorer(Explorer):
    """Train on an MNIST subset with a progress bar; the features are redrawn every 10 steps.

    Nothing trains until :meth:`train` runs (the Train button). Training runs in a thread so
    that the Stop button (:meth:`stop`) is heard; ``train(blocking=True)`` waits for it.
    ``update(loss, m, dim, epochs)`` only checks the choices and says what Train would run.
    """

    def __init__(self, per_class=300, shown_per_class=50, width=8, batch_size=128, data_root=None):
        self.settings = dict(per_class=per_class, width=width, batch_size=batch_size)
        self.shown_per_class, self.data_root = shown_per_class, data_root
        self.data = None  # (train, test, shown) ImageSets, loaded at the first Train
        self.run, self.thread, self._stop_event = None, None, threading.Event()
        controls = {
            "loss": widgets.Dropdown(options=LOSS_CHOICES, value="asoftmax", description="loss"),
            "m": _slider(widgets.IntSlider, 4, "m", min=1, max=6),
            "dim": widgets.ToggleButtons(options=[("2D", 2), ("3D", 3)], value=2),
            "epochs": _slider(widgets.IntSlider, 10, "epochs", min=1, max=20),
        }
        self.train_button = widgets.Button(description="Train", icon="play", button_style="success")
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", button_style="danger", disabled=True
        )
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="step 0")
        self.status = widgets.HTML().add_class("spheredemo-status")
        self.train_button.on_click(lambda _: self.train())
        self.stop_button.on_click(lambda _: self.stop())
        self.features = FeatureView()
        buttons = widgets.HBox([self.train_button, self.stop_button, self.progress])
        super().__init__(
            controls,
            self.features.box,
            extra=[buttons, self.status],
            header="<b>Train your own</b>: A-Softmax on an MNIST subset (Fig. 12 in a minute)",
            figure=self.features.circle_view.figure,
        )

    def update(self, loss: str = "asoftmax", m: int = 4, dim: int = 2, epochs: int = 10) -> None:
        """Check the choices (a bad one raises ValueError) and, unless training, say what Train would run."""
        self._ready(self.train_config(loss, m, dim, epochs))

    def train_config(self, loss: str = "asoftmax", m: int = 4, dim: int = 2, epochs: int = 10, **overrides):
        """The TrainConfig the choices give (raises ValueError on bad choices).

        λ anneals from 1000 towards 0 and is near 5 half-way through the run (the official
        γ = 0.12 would leave λ in the hundreds over a run this short).
        """
        from spheredemo.config import TrainConfig

        return TrainConfig(
            loss=loss,
            m=m if loss == "asoftmax" else None,
            dim=dim,
            epochs=epochs,
            width=self.settings["width"],
            batch_size=self.settings["batch_size"],
            per_class=self.settings["per_class"],
            head_bias=loss == "softmax",
            lambda_gamma=199.0 / max(1, self._steps(epochs) // 2),
            lambda_min=0.0,
            **overrides,
        )

    def train(self, blocking: bool = False, **overrides) -> None:
        """Start training with the current choices (``overrides`` go to the TrainConfig)."""
        if self.thread is not None and self.thread.is_alive():
            return
        try:
            config = self.train_config(**self.values(), **overrides)
            self._ready(config)
            if self.data is None:
                self.status.value = "loading MNIST ..."
                self.data = self._load_data()
        except Exception as exc:
            self.message.value = _message_html(exc)
            return
        self._stop_event.clear()
        self._set_running(True)
        self.thread = threading.Thread(target=self._fit, args=(config,), daemon=True)
        self.thread.start()
        if blocking:
            self.thread.join()

    def stop(self) -> None:
        """Ask the running training to stop at its next 10-step check."""
        self._stop_event.set()

    def _steps(self, epochs: int) -> int:
        """Optimiser steps of ``epochs`` passes over the training subset (10 classes × per_class)."""
        return epochs * -(-10 * self.settings["per_class"] // self.settings["batch_size"])

    def _ready(self, config) -> None:
        """Unless training: what Train would run, and m enabled for A-Softmax only."""
        if self.thread is None or not self.thread.is_alive():
            n_train = 10 * self.settings["per_class"]
            self.status.value = f"ready: {self._steps(config.epochs)} steps on {n_train} images; press Train"
            self.controls["m"].disabled = config.loss != "asoftmax"

    def _load_data(self):
        from spheredemo.data import load_mnist

        test = load_mnist("test", self.data_root)
        train = load_mnist("train", self.data_root).per_class(self.settings["per_class"])
        return train, test.per_class(100), test.per_class(self.shown_per_class, seed=1)

    def _set_running(self, running: bool) -> None:
        self.train_button.disabled, self.stop_button.disabled = running, not running
        for control in self.controls.values():
            control.disabled = running
        if not running:
            self.controls["m"].disabled = self.controls["loss"].value != "asoftmax"

    def _fit(self, config) -> None:
        from spheredemo.train import fit

        train, test, _ = self.data
        self.progress.max = min(
            config.epochs * -(-len(train) // config.batch_size), config.max_steps or math.inf
        )
        self.progress.value, self.message.value = 0, ""
        try:
            self.run = fit(config, data=(train, test), progress=False, callback=self._step)
            self._step(self.run)
            acc = self.run.history.epoch_test_accuracy
            done = "stopped" if self._stop_event.is_set() else "done"
            self.status.value = f"{done} after {self.run.step} steps ({self.run.seconds:.1f} s)" + (
                f", test accuracy {100 * acc[-1]:.2f} %" if acc else ""
            )
        except Exception as exc:  # diverged or bad settings: say so in the widget
            self.message.value = _message_html(exc)
        finally:
            self._set_running(False)

    def _step(self, run) -> bool:
        """fit's callback: progress, a redraw of the shown test features, and the Stop check."""
        self.run = run
        self.progress.value = run.step
        self.progress.description = f"step {run.step}"
        h = run.history
        self.status.value = (
            f"loss {h.loss[-1]:.3f}, batch accuracy {100 * h.accuracy[-1]:.1f} %, λ {h.lam[-1]:.3g}"
        )
        emb = Embeddings.from_model(run.model, run.head, self.data[2])
        self.features.show(
            emb, title=f"step {run.step}: {100 * emb.accuracy:.1f} % of the shown test images"
        )
        return not self._stop_event.is_set()
