"""What the explorers share: the :class:`Explorer` box, the PNG view of a matplotlib figure
(:class:`MplView`), the features on the circle or sphere (:class:`FeatureView`, shown by the embedding
and training explorers), the plotly FigureWidget fallback, the message line and the slider factory."""

from __future__ import annotations

import contextvars
import html
import io
import math
import numbers
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spheredemo.keys import LOSS_LABELS
from spheredemo.plots.style import PAPER_STYLE, SLIDE_STYLE

if TYPE_CHECKING:
    from spheredemo.analysis import Embeddings

__all__ = ["MplView", "FeatureView", "Explorer", "LOSS_CHOICES", "explorer_style", "current_style", "STYLES"]

#: the Table 1 losses as (label, loss) for toggle buttons
LOSS_CHOICES = [(LOSS_LABELS[loss], loss) for loss in ("softmax", "modified", "asoftmax")]
_WIDE = {"description_width": "initial"}

#: how explorers can be drawn: None at their notebook sizes, "slide" for a projector (:func:`explorer_style`)
STYLES = (None, "slide")
#: a slide explorer's pictures are this much larger on the page: Table 1's 5-inch circle stands as tall as the
#: slide preset's 7.5-inch canvas
SLIDE_SCALE = SLIDE_STYLE["figure.figsize"][1] / 5.0
#: and their text (and lines) this much larger: the slide preset's font size over the paper preset's, 18 / 10
SLIDE_TEXT_SCALE = SLIDE_STYLE["font.size"] / PAPER_STYLE["font.size"]
_PLOTLY_FONT = 12  # plotly's default font size (px)
_STYLE = contextvars.ContextVar("spheredemo explorer style", default=None)


@contextmanager
def explorer_style(style: str | None = None):
    """Explorers built inside this block are drawn in ``style``: None, at their notebook sizes (the default);
    "slide", for a projector: every picture SLIDE_SCALE (1.5) times larger on the page, its text and lines
    SLIDE_TEXT_SCALE (1.8) times larger, the slide preset's 18 pt for the paper preset's 10 pt. A matplotlib
    picture keeps its layout (it is drawn at a higher dpi); rcParams are left alone. Each ``*_explorer`` function
    takes ``style`` and builds its explorer in this block."""
    if style not in STYLES:
        raise ValueError(f"style must be None or 'slide', got {style!r}")
    token = _STYLE.set(style)
    try:
        yield
    finally:
        _STYLE.reset(token)


def current_style() -> str | None:
    """The style of the explorer being built: None, or "slide" inside ``explorer_style("slide")``."""
    return _STYLE.get()


def _scales(style: str | None) -> tuple[float, float]:
    """(picture scale, text scale) of ``style``: (1, 1) at the notebook sizes."""
    return (SLIDE_SCALE, SLIDE_TEXT_SCALE) if style == "slide" else (1.0, 1.0)


def picture_scale() -> float:
    """How much larger than their notebook sizes the pictures of the explorer being built are (1 but in a slide
    :func:`explorer_style`)."""
    return _scales(current_style())[0]


def _plotly_layout(pixels: float, style: str | None) -> dict:
    """``update_layout`` keywords for a square plotly view of ``pixels`` at its notebook size, drawn in ``style``."""
    picture, text = _scales(style)
    layout = dict(width=int(pixels * picture), height=int(pixels * picture))
    if text != 1.0:
        layout["font_size"] = round(_PLOTLY_FONT * text)
    return layout


class MplView:
    """A matplotlib figure without pyplot, shown as a PNG in an ``ipywidgets.Image``.

    Blitting: :meth:`animate` names the artists that updates move; :meth:`render` then draws
    the static rest once, keeps it as a background and afterwards only draws the moving artists
    over it (``render(full=True)`` after a static change, e.g. new axis limits). Each render
    swaps in a whole new PNG in one assignment, so the browser never sees a half-drawn figure.

    ``figsize`` and ``dpi`` are the notebook sizes; in a slide :func:`explorer_style` the PNG is SLIDE_SCALE times
    larger and drawn at SLIDE_TEXT_SCALE times the dpi, so that its text and lines grow more than the picture,
    and a tight layout (redone at each full render) keeps the larger labels inside.
    """

    def __init__(self, figsize, dpi: int = 80):
        picture, text = _scales(current_style())
        self.figure = Figure(figsize=figsize, dpi=dpi)
        if text != 1.0:  # the text grows more than the picture: the tight layout makes room for it
            self.figure.set_dpi(dpi * text)
            self.figure.set_size_inches([size * picture / text for size in figsize])
            self.figure.set_layout_engine("tight")
        FigureCanvasAgg(self.figure)
        # a fixed size, so that a flex row cannot squash the picture
        width, height = (f"{int(size * dpi * picture)}px" for size in figsize)
        self.image = widgets.Image(
            format="png",
            layout=widgets.Layout(width=width, height=height, min_width=width, min_height=height),
        )
        self.dynamic, self.overlays, self._background, self._overlay_pixels = [], [], None, []
        self._lock = threading.Lock()  # the training thread and the kernel may both render

    def animate(self, artists, overlays=()) -> None:
        """Name the artists that updates move; the rest is drawn once, as the background.

        ``overlays`` are static artists with an opaque box that must stay on top of the moving ones (legends):
        their pixels are kept from the full draw and pasted back over each update, instead of drawing them
        again (a legend costs about as much to draw as all the moving lines together).
        """
        self.dynamic, self.overlays = list(artists), list(overlays)
        for artist in self.dynamic:
            artist.set_animated(True)
        self._background = None

    def render(self, full: bool = False) -> None:
        """Draw into a new PNG: the moving artists over the kept background, or (``full``) everything."""
        from PIL import Image

        with self._lock:
            canvas = self.figure.canvas
            if full or self._background is None or not self.dynamic:
                canvas.draw()  # skips animated artists
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                renderer = canvas.get_renderer()
                self._overlay_pixels = [canvas.copy_from_bbox(a.get_window_extent(renderer).padded(1))
                                        for a in self.overlays if a.get_visible()]
            else:
                canvas.restore_region(self._background)
            for artist in self.dynamic:
                self.figure.draw_artist(artist)
            for pixels in self._overlay_pixels:
                canvas.restore_region(pixels)
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
        self.style = current_style()  # the sphere is drawn later, perhaps in the training thread

    def show(self, emb: Embeddings, title: str = "") -> None:
        """Draw ``emb`` (2D: the circle, 3D: the sphere) titled ``title``, moving what is already drawn."""
        if emb.dim == 2:
            self._show_circle(emb, title)
            self.box.children = [self.circle_view.image]
        elif emb.dim == 3:
            self._show_sphere(emb, title)
            self.box.children = [self.sphere]
        else:
            raise ValueError(f"only 2D and 3D embeddings can be drawn, got dim={emb.dim}")

    def _show_circle(self, emb: Embeddings, title: str) -> None:
        from spheredemo.plots.embeddings import draw_circle_features, weight_label_position

        if self.circle_artists is None or len(self.circle_artists.scatters) != emb.n_classes:
            self.circle_view.figure.clear()
            ax = self.circle_view.figure.add_subplot()
            self.circle_artists = draw_circle_features(
                emb, ax=ax, max_points=None, jitter=0.0, size=8, weight_labels=True
            )
            self.circle_view.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.06, top=0.92)
            art = self.circle_artists
            self.circle_view.animate([*art.scatters, *art.arrows, *art.labels, art.ax.title])
        else:
            points = emb.unit_features
            for c, scatter in enumerate(self.circle_artists.scatters):
                scatter.set_offsets(points[emb.labels == c])
            for arrow, label, w in zip(self.circle_artists.arrows, self.circle_artists.labels, emb.unit_weight):
                arrow.xy = tuple(0.8 * w)
                label.set_position(weight_label_position(w))
        self.circle_artists.ax.set_title(title)
        self.circle_view.render()

    def _show_sphere(self, emb: Embeddings, title: str) -> None:
        from spheredemo.plots.embeddings import sphere_figure

        fresh = sphere_figure(emb, max_points=None, title=title)
        if self.sphere is None or len(self.sphere.data) != len(fresh.data):
            self.sphere = _figure_widget(fresh)
            if self.sphere is None:
                raise ValueError("the 3D view needs the anywidget package: pip install anywidget")
            self.sphere.update_layout(**_plotly_layout(self.size * 90, self.style))
        with self.sphere.batch_update():
            for trace, new in zip(self.sphere.data, fresh.data):
                trace.x, trace.y, trace.z = new.x, new.y, new.z
            self.sphere.layout.title.text = title


def _message_html(exc: Exception) -> str:
    kind = "" if isinstance(exc, ValueError) else f"{type(exc).__name__}: "
    return f'<span style="color:#bd1f01">⚠ {html.escape(kind + str(exc))}</span>'


class Explorer(widgets.VBox):
    """Controls, a body of views and a message line; a control change calls :meth:`update`.

    An explorer is a subclass that makes its controls and views in its ``__init__``, then calls this
    one, which lays them out, draws the first picture and calls ``update`` on every control change. Its
    ``update`` is plain, the controls' values as keywords with defaults (``update(m=4, theta12=90)``),
    so that it can be called, or a control moved, without a browser. An update that refuses its input
    shows the message in the widget, never a traceback.

    Args:
        controls: the widgets by name; their names are ``update``'s keywords.
        body: the views, below the controls and ``extra``.
        header: HTML above the controls.
        figure: the matplotlib Figure drawn, if any (``explorer.figure``).
        views: plotly FigureWidgets and other views by name (``explorer.views``).
        extra: widgets between the controls and the body (readouts, buttons).
        rows: control names, one list per row (default: one row of all).
    """

    def __init__(self, controls: dict, body, header: str = "", figure=None, views=None, extra=(), rows=None):
        self.controls = controls
        self.figure = figure
        self.views = views or {}
        self.style = current_style()  # None, or "slide" when built in explorer_style("slide")
        self.message = widgets.HTML().add_class("spheredemo-message")
        rows = rows or [list(controls)]
        boxes = [
            widgets.HBox([controls[name] for name in row], layout=widgets.Layout(flex_flow="row wrap"))
            for row in rows
        ]
        super().__init__(([widgets.HTML(header)] if header else []) + boxes + [*extra, body, self.message])
        for control in controls.values():
            control.observe(self._changed, names="value")
        self._changed()

    def update(self, **values) -> None:
        """Redraw for these control values; each explorer defines its own, with keyword defaults."""
        raise NotImplementedError(f"{type(self).__name__} must define update(**values)")

    def values(self) -> dict:
        """The controls' current values by name: the keywords of :meth:`update`."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values) -> None:
        """Move the controls (as a user would); each move triggers :meth:`update`. A value outside a control's
        range (or options) is a ValueError naming the range, never clamped; an unknown name is a ValueError
        listing the controls."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"{type(self).__name__} has no control {name!r}; its controls: "
                                 f"{', '.join(self.controls)}")
            check_control_value(name, value, self.controls[name])
        for name, value in values.items():
            self.controls[name].value = value

    def _changed(self, change=None) -> None:
        try:
            self.update(**self.values())
        except Exception as exc:  # shown in the widget, never as a traceback in the output area
            self.message.value = _message_html(exc)
        else:
            self.message.value = ""


def _allowed(control) -> tuple[str, object]:
    """What ``control`` admits, as (text for a message, test): "an integer in 1..6" and ``value -> bool``."""
    if hasattr(control, "options"):  # a selection: ToggleButtons, Dropdown, SelectionSlider
        values = [option[1] if isinstance(option, tuple) else option for option in control.options]
        shown = values if len(values) <= 12 else [*values[:5], "...", *values[-3:]]
        return "one of " + ", ".join(repr(v) if v != "..." else v for v in shown), lambda v: any(
            _same(v, option) for option in values)
    if isinstance(control, widgets.FloatLogSlider):
        low, high = control.base ** control.min, control.base ** control.max
    else:
        low, high = control.min, control.max
    if isinstance(control, widgets.IntSlider):
        return f"an integer in {low}..{high}", lambda v: (
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and low <= v <= high)
    return f"a number from {low:g} to {high:g}", lambda v: (
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and low <= v <= high)


def _same(value, option) -> bool:
    try:
        return bool(value == option) and type(value) is not bool
    except Exception:  # numpy arrays and the like compare elementwise: not an option
        return False


def check_control_value(name: str, value, control) -> None:
    """Raise ValueError naming ``name``, what ``control`` admits (its range or its options) and ``value``, when the
    control would not take ``value`` as it is: an ipywidgets slider would clamp it silently, a selection refuse it
    with a TraitError that names neither the argument nor the choices."""
    text, admits = _allowed(control)
    if not admits(value):
        what = "choices" if hasattr(control, "options") else "range"
        raise ValueError(f"{name} must be {text} (the {what} of the explorer's {name} control), got {value!r}")


def _control(cls, value, name: str, **kwargs):
    """A ``cls`` control set to ``value`` after :func:`check_control_value` (so that nothing is clamped)."""
    control = cls(**kwargs)
    check_control_value(name, value, control)
    control.value = value
    return control


def _slider(cls, value, description, name: str | None = None, **kwargs):
    """A labelled control (``description``) set to ``value``; ``name`` (the explorer's argument) names it in the
    ValueError for a value out of its range."""
    return _control(cls, value, name or description, description=description, style=_WIDE, **kwargs)
