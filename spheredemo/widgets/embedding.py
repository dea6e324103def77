"""The Fig. 5 / Fig. 12 explorer: the shipped MNIST models' test features and their pair angles."""

from __future__ import annotations

import math

import ipywidgets as widgets

from spheredemo.analysis import Embeddings, angle_stats, closest_pair, pair_angles
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.widgets._base import Explorer, FeatureView, MplView, _control, _slider, explorer_style

__all__ = ["embedding_explorer", "EmbeddingExplorer", "MODEL_CHOICES"]

#: the embedding explorer's m slider, (label, loss name): softmax, modified softmax, then A-Softmax m = 1..4
MODEL_CHOICES = [(f"m={key.m}" if key.m else key.loss, key.loss_name)
                 for key in (ModelKey().with_loss(loss_name) for loss_name in SWEEP)]
#: the model the explorer opens with, and whose closest class weights are Fig. 5's pair
DEFAULT_MODEL = ModelKey(loss="asoftmax").loss_name


def _stats_html(emb: Embeddings, pairs) -> str:
    s, (i, j) = angle_stats(emb), pairs.classes
    rows = [
        ("test accuracy", f"{100 * s.accuracy:.2f} %"),
        ("mean angle to own W", f"{s.mean_own_angle:.1f}°"),
        ("max angle to own W", f"{s.max_own_angle:.1f}°"),
        ("min angle between W", f"{s.min_weight_angle:.1f}°"),
        ("angular Fisher score", f"{s.afs:.4f}"),
        # a positive pair is two images of one digit, a negative pair one of each (the histograms' legend)
        (f"max positive-pair angle ({i}–{i}, {j}–{j})", f"{pairs.max_positive:.1f}°"),
        (f"min negative-pair angle ({i}–{j})", f"{pairs.min_negative:.1f}°"),
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
        self.artists, self.legend, self.bins = None, None, bins  # drawn at the first show

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
            # "best", placed anew at every draw (the legend is redrawn with the bars): a fixed corner hid the
            # max-positive line whenever it landed under it (158.5° at 3D m = 4)
            self.legend = a.ax.legend(lines, labels, loc="best", fontsize="small")
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


def _pretrained_loader(key: ModelKey) -> Embeddings:
    from spheredemo import pretrained

    return pretrained.embeddings(key)


def _model_results(emb: Embeddings, shown_per_class: int, bins: int, classes: tuple[int, int]) -> tuple:
    """What the explorer shows of one model: (shown subset, pair angles of ``classes``, their histograms, stats)."""
    pairs = pair_angles(emb, classes)
    return (
        emb.first_per_class(shown_per_class),
        pairs,
        pairs.histograms(bins),
        _stats_html(emb, pairs),
    )


#: the pair dropdown: Fig. 5's pair (the closest class weights of the A-Softmax m = 4 model of that
#: dimension, the same for every model so that models are compared on the same digits), or any other
PAIR_CHOICES = [("as Fig. 5 (closest W at m=4)", "fig5")] + [
    (f"{a} and {b}", (a, b)) for a in range(10) for b in range(a + 1, 10)
]


def _embedding_controls(dim, model) -> dict:
    """The circle/sphere toggle, the loss / m slider (which loads on release, not while dragged) and
    the class pair of the histograms."""
    return {
        "dim": _control(widgets.ToggleButtons, dim, "dim", options=[("2D: circle", 2), ("3D: sphere", 3)]),
        "model": _slider(
            widgets.SelectionSlider, model, "loss / m", "model", options=MODEL_CHOICES, continuous_update=False
        ),
        "pair": _slider(widgets.Dropdown, "fig5", "pairs of digits", "pair", options=PAIR_CHOICES),
    }


class EmbeddingExplorer(Explorer):
    """Fig. 5 / Fig. 12: the shipped MNIST models' test features on the circle or sphere, by m.

    ``update(dim, model, pair)`` shows a model's test features (``features``), the pair-angle histograms
    of a class pair (``histograms``) and the angle statistics (``stats``). ``load(ModelKey) -> Embeddings``
    defaults to :func:`spheredemo.pretrained.embeddings`; what it returns and what is computed from it are
    kept in ``cache``, so moving back to a model seen before only redraws.
    """

    def __init__(self, dim: int = 2, model: str = DEFAULT_MODEL, load=None, shown_per_class: int = 200):
        self.load = load or _pretrained_loader
        self.shown_per_class = shown_per_class
        self.cache = {}  # ("emb", dim, model) -> Embeddings; (dim, model, classes) -> _model_results
        self.features, self.histograms = FeatureView(), _Histograms()
        self.stats = widgets.HTML().add_class("spheredemo-stats")
        self.body = widgets.HBox(
            [self.features.box, widgets.VBox([self.histograms.view.image, self.stats])],
            layout=widgets.Layout(display="none"),  # shown once something is drawn
        )
        super().__init__(
            _embedding_controls(dim, model),
            self.body,
            header="<b>Fig. 5 / Fig. 12</b>: MNIST features of the shipped models",
            figure=self.features.circle_view.figure,
        )

    def update(self, dim: int = 2, model: str = DEFAULT_MODEL, pair="fig5") -> None:
        """Show ``model`` (a MODEL_CHOICES value) in ``dim`` D, with the histograms of ``pair`` (two
        classes, or "fig5": the closest class weights of A-Softmax m = 4)."""
        classes = self._reference_pair(dim) if pair in (None, "fig5") else tuple(pair)
        shown, pairs, hist, table = self._results(dim, model, classes)
        label = dict((v, k) for k, v in MODEL_CHOICES)[model]
        self.features.show(shown, title=f"MNIST test, {dim}D, {label}")
        self.histograms.show(pairs, hist)
        self.stats.value = table
        self.body.layout.display = None

    def embeddings(self, dim: int, model: str) -> Embeddings:
        """The test embeddings of ``model`` in ``dim`` D, loaded once."""
        if ("emb", dim, model) not in self.cache:
            self.cache["emb", dim, model] = self.load(ModelKey("mnist", dim).with_loss(model))
        return self.cache["emb", dim, model]

    def _reference_pair(self, dim: int) -> tuple[int, int]:
        """Fig. 5's pair for this dimension: one pair for every model."""
        return closest_pair(self.embeddings(dim, DEFAULT_MODEL).weight)

    def _results(self, dim: int, model: str, classes: tuple[int, int]) -> tuple:
        if (dim, model, classes) not in self.cache:
            self.cache[dim, model, classes] = _model_results(
                self.embeddings(dim, model), self.shown_per_class, self.histograms.bins, classes
            )
        return self.cache[dim, model, classes]


def embedding_explorer(
    dim: int = 2, model: str = DEFAULT_MODEL, load=None, shown_per_class: int = 200, style: str | None = None
) -> EmbeddingExplorer:
    """Fig. 5 / Fig. 12: the shipped MNIST models' test features on the circle or sphere, by m.

    ``load(ModelKey) -> Embeddings`` defaults to :func:`spheredemo.pretrained.embeddings`.
    Results are cached per model, so moving back to a model seen before only redraws.
    ``style="slide"`` draws it for a projector (:func:`~spheredemo.widgets.explorer_style`).
    """
    with explorer_style(style):
        return EmbeddingExplorer(dim, model, load, shown_per_class)
