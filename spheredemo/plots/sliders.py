"""Plotly figures with a kernel-free slider: one frame per setting, computed in advance (for slides).

:func:`slider_steps` is the step list every such figure shares (here and in
:mod:`spheredemo.slides`); :func:`boundary_slider_figure` is Table 1 with an m slider, drawn
from :func:`spheredemo.geometry.binary_boundaries` (angles in degrees).
"""

from __future__ import annotations

import math

import numpy as np

from spheredemo.geometry import VIEW_LIMIT, BinaryBoundaries, binary_boundaries, bounds_text
from spheredemo.margins import check_m, check_theta12_deg
from spheredemo.plots.style import UNIT_CIRCLE_COLOR, WEIGHT_COLOR, class_color

__all__ = ["slider_steps", "boundary_slider_figure", "boundary_states_figure", "state_key"]

N_MOVING_TRACES = 5  # the traces a boundary frame replaces: two arcs, the wedge, two boundaries


def slider_steps(labels) -> list[dict]:
    """One plotly slider step per label, each jumping at once to the frame of that name."""
    return [
        dict(
            method="animate",
            label=str(label),
            args=[
                [str(label)],
                dict(
                    mode="immediate",
                    frame=dict(duration=0, redraw=True),
                    transition=dict(duration=0),
                ),
            ],
        )
        for label in labels
    ]


def _arc_traces(b: BinaryBoundaries) -> list:
    """The unit-circle arcs where each class wins."""
    import plotly.graph_objects as go

    return [
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line=dict(color=class_color(i), width=7),
            name=f"class {i + 1} wins",
            connectgaps=False,
        )
        for i, (x, y) in enumerate(b.winning_arc(label) for label in (1, 2))
    ]


def _wedge_and_boundary_traces(b: BinaryBoundaries) -> list:
    """The margin wedge (a single point where there is none), then the two boundaries."""
    import plotly.graph_objects as go

    wedge = b.wedge if len(b.wedge) else np.zeros((1, 2))
    boundaries = [
        go.Scatter(
            x=s[:, 0],
            y=s[:, 1],
            mode="lines",
            showlegend=False,
            line=dict(color=class_color(i), dash="dash", width=3),
        )
        for i, s in enumerate((b.boundary1, b.boundary2))
    ]
    margin = go.Scatter(
        x=wedge[:, 0],
        y=wedge[:, 1],
        fill="toself",
        mode="lines",
        line=dict(width=0),
        fillcolor="rgba(127,127,127,0.35)",
        name="margin",
    )
    return [margin, *boundaries]


def _frame_traces(b: BinaryBoundaries) -> list:
    """The traces a slider frame moves (:data:`N_MOVING_TRACES`): arcs, wedge, boundaries."""
    return _arc_traces(b) + _wedge_and_boundary_traces(b)


def _unit_circle_trace():
    import plotly.graph_objects as go

    t = np.linspace(0, 2 * math.pi, 361)
    return go.Scatter(
        x=np.cos(t),
        y=np.sin(t),
        mode="lines",
        showlegend=False,
        line=dict(color=UNIT_CIRCLE_COLOR, width=1),
    )


def _weight_annotations(b: BinaryBoundaries) -> list[dict]:
    """The W1, W2 arrows (plotly annotations in data coordinates), then their labels."""
    arrows = [
        dict(
            x=w[0],
            y=w[1],
            ax=0,
            ay=0,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowwidth=3,
            text="",
            arrowcolor=WEIGHT_COLOR,
        )
        for w in (b.w1, b.w2)
    ]
    labels = [
        dict(x=1.15 * w[0], y=1.15 * w[1], text=f"W{i + 1}", showarrow=False, font=dict(size=20))
        for i, w in enumerate((b.w1, b.w2))
    ]
    return arrows + labels


def _frame_annotations(b: BinaryBoundaries) -> list[dict]:
    """A frame's annotations: the weights, the margin caption below and the m bounds above."""
    caption = dict(xref="paper", yref="paper", x=0.5, showarrow=False)
    return _weight_annotations(b) + [
        dict(caption, y=-0.02, font=dict(size=22), text=f"m = {b.m}: {b.margin_text}", name="margin"),
        dict(caption, y=1.04, font=dict(size=14), text=bounds_text(b.m).replace("\n", "    ")),
    ]


def boundary_slider_figure(theta12_deg=90.0, ms=range(1, 7)):
    """Table 1 as a plotly figure with a kernel-free m slider: one frame per m (for slides).

    Each frame holds A-Softmax's boundaries at θ12/(m+1) and mθ12/(m+1) from W1 and the margin
    (m−1)/(m+1)·θ12 between them, for W1, W2 θ12 = ``theta12_deg`` degrees apart.
    """
    import plotly.graph_objects as go

    theta12 = check_theta12_deg(theta12_deg)
    ms = [check_m(m) for m in ms]
    states = {m: binary_boundaries(theta12, m, "asoftmax") for m in ms}
    first = states[ms[0]]
    fig = go.Figure(_frame_traces(first) + [_unit_circle_trace()])
    fig.frames = [
        go.Frame(
            name=str(m),
            data=_frame_traces(b),
            traces=list(range(N_MOVING_TRACES)),
            layout=dict(annotations=_frame_annotations(b)),
        )
        for m, b in states.items()
    ]
    axis = dict(range=[-VIEW_LIMIT, VIEW_LIMIT], visible=False)
    fig.update_layout(
        annotations=_frame_annotations(first),
        xaxis=axis,
        yaxis=dict(axis, scaleanchor="x"),
        sliders=[
            dict(active=0, currentvalue=dict(prefix="m = "), steps=slider_steps(ms), pad=dict(t=40))
        ],
        title=f"A-Softmax boundaries (Table 1), θ12 = {theta12:.0f}°",
        height=650,
        plot_bgcolor="white",
        margin=dict(t=80, b=40),
    )
    return fig


def state_key(*values) -> str:
    """The name of the frame of one state of several controls: their keys joined by ``|`` (as the deck's
    page script joins them)."""
    return "|".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def boundary_states_figure(thetas_deg=(30.0, 45.0, 60.0, 90.0, 120.0, 150.0), ms=range(1, 7), theta12_deg=90.0,
                           m=1):
    """Table 1 for every (θ12, m): one frame per pair, named :func:`state_key` (θ12, m), and the readout
    caption of each ("m = 4: margin (m−1)/(m+1)·θ12 = 54.0°" with where each boundary lies). Returns
    ``(figure, captions)``; the figure opens on (``theta12_deg``, ``m``). For the deck's two controls."""
    import plotly.graph_objects as go

    thetas = [check_theta12_deg(t) for t in thetas_deg]
    ms = [check_m(k) for k in ms]
    states = {state_key(t, k): binary_boundaries(t, k, "asoftmax") for t in thetas for k in ms}
    captions = {key: f"m = {b.m}: {b.margin_text}; {b.boundary_text}" for key, b in states.items()}
    first = states[state_key(check_theta12_deg(theta12_deg), check_m(m))]
    fig = go.Figure(_frame_traces(first) + [_unit_circle_trace()])
    fig.frames = [go.Frame(name=key, data=_frame_traces(b), traces=list(range(N_MOVING_TRACES)),
                           layout=dict(annotations=_weight_annotations(b))) for key, b in states.items()]
    for frame in fig.frames:  # the labels take the page's chart font (sized by the window)
        for a in frame.layout.annotations:
            a.font = None
    axis = dict(range=[-VIEW_LIMIT, VIEW_LIMIT], visible=False)
    fig.update_layout(annotations=list(fig.frames[list(states).index(state_key(first.theta12, first.m))]
                                       .layout.annotations),
                      xaxis=axis, yaxis=dict(axis, scaleanchor="x"), plot_bgcolor="white",
                      margin=dict(t=10, b=10, l=10, r=10), legend=dict(x=0.0, y=1.0))
    return fig, captions
