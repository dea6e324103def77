"""The classroom deck's plotly figures: one frame per state of a control, drawn from numbers computed elsewhere.

Every builder here only draws: :mod:`spheredemo.slides.charts` computes the states (from
:mod:`spheredemo.margins`, :mod:`spheredemo.sphere_caps` and the shipped caches) and their captions, and passes
them in as ``{frame name: arrays}``. The first frame's traces are the figure's; each frame replaces the traces
that move. Chart fonts are left to the page (sized by the window), so no figure here sets a font size.
"""

from __future__ import annotations

import numpy as np

from spheredemo.plots.style import CLASS_COLORS, NEGATIVE_COLOR, POSITIVE_COLOR, WEIGHT_COLOR, class_color

__all__ = ["strip_fonts", "with_frames", "caps_figure", "psi_figure", "blend_figure", "embedding_figure",
           "pair_density_figure", "movie_figure"]

_STATIC = dict(plot_bgcolor="white", margin=dict(t=40, b=10, l=10, r=10))


def strip_fonts(fig):
    """Drop every explicit font size (layout annotations, frames' annotations, sliders) so that all chart text
    follows the page's ``layout.font.size``."""
    for a in fig.layout.annotations:
        a.font.size = None
    for frame in fig.frames:
        for a in (frame.layout.annotations or ()) if frame.layout else ():
            a.font.size = None
    for s in fig.layout.sliders:
        s.font.size = None
        s.currentvalue.font.size = None
    for menu in fig.layout.updatemenus:
        menu.font.size = None
    return fig


def with_frames(fig, states: dict, moving: list[int]):
    """``fig`` with one frame per state (named by its key), each replacing the traces numbered ``moving``."""
    import plotly.graph_objects as go

    fig.frames = [go.Frame(name=key, data=traces, traces=moving) for key, traces in states.items()]
    return fig


def _spokes(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of one line trace drawing a segment from the origin to each row of ``weights`` (C, 2)."""
    gaps = np.full(len(weights), np.nan)
    zeros = np.zeros(len(weights))
    return (np.column_stack([zeros, weights[:, 0], gaps]).ravel(), np.column_stack([zeros, weights[:, 1], gaps]).ravel())


# --- Fig. 3 on the sphere ---------------------------------------------------------------------------------------

def _sphere_traces(weights: np.ndarray) -> list:
    """A light sphere (a coarse mesh: only the curves must be exact) and the two weights (2, 3)."""
    import plotly.graph_objects as go

    u, v = np.meshgrid(np.linspace(0, np.pi, 31), np.linspace(0, 2 * np.pi, 61))
    sphere = go.Surface(x=np.sin(u) * np.cos(v), y=np.sin(u) * np.sin(v), z=np.cos(u), showscale=False,
                        colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]], hoverinfo="skip", opacity=1.0,
                        lighting=dict(ambient=0.9, diffuse=0.2, specular=0.0), name="sphere", showlegend=False)
    arrows = [go.Scatter3d(x=[0, 1.3 * w[0]], y=[0, 1.3 * w[1]], z=[0, 1.3 * w[2]], mode="lines+text",
                           text=["", f"W{i + 1}"], line=dict(color=WEIGHT_COLOR, width=6), showlegend=False)
              for i, w in enumerate(weights)]
    return [sphere, *arrows]


def caps_figure(curves: dict, first: str, weights: np.ndarray, shared=()):
    """Each class's cap boundary on the unit sphere, one frame per key of ``curves`` (key -> two (n, 3) closed
    curves, class 1's and class 2's), over the sphere and the weights ``weights`` (2, 3); a key in ``shared``
    has one boundary for both classes (m = 1)."""
    import plotly.graph_objects as go

    def traces(key):
        out = []
        for label, p in enumerate(curves[key], 1):
            p = 1.003 * np.asarray(p)  # just above the surface, so no edge hides it
            out.append(go.Scatter3d(x=np.round(p[:, 0], 4), y=np.round(p[:, 1], 4), z=np.round(p[:, 2], 4),
                                    mode="lines", line=dict(color=class_color(label - 1), width=9),
                                    name=f"class {label}'s cap boundary" + (" (shared)" if key in shared else "")))
        return out

    fig = go.Figure(traces(first) + _sphere_traces(weights))
    with_frames(fig, {key: traces(key) for key in curves}, [0, 1])
    axis = dict(visible=False, range=[-1.3, 1.3])
    fig.update_scenes(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="cube",
                      camera=dict(eye=dict(x=0.0, y=0.95, z=0.85), up=dict(x=0, y=1, z=0)))
    fig.update_layout(margin=dict(t=0, b=0, l=0, r=0), legend=dict(x=0.0, y=1.0))
    return fig


# --- ψ and the λ blend --------------------------------------------------------------------------------------

def psi_figure(theta_deg: np.ndarray, curves: dict, first: str, y_low: float):
    """ψ(θ) beside cos θ and cos mθ with the sector edges, one frame per key of ``curves`` (key -> dict of
    ``cos_m`` and ``psi`` over ``theta_deg`` and ``edges_deg``, the sector edges kπ/m in degrees)."""
    import plotly.graph_objects as go

    def traces(key):
        c = curves[key]
        edges = np.asarray(c["edges_deg"], dtype=float)
        return [go.Scatter(x=theta_deg, y=c["cos_m"], name="cos mθ", line=dict(color="#999999", dash="dash", width=3)),
                go.Scatter(x=theta_deg, y=c["psi"], name="ψ(θ)", line=dict(color=class_color(0), width=5)),
                go.Scatter(x=np.repeat(edges, 3), y=np.tile([c["edge_bottom"], 1.1, np.nan], len(edges)),
                           mode="lines", name="sector edges kπ/m", line=dict(color="#bbbbbb", width=1))]

    fig = go.Figure(traces(first) + [go.Scatter(x=theta_deg, y=np.cos(np.radians(theta_deg)), name="cos θ",
                                                line=dict(color="black", dash="dot", width=3))])
    with_frames(fig, {key: traces(key) for key in curves}, [0, 1, 2])
    fig.update_xaxes(title="θ (degrees)", range=[0, 180], dtick=30)
    fig.update_yaxes(title="target logit / ‖x‖", range=[y_low, 1.2])
    fig.update_layout(**_STATIC, legend=dict(x=0.02, y=0.02, yanchor="bottom"))
    return fig


def blend_figure(theta1_deg: np.ndarray, other_side: np.ndarray, lam_axis: np.ndarray, states: dict, first: str,
                 titles, m_eff_top: float):
    """Left: both sides of the class-1 boundary equation against θ1 (``other_side`` is the fixed one) with the
    boundary θ1* marked; right: m_eff against λ with the chosen λ marked. ``states``: key -> dict of ``m``,
    ``lam``, ``target`` (over ``theta1_deg``), ``theta1`` (θ1*), ``m_eff_curve`` (over ``lam_axis``), ``m_eff``."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    def traces(key):
        s = states[key]
        return [go.Scatter(x=theta1_deg, y=s["target"], name="(λ cos θ1 + ψ(θ1))/(1 + λ)",
                           line=dict(color=class_color(0), width=4)),
                go.Scatter(x=[s["theta1"]] * 2, y=[-1.0, 1.0], mode="lines", name="boundary θ1*",
                           line=dict(color="black", dash="dash", width=2)),
                go.Scatter(x=np.maximum(lam_axis, 1e-2), y=s["m_eff_curve"], name=f"m_eff, m = {s['m']}",
                           showlegend=False, line=dict(color=class_color(2), width=4)),
                go.Scatter(x=[max(s["lam"], 1e-2)], y=[s["m_eff"]], mode="markers", showlegend=False,
                           marker=dict(size=16, color="black"))]

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=list(titles))
    drawn = {key: traces(key) for key in states}
    fig.add_traces(drawn[first][:2], rows=1, cols=1)
    fig.add_traces(drawn[first][2:], rows=1, cols=2)
    fig.add_trace(go.Scatter(x=theta1_deg, y=other_side, name="cos(θ12 − θ1)", line=dict(color=class_color(1), width=4)),
                  1, 1)
    with_frames(fig, drawn, [0, 1, 2, 3])
    fig.update_xaxes(title="θ1 (degrees)", row=1, col=1)
    fig.update_yaxes(range=[-1.05, 1.05], row=1, col=1)
    fig.update_xaxes(type="log", dtick=1, title="λ (0 at the left edge)", row=1, col=2)
    fig.update_yaxes(title="m_eff", range=[0.9, m_eff_top], row=1, col=2)
    fig.update_layout(**_STATIC, legend=dict(x=0.0, y=-0.25, orientation="h"))
    return strip_fonts(fig)


# --- trained features -----------------------------------------------------------------------------------------

def embedding_figure(states: dict, bin_centres_deg: np.ndarray, n_classes: int, titles, x_top_deg: float):
    """Left: features on the unit circle with the class weights; right: the share of images by angle to their own
    weight. ``states``: key -> dict of ``points`` (N, 2) unit features, ``labels`` (N,), ``weights`` (C, 2) as
    drawn and ``share_percent`` per bin; one frame per key, the first key's traces shown."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    def traces(key):
        s = states[key]
        points, labels = s["points"], s["labels"]
        out = [go.Scatter(x=np.round(points[labels == c, 0], 4), y=np.round(points[labels == c, 1], 4),
                          mode="markers", name=str(c), showlegend=False,
                          marker=dict(size=5, color=class_color(c), opacity=0.6)) for c in range(n_classes)]
        x, y = _spokes(s["weights"])
        out.append(go.Scatter(x=x, y=y, mode="lines", name="W", showlegend=False, line=dict(color="black", width=3)))
        out.append(go.Bar(x=bin_centres_deg, y=s["share_percent"], marker_color=CLASS_COLORS[0], showlegend=False,
                          name="share"))
        return out

    drawn = {key: traces(key) for key in states}
    first = drawn[next(iter(drawn))]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.08, subplot_titles=list(titles))
    fig.add_traces(first[:-1], rows=1, cols=1)
    fig.add_trace(first[-1], 1, 2)
    with_frames(fig, drawn, list(range(len(first))))
    fig.update_xaxes(range=[-1.1, 1.1], visible=False, constrain="domain", row=1, col=1)
    fig.update_yaxes(range=[-1.1, 1.1], visible=False, scaleanchor="x", constrain="domain", row=1, col=1)
    fig.update_xaxes(title=f"degrees ({x_top_deg:g} = {x_top_deg:g}° or more)", range=[0, x_top_deg], row=1, col=2)
    top = max(float(np.max(s["share_percent"])) for s in states.values()) * 1.05  # one fixed axis: animate keeps axes
    fig.update_yaxes(title="% of test images", range=[0, top], row=1, col=2)
    fig.update_layout(**_STATIC, bargap=0)
    return strip_fonts(fig)


def pair_density_figure(states: dict):
    """Densities of same-person and different-people pair angles with the threshold, one frame per key of
    ``states`` (key -> dict of ``centres_deg``, ``same``, ``different`` densities and ``threshold_deg``)."""
    import plotly.graph_objects as go

    def traces(key):
        s = states[key]
        top = max(s["same"].max(), s["different"].max()) * 1.05
        return [go.Bar(x=s["centres_deg"], y=s["same"], name="same person", marker_color=POSITIVE_COLOR, opacity=0.75),
                go.Bar(x=s["centres_deg"], y=s["different"], name="different people", marker_color=NEGATIVE_COLOR,
                       opacity=0.6),
                go.Scatter(x=[s["threshold_deg"]] * 2, y=[0, top], mode="lines", name="threshold",
                           line=dict(color="black", dash="dash", width=3))]

    drawn = {key: traces(key) for key in states}
    top = max(float(np.max(t[2].y)) for t in drawn.values())  # one fixed axis: animate keeps axes
    fig = go.Figure(drawn[next(iter(drawn))])
    with_frames(fig, drawn, [0, 1, 2])
    fig.update_yaxes(range=[0, top])
    fig.update_layout(**_STATIC, barmode="overlay", bargap=0, legend=dict(x=0.01, y=0.98),
                      xaxis=dict(title="angle between the two faces (degrees)", range=[0, 120]),
                      yaxis=dict(title="density"))
    return fig


def movie_figure(frames: dict, labels: np.ndarray, n_classes: int, titles):
    """Panels side by side on the unit circle, one frame per key of ``frames`` (key -> one (points (N, 2),
    weights (C, 2) as drawn) per panel); ``labels`` (N,) colour the points."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    def traces(key):
        out = []
        for points, weights in frames[key]:
            out += [go.Scatter(x=np.round(points[labels == c, 0], 3), y=np.round(points[labels == c, 1], 3),
                               mode="markers", showlegend=False, marker=dict(size=6, color=class_color(c)))
                    for c in range(n_classes)]
            x, y = _spokes(weights)
            out.append(go.Scatter(x=x, y=y, mode="lines", showlegend=False, line=dict(color="black", width=2)))
        return out

    titles = list(titles)
    fig = make_subplots(rows=1, cols=len(titles), horizontal_spacing=0.04, subplot_titles=titles)
    drawn = {key: traces(key) for key in frames}
    first, per = drawn[next(iter(drawn))], n_classes + 1  # traces per panel
    for j in range(len(titles)):
        fig.add_traces(first[j * per:(j + 1) * per], rows=1, cols=j + 1)
    with_frames(fig, drawn, list(range(per * len(titles))))
    for j in range(len(titles)):
        fig.update_xaxes(range=[-1.1, 1.1], visible=False, constrain="domain", row=1, col=j + 1)
        fig.update_yaxes(range=[-1.1, 1.1], visible=False, scaleanchor="x" if j == 0 else f"x{j + 1}",
                         constrain="domain", row=1, col=j + 1)
    fig.update_layout(**_STATIC)
    return strip_fonts(fig)
