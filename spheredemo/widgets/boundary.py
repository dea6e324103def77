"""The Table 1 / Fig. 3 explorer: m, θ12, the loss and the biases move W, the boundaries and the margin."""

from __future__ import annotations

import threading

import ipywidgets as widgets

from spheredemo.geometry import LOSS_TITLES, BinaryBoundaries, binary_boundaries, bounds_text
from spheredemo.plots.boundaries import BoundaryDisplay
from spheredemo.plots.regions import sphere_caps_figure, update_sphere_caps
from spheredemo.widgets._base import (LOSS_CHOICES, Explorer, MplView, _control, _figure_widget, _plotly_layout, _slider,
                                       current_style, explorer_style)

__all__ = ["boundary_explorer", "BoundaryExplorer"]


class BoundaryExplorer(Explorer):
    """Table 1 / Fig. 3: m, θ12, the loss and the biases move W, the boundaries and the margin.

    ``display`` is the circle's :class:`~spheredemo.plots.boundaries.BoundaryDisplay`, ``readout`` the
    margin line above the pictures and ``views["sphere"]`` the rotatable 3D caps.

    The circle follows every slider step at once; the caps, a WebGL redraw that takes a browser without a GPU
    about 200 ms, follow once the sliders have rested for ``sphere_settle_s`` seconds (``settle()`` applies a
    pending caps update now), so that holding an arrow key never queues a redraw per step.
    """

    sphere_settle_s = 0.3

    def __init__(
        self, m: int = 4, theta12: int = 90, loss: str = "asoftmax", b1: float = 0.0, b2: float = 0.0
    ):
        controls = {
            "m": _slider(widgets.IntSlider, m, "m", min=1, max=6),
            "theta12": _slider(widgets.IntSlider, theta12, "θ12 (degrees)", "theta12", min=10, max=180),
            "loss": _control(widgets.ToggleButtons, loss, "loss", options=LOSS_CHOICES),
            "b1": _slider(widgets.FloatSlider, b1, "b1", min=-1.0, max=1.0, step=0.05),
            "b2": _slider(widgets.FloatSlider, b2, "b2", min=-1.0, max=1.0, step=0.05),
        }
        self.view, self.display = _circle_view(binary_boundaries(theta12, m, loss, b1, b2))
        self.sphere = _caps_view(theta12, m, loss)
        self._sphere_timer, self._sphere_lock = None, threading.Lock()
        self.readout = widgets.HTML().add_class("spheredemo-margin")
        super().__init__(
            controls,
            widgets.HBox([self.view.image, self.sphere]),
            extra=[self.readout],
            rows=[["loss"], ["m", "theta12"], ["b1", "b2"]],
            header="<b>Table 1 / Fig. 3</b>: binary decision boundaries and the angular margin",
            figure=self.view.figure,
            views={"sphere": self.sphere},
        )

    def update(
        self, m: int = 4, theta12: int = 90, loss: str = "asoftmax", b1: float = 0.0, b2: float = 0.0
    ) -> None:
        """Move W, the boundaries, the margin and the 3D caps to these values (``loss``: a loss of Table 1)."""
        self.display.update(theta12_deg=theta12, m=m, loss=loss, b1=b1, b2=b2)
        self.readout.value = _readout_html(self.display.boundaries)
        self.controls["m"].disabled = loss != "asoftmax"
        self.controls["b1"].disabled = self.controls["b2"].disabled = loss != "softmax"
        self.view.render()
        if not isinstance(self.sphere, widgets.HTML):
            self._sphere_later(theta12, m, loss, b1, b2)

    def settle(self) -> None:
        """Apply a pending update of the 3D caps now (the sliders need not rest first)."""
        with self._sphere_lock:
            timer, self._sphere_timer = self._sphere_timer, None
        if timer is not None:
            timer.cancel()
            timer.function(*timer.args)

    def _sphere_later(self, *values) -> None:
        """Update the caps to ``values`` once no other update has come for ``sphere_settle_s`` seconds."""
        with self._sphere_lock:
            if self._sphere_timer is not None:
                self._sphere_timer.cancel()
            self._sphere_timer = threading.Timer(self.sphere_settle_s, self._update_sphere, values)
            self._sphere_timer.daemon = True
            self._sphere_timer.start()

    def _update_sphere(self, theta12, m, loss, b1, b2) -> None:
        with self._sphere_lock:
            update_sphere_caps(self.sphere, theta12, m, losses=(loss,), b1=b1, b2=b2)


def boundary_explorer(
    m: int = 4, theta12: int = 90, loss: str = "asoftmax", b1: float = 0.0, b2: float = 0.0, style: str | None = None
) -> BoundaryExplorer:
    """Table 1 / Fig. 3: m, θ12, the loss and the biases move W, the boundaries and the margin.

    ``style="slide"`` draws it for a projector (:func:`~spheredemo.widgets.explorer_style`)."""
    with explorer_style(style):
        return BoundaryExplorer(m, theta12, loss, b1, b2)


def _circle_view(boundaries: BinaryBoundaries) -> tuple[MplView, BoundaryDisplay]:
    """Table 1's picture in a PNG view, drawn once; updates move only its dynamic artists."""
    view = MplView((5.0, 5.0))
    display = BoundaryDisplay(boundaries).plot(view.figure.add_subplot())
    view.figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.98)
    for text in (display.margin_label, display.bounds_label, display.ax.title):
        # shown as HTML above the pictures: crisper, and the PNG renders faster without them
        text.set_visible(False)
    view.animate([a for a in display.dynamic_artists if a.get_visible()])
    return view, display


def _caps_view(theta12, m, loss):
    """The rotatable 3D caps (a FigureWidget), or an HTML note of what they need."""
    sphere = _figure_widget(sphere_caps_figure(theta12, m, losses=(loss,), n=40))
    if sphere is None:  # the 2D picture still works; say what the 3D view needs
        sphere = widgets.HTML(
            "The rotatable 3D caps need the anywidget package: pip install anywidget"
        )
    else:
        sphere.update_layout(**_plotly_layout(400, current_style()))
    return sphere


def _readout_html(b: BinaryBoundaries) -> str:
    """The margin line above the pictures, where each boundary lies (from W1), and for A-Softmax
    where m stands against the bounds."""
    return (
        f"<b>{LOSS_TITLES[b.loss]}, θ12 = {b.theta12:.0f}°: {b.margin_text}</b><br>"
        + (f"{b.boundary_text}<br>" if b.boundary_text else "")
        + (bounds_text(b.m).replace("\n", "<br>") if b.loss == "asoftmax" else "")
    )
