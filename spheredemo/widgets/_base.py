"""What every explorer shares: the :class:`Explorer` box, the PNG view of a matplotlib figure,
the plotly FigureWidget fallback, the message line and the slider factory."""

from __future__ import annotations

import html
import io
import threading

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["MplView", "Explorer", "LOSS_CHOICES"]

LOSS_CHOICES = [("softmax", "softmax"), ("modified softmax", "modified"), ("A-Softmax", "asoftmax")]
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
