"""The deck's charts: plotly figures whose frames are every state of their controls, with a caption per state.

Each ``*_states`` function returns ``(figure, controls, captions)``: the frames are named by
:func:`spheredemo.plots.sliders.state_key` of the controls' keys, ``captions`` maps each frame name to the
readout the slide shows under the chart. Everything is computed here from :mod:`spheredemo.margins`,
:mod:`spheredemo.sphere_caps` and the shipped caches; the page only picks a frame. Chart fonts are left to the
page (sized by the window), so no figure here sets a font size.
"""

from __future__ import annotations

import numpy as np

from spheredemo.analysis import angle_stats
from spheredemo.geometry import class_weights
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.margins import annealed_target, check_m, effective_margin, psi
from spheredemo.plots.psi import THETA_DEG
from spheredemo.plots.sliders import boundary_states_figure, state_key
from spheredemo.plots.style import CLASS_COLORS, NEGATIVE_COLOR, POSITIVE_COLOR, WEIGHT_COLOR, class_color
from spheredemo.results import trained_m_eff
from spheredemo.slides.page import Control
from spheredemo.sphere_caps import cap_boundary

__all__ = ["movie_states", "boundary_states", "caps_states", "psi_states", "blend_states", "embedding_states",
           "face_states", "strip_fonts", "EMBEDDING_MODELS", "FACE_SLIDE_MODELS", "THETA12_CHOICES", "LAMBDA_CHOICES"]

THETA12_CHOICES = (30.0, 45.0, 60.0, 90.0, 120.0, 150.0)
LAMBDA_CHOICES = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)
#: the shipped 2D checkpoints, in the order the embedding control visits them (frames are named by key.label)
EMBEDDING_MODELS = [ModelKey("mnist", 2).with_loss(loss_name) for loss_name in SWEEP]
#: the face models the faces slide visits
FACE_SLIDE_MODELS = [ModelKey("lfw", 512).with_loss(key.loss_name) for key in EMBEDDING_MODELS]
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


def _frames(fig, states: dict, moving: list[int]):
    import plotly.graph_objects as go

    fig.frames = [go.Frame(name=key, data=traces, traces=moving) for key, traces in states.items()]
    return fig


def boundary_states(theta12_deg: float = 90.0):
    """Table 1 with θ12 and m controls."""
    thetas = sorted(set(THETA12_CHOICES) | {float(theta12_deg)})
    fig, captions = boundary_states_figure(thetas, range(1, 7), theta12_deg, 1)
    controls = [Control("theta12", "θ12", [f"{t:g}" for t in thetas], [f"{t:g}°" for t in thetas],
                        f"{theta12_deg:g}"), Control("m", "m", range(1, 7))]
    return strip_fonts(fig), controls, captions


def _sphere_traces(theta12_deg: float) -> list:
    """A light sphere (a coarse mesh: only the curves must be exact) and the two weights."""
    import plotly.graph_objects as go

    u, v = np.meshgrid(np.linspace(0, np.pi, 31), np.linspace(0, 2 * np.pi, 61))
    sphere = go.Surface(x=np.sin(u) * np.cos(v), y=np.sin(u) * np.sin(v), z=np.cos(u), showscale=False,
                        colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]], hoverinfo="skip", opacity=1.0,
                        lighting=dict(ambient=0.9, diffuse=0.2, specular=0.0), name="sphere", showlegend=False)
    weights = [go.Scatter3d(x=[0, 1.3 * w[0]], y=[0, 1.3 * w[1]], z=[0, 1.3 * w[2]], mode="lines+text",
                            text=["", f"W{i + 1}"], line=dict(color=WEIGHT_COLOR, width=6), showlegend=False)
               for i, w in enumerate(class_weights(theta12_deg, dim=3))]
    return [sphere, *weights]


def caps_states(theta12_deg: float = 90.0, ms=range(1, 7), n: int = 181):
    """Fig. 3 on the sphere: each class's cap boundary m·θ1 = θ2 as an exact closed curve (a few kB per m),
    class colours, with an m control at the fixed θ12."""
    import plotly.graph_objects as go

    def curves(m):
        out = []
        for label in (1, 2):
            p = 1.003 * cap_boundary(theta12_deg, m, label, n)  # just above the surface, so no edge hides it
            out.append(go.Scatter3d(x=np.round(p[:, 0], 4), y=np.round(p[:, 1], 4), z=np.round(p[:, 2], 4),
                                    mode="lines", line=dict(color=class_color(label - 1), width=9),
                                    name=f"class {label}'s cap boundary" + (" (shared)" if m == 1 else "")))
        return out

    ms = [check_m(m) for m in ms]
    first = ms[min(3, len(ms) - 1)]
    fig = go.Figure(curves(first) + _sphere_traces(theta12_deg))
    _frames(fig, {str(m): curves(m) for m in ms}, [0, 1])
    axis = dict(visible=False, range=[-1.3, 1.3])
    fig.update_scenes(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="cube",
                      camera=dict(eye=dict(x=0.0, y=0.95, z=0.85), up=dict(x=0, y=1, z=0)))
    fig.update_layout(margin=dict(t=0, b=0, l=0, r=0), legend=dict(x=0.0, y=1.0))
    captions = {}
    for m in ms:
        margin = (m - 1) / (m + 1) * theta12_deg
        captions[str(m)] = (f"m = {m}, θ12 = {theta12_deg:g}°: each cap reaches θ12/(m+1) = "
                            f"{theta12_deg / (m + 1):.1f}° towards the other weight; the band between the caps "
                            f"is {margin:.1f}° wide there" if m > 1 else
                            "m = 1: one shared boundary, the great circle halfway between W1 and W2")
    return fig, [Control("m", "m", ms, initial=first)], captions


def psi_states(ms=range(1, 7)):
    """ψ(θ) for one m at a time beside cos θ and cos mθ, with the sector edges kπ/m (an m control)."""
    import plotly.graph_objects as go

    theta = np.radians(THETA_DEG)

    def traces(m):
        return [go.Scatter(x=THETA_DEG, y=np.cos(m * theta), name="cos mθ", line=dict(color="#999999", dash="dash",
                                                                                      width=3)),
                go.Scatter(x=THETA_DEG, y=psi(theta, m), name="ψ(θ)", line=dict(color=class_color(0), width=5)),
                go.Scatter(x=np.repeat(np.arange(1, m) * 180.0 / m, 3),
                           y=np.tile([-2 * m, 1.1, np.nan], m - 1) if m > 1 else [], mode="lines",
                           name="sector edges kπ/m", line=dict(color="#bbbbbb", width=1))]

    ms = [check_m(m) for m in ms]
    fig = go.Figure(traces(4) + [go.Scatter(x=THETA_DEG, y=np.cos(theta), name="cos θ",
                                            line=dict(color="black", dash="dot", width=3))])
    _frames(fig, {str(m): traces(m) for m in ms}, [0, 1, 2])
    fig.update_xaxes(title="θ (degrees)", range=[0, 180], dtick=30)
    fig.update_yaxes(title="target logit / ‖x‖", range=[-2 * max(ms) + 0.8, 1.2])
    fig.update_layout(**_STATIC, legend=dict(x=0.02, y=0.02, yanchor="bottom"))
    captions = {str(m): f"m = {m}: ψ(90°) = {float(psi(np.pi / 2, m)):.2f}; cos mθ turns back up after "
                        f"π/m = {180 / m:.0f}°, ψ keeps falling" if m > 1 else "m = 1: ψ(θ) = cos θ"
                for m in ms}
    return fig, [Control("m", "m", ms, initial=4)], captions


def blend_states(theta12_deg: float = 90.0, ms=(2, 3, 4), lams=LAMBDA_CHOICES):
    """The λ blend: both sides of the class-1 boundary equation (λ cos θ1 + ψ(θ1))/(1 + λ) = cos(θ12 − θ1)
    against θ1 (they cross at the boundary θ1*), and m_eff against λ with the chosen λ marked."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    theta1 = np.linspace(0.0, theta12_deg, 181)
    lam_axis = np.concatenate([[0.0], np.logspace(-2, 3, 41)])
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=[f"both sides of the boundary equation, θ12 = {theta12_deg:g}°",
                                        "m_eff of the blend against λ"])

    def traces(m, lam):
        r = effective_margin(m, lam, theta12_deg)
        curve = [effective_margin(m, x, theta12_deg).m_eff for x in lam_axis]
        return [go.Scatter(x=theta1, y=annealed_target(np.cos(np.radians(theta1)), m, lam),
                           name="(λ cos θ1 + ψ(θ1))/(1 + λ)", line=dict(color=class_color(0), width=4)),
                go.Scatter(x=[r.theta1] * 2, y=[-1.0, 1.0], mode="lines", name="boundary θ1*",
                           line=dict(color="black", dash="dash", width=2)),
                go.Scatter(x=np.maximum(lam_axis, 1e-2), y=curve, name=f"m_eff, m = {m}", showlegend=False,
                           line=dict(color=class_color(2), width=4)),
                go.Scatter(x=[max(lam, 1e-2)], y=[r.m_eff], mode="markers", showlegend=False,
                           marker=dict(size=16, color="black"))], r

    states, captions = {}, {}
    for m in ms:
        for lam in lams:
            key = state_key(m, float(lam))
            states[key], r = traces(m, lam)
            captions[key] = (f"m = {m}, λ = {lam:g}: boundary θ1* = {r.theta1:.1f}° from W1 (θ12/(m+1) = "
                             f"{theta12_deg / (m + 1):.1f}° at λ = 0), m_eff = {r.m_eff:.2f}, margin {r.margin:.1f}°")
    first = state_key(4, 5.0)
    fig.add_traces(states[first][:2], rows=1, cols=1)
    fig.add_traces(states[first][2:], rows=1, cols=2)
    fig.add_trace(go.Scatter(x=theta1, y=np.cos(np.radians(theta12_deg - theta1)), name="cos(θ12 − θ1)",
                             line=dict(color=class_color(1), width=4)), 1, 1)
    _frames(fig, {k: v for k, v in states.items()}, [0, 1, 2, 3])
    fig.update_xaxes(title="θ1 (degrees)", row=1, col=1)
    fig.update_yaxes(range=[-1.05, 1.05], row=1, col=1)
    fig.update_xaxes(type="log", dtick=1, title="λ (0 at the left edge)", row=1, col=2)
    fig.update_yaxes(title="m_eff", range=[0.9, max(ms) + 0.2], row=1, col=2)
    fig.update_layout(**_STATIC, legend=dict(x=0.0, y=-0.25, orientation="h"))
    controls = [Control("m", "m", ms, initial=4),
                Control("lam", "λ", [f"{x:g}" for x in lams], initial="5")]
    return strip_fonts(fig), controls, captions


def embedding_states(load, models=EMBEDDING_MODELS, per_class: int = 150, bins: int = 45):
    """Lesson 3: the test features on the circle (left) and the histogram of every test feature's angle to its
    own class weight (right, where the narrowing shows), one frame per model (a model control)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    edges = np.linspace(0.0, 30.0, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    states, captions, stats = {}, {}, {}
    for key in models:
        emb = load(key)
        shown = emb.first_per_class(per_class)
        points, labels = shown.unit_features, shown.labels
        traces = [go.Scatter(x=np.round(points[labels == c, 0], 4), y=np.round(points[labels == c, 1], 4),
                             mode="markers", name=str(c), showlegend=False,
                             marker=dict(size=5, color=class_color(c), opacity=0.6)) for c in range(emb.n_classes)]
        w = emb.unit_weight * 0.8
        x = np.column_stack([np.zeros(len(w)), w[:, 0], np.full(len(w), np.nan)]).ravel()
        y = np.column_stack([np.zeros(len(w)), w[:, 1], np.full(len(w), np.nan)]).ravel()
        traces.append(go.Scatter(x=x, y=y, mode="lines", name="W", showlegend=False,
                                 line=dict(color="black", width=3)))
        counts, _ = np.histogram(np.minimum(emb.own_angles(), edges[-1]), edges)
        traces.append(go.Bar(x=centres, y=100 * counts / len(emb.labels), marker_color=CLASS_COLORS[0],
                             showlegend=False, name="share"))
        s = stats[key.label] = angle_stats(emb)
        states[key.label] = traces
        captions[key.label] = (f"{key.label}: accuracy {100 * s.accuracy:.2f} %, mean angle to own W "
                               f"{s.mean_own_angle:.1f}°, AFS {s.afs:.3f}")
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.08,
                        subplot_titles=["test features on the unit circle", "angle to own W (all 10,000 test images)"])
    first = states[models[0].label]
    fig.add_traces(first[:-1], rows=1, cols=1)
    fig.add_trace(first[-1], 1, 2)
    _frames(fig, states, list(range(len(first))))
    fig.update_xaxes(range=[-1.1, 1.1], visible=False, constrain="domain", row=1, col=1)
    fig.update_yaxes(range=[-1.1, 1.1], visible=False, scaleanchor="x", constrain="domain", row=1, col=1)
    fig.update_xaxes(title="degrees (30 = 30° or more)", range=[0, 30], row=1, col=2)
    top = max(float(np.max(t[-1].y)) for t in states.values()) * 1.05  # one fixed axis: animate keeps axes
    fig.update_yaxes(title="% of test images", range=[0, top], row=1, col=2)
    fig.update_layout(**_STATIC, bargap=0)
    controls = [Control("model", "model", [k.label for k in models])]
    return strip_fonts(fig), controls, captions, stats


def face_states(load, models=FACE_SLIDE_MODELS, bins: int = 60):
    """Lesson 5: densities of same-person and different-people pair angles of unseen people with each fold's
    threshold, one frame per face model. ``load(name) -> FaceResults``."""
    import plotly.graph_objects as go

    states, captions, results = {}, {}, {}
    for key in models:
        r = results[key.label] = load(key.name)
        v = r.verification
        edges, same, different = v.histograms(bins)
        centres = (edges[:-1] + edges[1:]) / 2
        top = max(same.max(), different.max()) * 1.05
        states[key.label] = [
            go.Bar(x=centres, y=same, name="same person", marker_color=POSITIVE_COLOR, opacity=0.75),
            go.Bar(x=centres, y=different, name="different people", marker_color=NEGATIVE_COLOR, opacity=0.6),
            go.Scatter(x=[v.threshold_deg] * 2, y=[0, top], mode="lines", name="threshold",
                       line=dict(color="black", dash="dash", width=3))]
        m_eff = trained_m_eff(key.name)  # the m_eff an A-Softmax m ≥ 2 trained at, beside its m
        trained = f" (m_eff {m_eff[1]:.2f})" if m_eff else ""
        captions[key.label] = (f"{key.label}{trained}: {100 * v.mean:.1f} % ± {100 * v.std:.1f} of {len(v.scores):,} "
                               f"unseen pairs right; threshold {v.threshold_deg:.1f}°; AUC {v.auc:.3f}")
    import plotly.graph_objects as go  # noqa: F811 (the frames carry their own y range: animate keeps axes)

    top = max(float(np.max(t[2].y)) for t in states.values())
    fig = go.Figure(states[models[0].label])
    _frames(fig, states, [0, 1, 2])
    fig.update_yaxes(range=[0, top])
    fig.update_layout(**_STATIC, barmode="overlay", bargap=0, legend=dict(x=0.01, y=0.98),
                      xaxis=dict(title="angle between the two faces (degrees)", range=[0, 120]),
                      yaxis=dict(title="density"))
    controls = [Control("model", "model", [k.label for k in models])]
    return fig, controls, captions, results


def movie_states(movie: dict, every: int = 1):
    """The recorded training movie (:func:`spheredemo.offline_assets.training_movie`): m = 1 and m = 4 side by side
    on the unit circle, one frame per recorded step (a step control with Play)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ms, labels = [int(m) for m in movie["ms"]], movie["labels"]
    n = min(len(movie[f"m{m}_step"]) for m in ms)
    fig = make_subplots(rows=1, cols=len(ms), horizontal_spacing=0.04,
                        subplot_titles=[f"A-Softmax m = {m}" for m in ms])

    def traces(i):
        out = []
        for m in ms:
            points, w = movie[f"m{m}_features"][i], 0.8 * movie[f"m{m}_weights"][i]
            out += [go.Scatter(x=np.round(points[labels == c, 0], 3), y=np.round(points[labels == c, 1], 3),
                               mode="markers", showlegend=False, marker=dict(size=6, color=class_color(c)))
                    for c in range(10)]
            out.append(go.Scatter(x=np.column_stack([np.zeros(len(w)), w[:, 0], np.full(len(w), np.nan)]).ravel(),
                                  y=np.column_stack([np.zeros(len(w)), w[:, 1], np.full(len(w), np.nan)]).ravel(),
                                  mode="lines", showlegend=False, line=dict(color="black", width=2)))
        return out

    keys = [str(i) for i in range(0, n, every)]
    states = {k: traces(int(k)) for k in keys}
    per = 11  # traces per panel
    for j, _ in enumerate(ms):
        fig.add_traces(states[keys[0]][j * per:(j + 1) * per], rows=1, cols=j + 1)
    _frames(fig, states, list(range(per * len(ms))))
    for j in range(len(ms)):
        fig.update_xaxes(range=[-1.1, 1.1], visible=False, constrain="domain", row=1, col=j + 1)
        fig.update_yaxes(range=[-1.1, 1.1], visible=False, scaleanchor="x" if j == 0 else f"x{j + 1}",
                         constrain="domain", row=1, col=j + 1)
    fig.update_layout(**_STATIC)
    steps = {m: movie[f"m{m}_step"] for m in ms}
    lams = movie[f"m{ms[-1]}_lam"]
    captions = {k: f"step {int(steps[ms[0]][int(k)])} of {int(steps[ms[0]][n - 1])}, λ = {float(lams[int(k)]):.3g}"
                for k in keys}
    labels_shown = [f"{int(steps[ms[0]][int(k)])}" for k in keys]
    return strip_fonts(fig), [Control("step", "step", keys, labels_shown, play=True)], captions
