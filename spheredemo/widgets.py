"""Interactive explorers for notebooks: move m, θ12, λ and watch the boundaries and the margin move.

Each ``*_explorer()`` returns an :class:`Explorer` (an ipywidgets ``VBox``): a notebook shows it in
one line. Its figure is built once; a control change calls the explorer's plain ``update``
function (keyword defaults, testable without a browser), which moves the drawn artists in place
and re-renders. ``explorer.controls`` holds the widgets by name, ``explorer.figure`` the
matplotlib figure and ``explorer.views`` the plotly FigureWidgets. Bad input never shows a
traceback: sliders clamp typed values, and an update that refuses its input shows the message.

Matplotlib figures are drawn with Agg (no pyplot) and shown as PNG in an ``ipywidgets.Image``;
3D views are plotly ``FigureWidget`` s (which need the ``anywidget`` package).
"""

from __future__ import annotations

import html
import io
import math
import threading

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spheredemo.analysis import Embeddings, angle_stats, pair_angles
from spheredemo.margins import LambdaSchedule
from spheredemo.plots.boundaries import (
    RULE_TITLES,
    BoundaryDisplay,
    binary_boundaries,
    bounds_text,
    sphere_caps_figure,
    update_sphere_caps,
)
from spheredemo.plots.psi import PsiDisplay

__all__ = [
    "Explorer",
    "boundary_explorer",
    "psi_explorer",
    "embedding_explorer",
    "training_explorer",
    "TrainingExplorer",
    "MODEL_CHOICES",
]

LOSS_CHOICES = [("softmax", "softmax"), ("modified softmax", "modified"), ("A-Softmax", "asoftmax")]
#: the embedding explorer's m slider: softmax, modified softmax, then A-Softmax m = 1..4
MODEL_CHOICES = [("softmax", "softmax"), ("modified", "modified")] + [
    (f"m={m}", f"asoftmax-{m}") for m in range(1, 5)
]
LAMBDA_CHOICES = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0)
# γ choices of the ψ explorer; 0.12 is the official value
GAMMA_CHOICES = (0.001, 0.003, 0.01, 0.03, 0.06, 0.12, 0.25, 0.5, 1.0, 2.0, 5.0)
_WIDE = {"description_width": "initial"}


class MplView:
    """A matplotlib figure without pyplot, shown as a PNG in an ``ipywidgets.Image``.

    Blitting: :meth:`animate` names the artists that updates move; :meth:`render` then draws
    the static rest once, keeps it as a background and afterwards only draws the moving artists
    over it (``render(full=True)`` after a static change, e.g. new axis limits). Each render
    swaps in a whole new PNG in one assignment, so the browser never sees a half-drawn figure.
    """

    def __init__(self, figsize, dpi: int = 80):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        # a fixed size, so that a flex row cannot squash the picture
        width, height = (f"{int(size * dpi)}px" for size in figsize)
        self.image = widgets.Image(
            format="png",
            layout=widgets.Layout(width=width, height=height, min_width=width, min_height=height),
        )
        self.dynamic, self._background = [], None
        self._lock = threading.Lock()  # the training thread and the kernel may both render

    def animate(self, artists) -> None:
        self.dynamic = list(artists)
        for artist in self.dynamic:
            artist.set_animated(True)
        self._background = None

    def render(self, full: bool = False) -> None:
        from PIL import Image

        with self._lock:
            canvas = self.figure.canvas
            if full or self._background is None or not self.dynamic:
                canvas.draw()  # skips animated artists
                self._background = canvas.copy_from_bbox(self.figure.bbox)
            else:
                canvas.restore_region(self._background)
            for artist in self.dynamic:
                self.figure.draw_artist(artist)
            width, height = canvas.get_width_height()
            buffer = io.BytesIO()
            Image.frombuffer(
                "RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
            ).save(buffer, format="png", compress_level=1)
            self.image.value = buffer.getvalue()


def _figure_widget(fig):
    """``fig`` as a plotly FigureWidget, or None where anywidget (which it needs) is missing."""
    import plotly.graph_objects as go

    try:
        return go.FigureWidget(fig)
    except ImportError:
        return None


def _message_html(exc: Exception) -> str:
    kind = "" if isinstance(exc, ValueError) else f"{type(exc).__name__}: "
    return f'<span style="color:#bd1f01">⚠ {html.escape(kind + str(exc))}</span>'


class Explorer(widgets.VBox):
    """Controls, a body of views and a message line; a control change calls ``update``."""

    def __init__(
        self,
        controls: dict,
        body,
        update,
        header: str = "",
        figure=None,
        views=None,
        extra=(),
        rows=None,
    ):
        self.controls = controls
        self.update = update  # the plain update function, keyword defaults
        self.figure = figure  # the matplotlib Figure, if any
        self.views = views or {}  # plotly FigureWidgets and other views by name
        self.message = widgets.HTML().add_class("spheredemo-message")
        rows = rows or [list(controls)]  # control names, one list per row
        boxes = [
            widgets.HBox(
                [controls[name] for name in row], layout=widgets.Layout(flex_flow="row wrap")
            )
            for row in rows
        ]
        super().__init__(
            ([widgets.HTML(header)] if header else []) + boxes + [*extra, body, self.message]
        )
        for control in controls.values():
            control.observe(self._changed, names="value")
        self._changed()

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values) -> None:
        """Move the controls (as a user would); each move triggers :meth:`update`."""
        for name, value in values.items():
            self.controls[name].value = value

    def _changed(self, change=None) -> None:
        try:
            self.update(**self.values())
        except Exception as exc:  # shown in the widget, never as a traceback in the output area
            self.message.value = _message_html(exc)
        else:
            self.message.value = ""


def _slider(cls, value, description, **kwargs):
    return cls(value=value, description=description, style=_WIDE, **kwargs)


def boundary_explorer(
    m: int = 4, theta12: int = 90, loss: str = "asoftmax", b1: float = 0.0, b2: float = 0.0
) -> Explorer:
    """Table 1 / Fig. 3: m, θ12, the loss and the biases move W, the boundaries and the margin."""

    controls = {
        "m": _slider(widgets.IntSlider, m, "m", min=1, max=6),
        "theta12": _slider(widgets.IntSlider, theta12, "θ12 (degrees)", min=10, max=180),
        "loss": widgets.ToggleButtons(options=LOSS_CHOICES, value=loss),
        "b1": _slider(widgets.FloatSlider, b1, "b1", min=-1.0, max=1.0, step=0.05),
        "b2": _slider(widgets.FloatSlider, b2, "b2", min=-1.0, max=1.0, step=0.05),
    }
    view = MplView((5.0, 5.0))
    display = BoundaryDisplay(binary_boundaries(theta12, m, loss, b1, b2)).plot(
        view.figure.add_subplot()
    )
    view.figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.98)
    for text in (display.margin_label, display.bounds_label, display.ax.title):
        # shown as HTML below: crisper, and the PNG renders faster without them
        text.set_visible(False)
    view.animate([a for a in display.dynamic_artists if a.get_visible()])
    sphere = _figure_widget(sphere_caps_figure(theta12, m, rules=(loss,), n=40))
    if sphere is None:  # the 2D picture still works; say what the 3D view needs
        sphere = widgets.HTML(
            "The rotatable 3D caps need the anywidget package: pip install anywidget"
        )
    else:
        sphere.update_layout(width=400, height=400)
    readout = widgets.HTML().add_class("spheredemo-margin")

    def update(m=4, theta12=90, loss="asoftmax", b1=0.0, b2=0.0):
        display.update(theta12=theta12, m=m, rule=loss, b1=b1, b2=b2)
        if not isinstance(sphere, widgets.HTML):
            update_sphere_caps(sphere, theta12, m, rules=(loss,), b1=b1, b2=b2)
        b = display.boundaries
        readout.value = (
            f"<b>{RULE_TITLES[b.rule]}, θ12 = {b.theta12:.0f}°: {b.margin_text}</b><br>"
            + (bounds_text(b.m).replace("\n", "<br>") if b.rule == "asoftmax" else "")
        )
        controls["m"].disabled = loss != "asoftmax"
        controls["b1"].disabled = controls["b2"].disabled = loss != "softmax"
        view.render()

    explorer = Explorer(
        controls,
        widgets.HBox([view.image, sphere]),
        update,
        extra=[readout],
        rows=[["loss"], ["m", "theta12"], ["b1", "b2"]],
        header="<b>Table 1 / Fig. 3</b>: binary decision boundaries and the angular margin",
        figure=view.figure,
        views={"sphere": sphere},
    )
    explorer.display, explorer.readout = display, readout
    return explorer


def psi_explorer(m: int = 4, lam: float = 5.0, theta12: int = 36) -> Explorer:
    """ψ(θ), the λ-blended target and the λ(t) schedule; the effective margin of m with λ."""
    schedule = LambdaSchedule()
    controls = {
        "m": _slider(widgets.IntSlider, m, "m", min=1, max=6),
        "lam": _slider(widgets.SelectionSlider, lam, "λ", options=LAMBDA_CHOICES),
        "theta12": _slider(widgets.IntSlider, theta12, "θ12 (degrees)", min=10, max=180),
        "base": _slider(
            widgets.FloatLogSlider, schedule.base, "λ base", base=10, min=0, max=4, step=0.05
        ),
        "gamma": _slider(widgets.SelectionSlider, schedule.gamma, "γ", options=GAMMA_CHOICES),
        "power": _slider(widgets.FloatSlider, schedule.power, "power", min=0.0, max=3.0, step=0.1),
        "lambda_min": _slider(
            widgets.FloatSlider, schedule.lambda_min, "λ_min", min=0.0, max=50.0, step=0.5
        ),
    }
    view = MplView((10.0, 3.8))
    display = PsiDisplay(m, lam, theta12, schedule).plot(view.figure.subplots(1, 2))
    view.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
    view.animate(display.dynamic_artists)
    readout = widgets.HTML().add_class("spheredemo-margin")

    def update(m=4, lam=5.0, theta12=36, base=1000.0, gamma=0.12, power=1.0, lambda_min=5.0):
        display.update(
            m=m, lam=lam, theta12=theta12, schedule=LambdaSchedule(base, gamma, power, lambda_min)
        )
        r = display.result
        readout.value = (
            f"<b>m = {r.m} with λ = {r.lam:g} acts like m_eff ≈ {r.m_eff:.2f}</b>: class-1 "
            f"boundary at {r.theta1:.1f}° instead of θ12/(m+1) = {r.theta12 / (r.m + 1):.1f}°, "
            f"margin {r.margin:.1f}°"
        )
        view.render()

    explorer = Explorer(
        controls,
        view.image,
        update,
        extra=[readout],
        figure=view.figure,
        rows=[["m", "lam", "theta12"], ["base", "gamma", "power", "lambda_min"]],
        header="<b>ψ(θ) and annealing</b> (Eq. 6, Appendix G)",
    )
    explorer.display, explorer.readout = display, readout
    return explorer


def _parse_model(key: str) -> tuple[str, int | None]:
    loss, _, m = key.partition("-")
    return loss, (int(m) if m else None)


def _shown_subset(emb: Embeddings, per_class: int) -> Embeddings:
    """The first ``per_class`` features of every class (the same images for every checkpoint)."""
    index = np.sort(
        np.concatenate([np.flatnonzero(emb.labels == c)[:per_class] for c in np.unique(emb.labels)])
    )
    return Embeddings(
        emb.features[index],
        emb.labels[index],
        emb.weight,
        emb.predictions[index],
        emb.bias,
        emb.name,
    )


class FeatureView:
    """Features on the unit circle (matplotlib, 2D) or sphere (plotly, 3D), drawn once, then moved.

    :meth:`show` draws the first embeddings of a dimension and afterwards only moves the points
    (``set_offsets``) and weight arrows, or the plotly traces' coordinates.
    """

    def __init__(self, size: float = 4.6):
        self.circle_view = MplView((size, size))
        self.circle_artists = None
        self.sphere = None
        self.box = widgets.Box()
        self.size = size

    def show(self, emb: Embeddings, title: str = "") -> None:
        if emb.dim == 2:
            self._show_circle(emb, title)
            self.box.children = [self.circle_view.image]
        elif emb.dim == 3:
            self._show_sphere(emb, title)
            self.box.children = [self.sphere]
        else:
            raise ValueError(f"only 2D and 3D embeddings can be drawn, got dim={emb.dim}")

    def _show_circle(self, emb: Embeddings, title: str) -> None:
        from spheredemo.plots.embeddings import draw_circle_features

        if self.circle_artists is None or len(self.circle_artists.scatters) != emb.n_classes:
            self.circle_view.figure.clear()
            ax = self.circle_view.figure.add_subplot()
            self.circle_artists = draw_circle_features(
                emb, ax=ax, max_points=None, jitter=0.0, size=5
            )
            self.circle_view.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.06, top=0.92)
            art = self.circle_artists
            self.circle_view.animate([*art.scatters, *art.arrows, art.ax.title])
        else:
            points = emb.unit_features
            for c, scatter in enumerate(self.circle_artists.scatters):
                scatter.set_offsets(points[emb.labels == c])
            for arrow, w in zip(self.circle_artists.arrows, emb.unit_weight):
                arrow.xy = tuple(0.8 * w)
        self.circle_artists.ax.set_title(title)
        self.circle_view.render()

    def _show_sphere(self, emb: Embeddings, title: str) -> None:

        from spheredemo.plots.embeddings import sphere_figure

        fresh = sphere_figure(emb, max_points=None, title=title)
        if self.sphere is None or len(self.sphere.data) != len(fresh.data):
            self.sphere = _figure_widget(fresh)
            if self.sphere is None:
                raise ValueError("the 3D view needs the anywidget package: pip install anywidget")
            self.sphere.update_layout(width=int(self.size * 90), height=int(self.size * 90))
        with self.sphere.batch_update():
            for trace, new in zip(self.sphere.data, fresh.data):
                trace.x, trace.y, trace.z = new.x, new.y, new.z
            self.sphere.layout.title = title


def _stats_html(emb: Embeddings, pairs) -> str:
    s = angle_stats(emb)
    rows = [
        ("test accuracy", f"{100 * s.accuracy:.2f} %"),
        ("mean angle to own W", f"{s.mean_own_angle:.1f}°"),
        ("max angle to own W", f"{s.max_own_angle:.1f}°"),
        ("min angle between W", f"{s.min_weight_angle:.1f}°"),
        ("angular Fisher score", f"{s.afs:.4f}"),
        (
            f"max positive pair ({pairs.classes[0]}, {pairs.classes[1]})",
            f"{pairs.max_positive:.1f}°",
        ),
        ("min negative pair", f"{pairs.min_negative:.1f}°"),
        ("pairs overlapping", f"{100 * pairs.overlap_fraction:.2f} %"),
    ]
    body = "".join(f"<tr><td>{k}</td><td style='text-align:right'>{v}</td></tr>" for k, v in rows)
    return f"<table class='spheredemo-stats'>{body}</table>"


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``value`` (steady axis limits)."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= value)


class _Histograms:
    """Pair-angle histograms drawn once; later pairs only change bar heights, lines and labels.

    The y limit moves in steps (:func:`_nice_ceiling`), so most swaps only redraw the bars.
    """

    def __init__(self, bins: int = 90):
        self.view = MplView((4.6, 3.4))
        self.artists, self.bins = None, bins

    def show(self, pairs, histograms) -> None:
        """``histograms`` is ``pairs.histograms(bins)``: (edges, positive, negative) densities."""
        from spheredemo.plots.embeddings import draw_pair_histograms

        _, pos, neg = histograms
        i, j = pairs.classes
        labels = [
            f"positive pairs ({i}–{i}, {j}–{j})",
            f"negative pairs ({i}–{j})",
            f"max positive {pairs.max_positive:.1f}°",
            f"min negative {pairs.min_negative:.1f}°",
        ]
        if self.artists is None:
            a = self.artists = draw_pair_histograms(
                pairs, ax=self.view.figure.add_subplot(), bins=self.bins
            )
            self.view.figure.subplots_adjust(left=0.17, right=0.97, bottom=0.15, top=0.95)
            lines = [a.positive, a.negative, a.max_positive_line, a.min_negative_line]
            self.legend = a.ax.legend(lines, labels, loc="upper right", fontsize="small")
            self.view.animate([*a.positive, *a.negative, *lines[2:], self.legend])
        a = self.artists
        for bars, heights in ((a.positive, pos), (a.negative, neg)):
            for rect, h in zip(bars, heights):
                rect.set_height(h)
        a.max_positive_line.set_xdata([pairs.max_positive] * 2)
        a.min_negative_line.set_xdata([pairs.min_negative] * 2)
        for text, label in zip(self.legend.get_texts(), labels):
            text.set_text(label)
        top = _nice_ceiling(1.05 * max(pos.max(), neg.max(), 1e-6))
        full = a.ax.get_ylim()[1] != top
        a.ax.set_ylim(0, top)
        self.view.render(full=full)


def _pretrained_loader(dim, loss, m):
    from spheredemo import pretrained

    return pretrained.test_embeddings(dim, loss, m)


def embedding_explorer(
    dim: int = 2, model: str = "asoftmax-4", load=None, shown_per_class: int = 200
) -> Explorer:
    """Fig. 5 / Fig. 12: the shipped MNIST models' test features on the circle or sphere, by m.

    ``load(dim, loss, m) -> Embeddings`` defaults to :func:`spheredemo.pretrained.test_embeddings`.
    Results are cached per model, so moving back to a model seen before only redraws.
    """
    load = load or _pretrained_loader
    controls = {
        "dim": widgets.ToggleButtons(options=[("2D: circle", 2), ("3D: sphere", 3)], value=dim),
        "model": _slider(
            widgets.SelectionSlider,
            model,
            "loss / m",
            options=MODEL_CHOICES,
            continuous_update=False,
        ),
    }
    features, histograms, stats = (
        FeatureView(),
        _Histograms(),
        widgets.HTML().add_class("spheredemo-stats"),
    )
    cache = {}

    def results(dim, model):
        if (dim, model) not in cache:
            emb = load(dim, *_parse_model(model))
            pairs = pair_angles(emb)
            cache[dim, model] = (
                _shown_subset(emb, shown_per_class),
                pairs,
                pairs.histograms(histograms.bins),
                _stats_html(emb, pairs),
            )
        return cache[dim, model]

    def update(dim=2, model="asoftmax-4"):
        shown, pairs, hist, table = results(dim, model)
        label = dict((v, k) for k, v in MODEL_CHOICES)[model]
        features.show(shown, title=f"MNIST test, {dim}D, {label}")
        histograms.show(pairs, hist)
        stats.value = table
        body.layout.display = None  # shown once something is drawn

    body = widgets.HBox(
        [features.box, widgets.VBox([histograms.view.image, stats])],
        layout=widgets.Layout(display="none"),
    )
    explorer = Explorer(
        controls,
        body,
        update,
        header="<b>Fig. 5 / Fig. 12</b>: MNIST features of the shipped models",
        figure=features.circle_view.figure,
    )
    explorer.features, explorer.histograms, explorer.stats, explorer.cache = (
        features,
        histograms,
        stats,
        cache,
    )
    return explorer


def training_explorer(
    per_class: int = 300,
    shown_per_class: int = 50,
    width: int = 8,
    batch_size: int = 128,
    data_root=None,
) -> TrainingExplorer:
    """Train your own: pick loss, m, dimension and epochs, press Train (never trains on its own)."""
    return TrainingExplorer(per_class, shown_per_class, width, batch_size, data_root)


class TrainingExplorer(Explorer):
    """Train on an MNIST subset with a progress bar; the features are redrawn every 10 steps.

    Nothing trains until :meth:`train` runs (the Train button). Training runs in a thread so
    that the Stop button (:meth:`stop`) is heard; ``train(blocking=True)`` waits for it.
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
            self.config_for,
            extra=[buttons, self.status],
            header="<b>Train your own</b>: A-Softmax on an MNIST subset (Fig. 12 in a minute)",
            figure=self.features.circle_view.figure,
        )

    def config_for(self, loss="asoftmax", m=4, dim=2, epochs=10, **overrides):
        """The TrainConfig the current choices give (raises ValueError on bad choices).

        λ anneals from 1000 towards 0 and is near 5 half-way through the run (the official
        γ = 0.12 would leave λ in the hundreds over a run this short).
        """
        from spheredemo.config import TrainConfig

        n_train = 10 * self.settings["per_class"]
        steps = epochs * -(-n_train // self.settings["batch_size"])
        config = TrainConfig(
            loss=loss,
            m=m if loss == "asoftmax" else None,
            dim=dim,
            epochs=epochs,
            width=self.settings["width"],
            batch_size=self.settings["batch_size"],
            per_class=self.settings["per_class"],
            head_bias=loss == "softmax",
            lambda_gamma=199.0 / max(1, steps // 2),
            lambda_min=0.0,
            **overrides,
        )
        if self.thread is None or not self.thread.is_alive():
            self.status.value = f"ready: {steps} steps on {n_train} images; press Train"
            self.controls["m"].disabled = loss != "asoftmax"
        return config

    def train(self, blocking: bool = False, **overrides) -> None:
        """Start training with the current choices (``overrides`` go to the TrainConfig)."""
        if self.thread is not None and self.thread.is_alive():
            return
        try:
            config = self.config_for(**self.values(), **overrides)
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
