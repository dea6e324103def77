"""A standalone HTML slide deck: the key figures with kernel-free sliders, for the classroom.

``python -m spheredemo.slides --out DIR`` writes ``DIR/spheredemo_slides.html``: one file that
works offline in any browser, with plotly.js embedded and no Python kernel behind it. Each
slider moves over states computed here in advance (plotly frames): the Table 1 boundaries for
m = 1..6 and, when the package ships trained checkpoints, the MNIST test features for each m.

The slides follow the lessons in ``notebooks/`` in order (a slide or two per lesson; lessons whose
pictures need a kernel or checkpoints that are missing get a text slide pointing to the notebook).
Every slide carries speaker notes (what to say, what to ask the class) in a hidden
``<aside class="notes">``. Keys: ←/→, Page Up/Down and Space move between slides, Home/End jump to
the first/last, **N** shows or hides the speaker notes, **F** toggles full screen.
"""

from __future__ import annotations

import argparse
import html
import warnings
import math
from pathlib import Path

import numpy as np

from spheredemo.analysis import angle_stats
from spheredemo.atomic import atomic_path
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.margins import LambdaSchedule, annealed_target, check_theta12_deg, effective_margin
from spheredemo.plots.sliders import boundary_slider_figure, slider_steps
from spheredemo.plots.regions import sphere_caps_figure
from spheredemo.plots.psi import THETA_DEG, psi_curves
from spheredemo.plots.style import class_color

__all__ = ["build_deck", "psi_figure", "effective_margin_figure", "embedding_slider_figure", "face_slider_figure",
           "LESSONS", "NOTES", "main"]

DECK_NAME = "spheredemo_slides.html"
FONT = dict(size=18)
#: the shipped 2D checkpoints, in the order the embedding slider visits them (frames are named by key.label)
EMBEDDING_MODELS = [ModelKey("mnist", 2).with_loss(loss_name) for loss_name in SWEEP]


def psi_figure(ms=(1, 2, 3, 4), m_blend=4, lams=(0.0, 5.0, 1000.0)):
    """ψ(θ) for each m beside cos θ, and the λ-blended target for m_blend (two panels)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[
            "ψ(θ) = (−1)^k cos(mθ) − 2k (Eq. 6)",
            f"(λ cos θ + ψ(θ)) / (1 + λ), m = {m_blend} (App. G)",
        ],
    )
    cos = np.cos(np.radians(THETA_DEG))
    fig.add_trace(
        go.Scatter(x=THETA_DEG, y=cos, name="cos θ", line=dict(color="black", dash="dot")), 1, 1
    )
    for i, (m, values) in enumerate(psi_curves(ms).items()):
        fig.add_trace(
            go.Scatter(x=THETA_DEG, y=values, name=f"ψ, m = {m}", line=dict(color=class_color(i))),
            1,
            1,
        )
    for i, lam in enumerate(lams):
        fig.add_trace(
            go.Scatter(
                x=THETA_DEG,
                y=annealed_target(cos, m_blend, lam),
                name=f"λ = {lam:g}",
                line=dict(color=class_color(i + 4), width=3),
            ),
            1,
            2,
        )
    fig.update_xaxes(title="θ (degrees)", range=[0, 180], dtick=30)
    fig.update_yaxes(title="target logit / ‖x‖", col=1)
    fig.update_layout(height=560, font=FONT, plot_bgcolor="white")
    return fig


def effective_margin_figure(ms=(2, 3, 4), theta12_deg=36.0, schedule: LambdaSchedule | None = None):
    """m_eff against λ (how much margin the annealed loss really has), and λ(t) of the schedule."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    schedule = schedule or LambdaSchedule()
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[
            f"effective m of the λ-blended loss (θ12 = {theta12_deg:g}°)",
            "λ(t) = max(λ_min, base·(1 + γt)^−power)",
        ],
    )
    lams = np.concatenate([[0.0], np.logspace(-2, 3, 60)])
    for i, m in enumerate(ms):
        m_eff = [effective_margin(m, lam, theta12_deg).m_eff for lam in lams]
        fig.add_trace(
            go.Scatter(
                x=np.maximum(lams, 1e-2),
                y=m_eff,
                name=f"m = {m}",
                line=dict(color=class_color(i + 1), width=3),
            ),
            1,
            1,
        )
    at5 = effective_margin(4, 5.0, theta12_deg)
    fig.add_annotation(
        x=math.log10(5.0),
        y=at5.m_eff,
        text=f"m = 4, λ = 5: m_eff ≈ {at5.m_eff:.2f}",
        showarrow=True,
        arrowhead=2,
        ax=80,
        ay=-60,
        font=FONT,
        row=1,
        col=1,
    )
    steps = np.arange(0, 3001, 10)
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=[schedule(int(t)) for t in steps],
            name="λ(t)",
            line=dict(color="black", width=3),
        ),
        1,
        2,
    )
    fig.update_xaxes(type="log", title="λ (0 at the left edge)", row=1, col=1)
    fig.update_yaxes(title="m_eff", row=1, col=1)
    fig.update_xaxes(title="optimiser step t", row=1, col=2)
    fig.update_yaxes(type="log", title="λ", dtick=1, row=1, col=2)
    fig.update_layout(height=560, font=FONT, plot_bgcolor="white")
    return fig


def _model_slider_figure(states: dict, caption_y: float, slider_pad: int, **layout):
    """A plotly figure that opens on the first state, with one frame per state (label -> (traces, caption))
    and a "model:" slider over them; the caption sits at ``caption_y`` (paper coordinates)."""
    import plotly.graph_objects as go

    def caption(text):
        return [dict(x=0.5, y=caption_y, xref="paper", yref="paper", showarrow=False, text=text, font=FONT)]

    first_traces, first_text = next(iter(states.values()))
    fig = go.Figure(first_traces)
    fig.frames = [go.Frame(name=label, data=traces, layout=dict(annotations=caption(text)))
                  for label, (traces, text) in states.items()]
    fig.update_layout(annotations=caption(first_text), font=FONT, plot_bgcolor="white",
                      sliders=[dict(active=0, currentvalue=dict(prefix="model: "), steps=slider_steps(states),
                                    pad=dict(t=slider_pad))], **layout)
    return fig


def _circle_frame(emb, per_class: int) -> tuple[list, str]:
    """The traces of one model on the unit circle (the first ``per_class`` test features of each digit and
    the class weights W as spokes) and its accuracy and angle statistics as a caption."""
    import plotly.graph_objects as go

    shown = emb.first_per_class(per_class)
    points, labels = shown.unit_features, shown.labels
    traces = [go.Scatter(x=points[labels == c, 0], y=points[labels == c, 1], mode="markers", name=str(c),
                         marker=dict(size=5, color=class_color(c), opacity=0.6)) for c in range(emb.n_classes)]
    w = emb.unit_weight * 0.8  # (C, 2) spokes from the origin, separated by NaN gaps in one trace
    x = np.column_stack([np.zeros(len(w)), w[:, 0], np.full(len(w), np.nan)]).ravel()
    y = np.column_stack([np.zeros(len(w)), w[:, 1], np.full(len(w), np.nan)]).ravel()
    traces.append(go.Scatter(x=x, y=y, mode="lines", name="W", line=dict(color="black", width=3)))
    s = angle_stats(emb)
    return traces, f"accuracy {100 * s.accuracy:.2f} %, mean angle to own W {s.mean_own_angle:.1f}°, AFS {s.afs:.3f}"


def embedding_slider_figure(load, models=EMBEDDING_MODELS, per_class: int = 150):
    """2D test features on the unit circle with class weights, one frame per model (m slider).

    ``load(ModelKey) -> Embeddings``. Every frame shows the same test images.
    """
    states = {key.label: _circle_frame(load(key), per_class) for key in models}
    axis = dict(range=[-1.25, 1.25], visible=False)
    return _model_slider_figure(states, caption_y=-0.06, slider_pad=50, xaxis=axis,
                                yaxis=dict(axis, scaleanchor="x"), height=700,
                                title="MNIST test features on the unit circle (shipped 2D models)")


#: the face models the faces slide visits (frames are named by key.label)
FACE_SLIDE_MODELS = [ModelKey("lfw", 512).with_loss(key.loss_name) for key in EMBEDDING_MODELS]


def _pair_angle_frame(results, edges: np.ndarray) -> tuple[list, str]:
    """The traces of one face model: densities of same-person and different-people pair angles and the
    threshold; its accuracy, threshold and AUC as a caption."""
    import plotly.graph_objects as go

    centres = (edges[:-1] + edges[1:]) / 2
    v = results.verification
    angles = v.angles_deg()
    same, _ = np.histogram(angles[v.same], edges, density=True)
    different, _ = np.histogram(angles[~v.same], edges, density=True)
    top = max(same.max(), different.max()) * 1.05
    traces = [
        go.Bar(x=centres, y=same, name="same person", marker_color="#2b2b2b", opacity=0.75),
        go.Bar(x=centres, y=different, name="different people", marker_color="#e69f00", opacity=0.6),
        go.Scatter(x=[v.threshold_deg] * 2, y=[0, top], mode="lines", name="threshold",
                   line=dict(color="black", dash="dash", width=2)),
    ]
    return traces, (f"{100 * v.mean:.1f} % ± {100 * v.std:.1f} of {len(v.scores):,} unseen pairs right; "
                    f"threshold {v.threshold_deg:.1f}°; AUC {v.auc:.3f}")


def face_slider_figure(load, models=FACE_SLIDE_MODELS, bins: int = 60):
    """Angles of LFW pairs of unseen people (same person / different people) with the threshold, one frame
    per face model (a model slider). ``load(name) -> FaceResults`` with a checkpoint name."""
    edges = np.linspace(0.0, 180.0, bins + 1)
    states = {key.label: _pair_angle_frame(load(key.name), edges) for key in models}
    return _model_slider_figure(states, caption_y=1.06, slider_pad=60, barmode="overlay", bargap=0, height=620,
                                xaxis=dict(title="angle between the two faces (degrees)", range=[0, 120]),
                                yaxis=dict(title="density"))


def _face_loader():
    """The shipped face models' cached results, or None when the package has none."""
    from spheredemo import pretrained

    from spheredemo.imageset import DataError

    needed = {key.name for key in FACE_SLIDE_MODELS}
    if not needed <= set(pretrained.manifest()):
        return None
    try:  # stale caches are recomputed here, which needs LFW: without it the deck keeps a text slide
        for name in needed:
            pretrained.face_results(name)
    except DataError as exc:
        warnings.warn(f"the faces slide is left out: {exc}", stacklevel=2)
        return None
    return pretrained.face_results


def _pretrained_loader():
    """The shipped checkpoints' loader, or None when the package has none (yet)."""
    try:
        from spheredemo import pretrained
    except ImportError:
        return None
    available = set(pretrained.manifest())
    needed = {key.name for key in EMBEDDING_MODELS}
    return pretrained.embeddings if needed <= available else None


_CSS = """
html { scroll-snap-type: y mandatory; }
body { margin: 0; font-family: system-ui, sans-serif; background: #fafafa; }
section.slide { scroll-snap-align: start; min-height: 100vh; box-sizing: border-box;
  padding: 2vh 4vw;
  display: flex; flex-direction: column; justify-content: center; border-bottom: 1px solid #ddd; }
section.slide h1 { font-size: 2.6em; margin: 0 0 0.3em; }
section.slide h2 { font-size: 1.8em; margin: 0 0 0.3em; }
section.slide p, section.slide li { font-size: 1.3em; margin: 0.2em 0; }
section.slide pre { font-size: 1.1em; background: #f0f0f0; padding: 0.6em 1em; }
.lesson { color: #666; font-size: 0.6em; font-weight: normal; display: block; }
aside.notes { display: none; }
body.show-notes aside.notes { display: block; margin-top: 1em; padding: 0.6em 1em; background: #fff8dc;
  border-left: 4px solid #e69f00; font-size: 1.1em; }
#keys { position: fixed; right: 1em; bottom: 0.6em; color: #888; font-size: 0.9em; }
"""
_NAV_JS = """
function slides() { return Array.from(document.querySelectorAll('section.slide')); }
function currentSlide() {
  var all = slides();
  var i = all.findIndex(function (s) { return s.getBoundingClientRect().top > -10; });
  return i < 0 ? all.length - 1 : i;
}
function toggleFullscreen() {
  if (document.fullscreenElement) { document.exitFullscreen(); }
  else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
}
document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;  // leave the browser's own shortcuts alone
  var all = slides(), current = currentSlide(), next = null;
  var forward = e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ';
  if (forward) next = all[Math.min(current + 1, all.length - 1)];
  if (e.key === 'ArrowLeft' || e.key === 'PageUp') next = all[Math.max(current - 1, 0)];
  if (e.key === 'Home') next = all[0];
  if (e.key === 'End') next = all[all.length - 1];
  if (e.key === 'n' || e.key === 'N') { document.body.classList.toggle('show-notes'); e.preventDefault(); }
  if (e.key === 'f' || e.key === 'F') { toggleFullscreen(); e.preventDefault(); }
  if (next) { e.preventDefault(); next.scrollIntoView(); }
});
"""
_KEYS = '<div id="keys">←/→ move · N speaker notes · F full screen</div>'


#: (lesson number, notebook) of each lesson, in order; every lesson has at least one slide
LESSONS = {
    1: "01_decision_boundaries", 2: "02_psi_and_annealing", 3: "03_mnist_on_the_hypersphere",
    4: "04_train_your_own", 5: "05_faces_on_the_hypersphere", 6: "06_asoftmax_from_scratch",
}

#: speaker notes by slide id: (what to say, what to ask the class)
NOTES = {
    "title": ("Face recognisers compare angles between feature vectors. SphereFace (2017) trains the network so that "
              "each class is a narrow cap on a sphere, with a margin m between caps. Six short lessons; each has a "
              "notebook with predictions, exercises and checks.",
              "If two photos give feature vectors x₁ and x₂, how would you decide they show the same person?"),
    "boundaries": ("Modified softmax (‖W‖ = 1, no bias) decides by angle: one boundary, the bisector. A-Softmax asks "
                   "class 1 for θ₁ < θ₂/m: two boundaries, and between them a margin (m−1)/(m+1)·θ₁₂. It is an "
                   "angle: scaling x changes no decision. Move m slowly from 1 to 6.",
                   "Before I move the slider: θ₁₂ = 90°, what is the margin at m = 3? (45°) And at m = 1? (0°)"),
    "caps": ("The same constraints on a sphere (Fig. 3): each class owns a cap around its weight; the grey band "
             "belongs to neither class. Drag to rotate.",
             "What happens to the grey band when the two weights move closer (θ₁₂ smaller)?"),
    "psi": ("cos(mθ) rises again after π/m, so a far feature could score high. ψ(θ) = (−1)^k cos(mθ) − 2k flips "
            "every rising piece and steps it down: it falls on all of [0, π]. m = 1 gives cos θ back.",
            "What is ψ(90°) at m = 4? (sector k = 2: cos 360° − 4 = −3)"),
    "annealing": ("m = 4 from scratch rarely trains, so the official code blends (λ cos θ + ψ)/(1 + λ), λ falling "
                  "from 1000 to 5. λ is a weight, not the margin: at λ = 5, m = 4 acts like m ≈ 1.6–1.8.",
                  "While λ is large, which loss are we really training? (the modified softmax)"),
    "embeddings": ("Six shipped 2D models, same recipe, only the loss differs. Each class narrows around its weight "
                   "as m grows (mean angle to own W: about 3.2° at m = 1, 2.2° at m = 4) while accuracy barely moves.",
                   "Which model packs its digits closest to their weights? Does accuracy tell the story?"),
    "lesson3": ("Notebook 03 swaps the shipped MNIST models (softmax, modified, m = 1..4) on the circle and the "
                "sphere, with the pair-angle histograms of Fig. 5.",
                "Which model will pack its digits closest to their weights?"),
    "lesson4": ("Students train a 2D model in the notebook (under a minute per press). The official schedule needs "
                "1659 steps to bring λ down to 5; a 240-step run would train a modified softmax, so the explorer "
                "anneals faster. Accuracy is always measured with plain cosines.",
                "Why must accuracy be measured without the margin? (there is no label at test time; the margin only "
                "shapes training)"),
    "faces": ("Open-set verification: the test people were never seen, so there is nothing to classify. A pair is "
              "'same person' when the angle between the two features is below a threshold chosen on other folds.",
              "Why can't we use the trained classifier on LFW test faces?"),
    "lesson5": ("Notebook 05 shows LFW pairs of people never seen in training: pair angles, the threshold, and the "
                "pairs each model gets wrong.",
                "Why can't we use the trained classifier on LFW test faces?"),
    "lesson6": ("The whole head in a few lines of PyTorch. Students write ψ, the λ blend and the logits, check each "
                "against the package at thousands of angles, then train with their own head beside the package's.",
                "Which slip makes ψ jump back up at 45° for m = 4? (the missing −2k)"),
    "misconceptions": ("Three things students get wrong. A margin is an angle between boundaries, not a distance. "
                       "m multiplies the angle inside cos(mθ); it does not scale the logits (the norm ‖x‖ does). "
                       "λ only dilutes the margin during training; it is not the margin.",
                       "Quick quiz: does doubling ‖x‖ change a decision? (no) Does m = 4 make the logits 4× larger? "
                       "(no) Does λ = 5 mean a margin of 5? (no)"),
}


def _notes(slide_id: str) -> str:
    say, ask = NOTES[slide_id]
    return (f'<aside class="notes"><p><b>Say:</b> {html.escape(say)}</p>'
            f'<p><b>Ask the class:</b> {html.escape(ask)}</p></aside>')


def _heading(title: str, lesson: int | None, tag: str = "h2") -> str:
    label = (f'<span class="lesson">Lesson {lesson} · notebooks/{LESSONS[lesson]}.ipynb</span>'
             if lesson else "")
    return f"<{tag}>{label}{html.escape(title)}</{tag}>"


def _slide(title: str, text: str, fig=None, div_id: str | None = None, lesson: int | None = None,
           notes: str | None = None) -> str:
    body = (
        ""
        if fig is None
        else fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            auto_play=False,
            config={"displaylogo": False, "responsive": True},
        )
    )
    paragraph = f"<p>{text}</p>" if text else ""
    lesson_attr = f' data-lesson="{lesson}"' if lesson else ""
    aside = _notes(notes or div_id) if (notes or div_id) in NOTES else ""
    return (f'<section class="slide" id="{div_id or ""}-slide"{lesson_attr}>{_heading(title, lesson)}{paragraph}'
            f"{body}{aside}</section>")


def _text_slide(slide_id: str, title: str, body: str, lesson: int | None = None) -> str:
    """A slide without a figure (``body`` is HTML), with its speaker notes."""
    lesson_attr = f' data-lesson="{lesson}"' if lesson else ""
    return (f'<section class="slide" id="{slide_id}-slide"{lesson_attr}>{_heading(title, lesson)}{body}'
            f"{_notes(slide_id)}</section>")


_HEAD_CODE = html.escape("""w = F.normalize(weight, dim=1)              # ‖W_j‖ = 1, no bias
x_norm = x.norm(dim=1, keepdim=True)        # ‖x‖ stays
cos = (x @ w.T / x_norm).clamp(-1, 1)       # (B, C) cos θ_j
theta_y = torch.acos(cos.gather(1, y[:, None]).clamp(-1 + 1e-7, 1 - 1e-7))
target = (lam * torch.cos(theta_y) + psi(theta_y, m)) / (1 + lam)
logits = (x_norm * cos).scatter(1, y[:, None], x_norm * target)""")


def _lesson_slides(theta12_deg: float, load, face_load) -> list[str]:
    """The deck's slides in lesson order: figures where they can be drawn, text slides otherwise."""
    return [*_closed_form_slides(theta12_deg), _mnist_slide(load), _training_slide(), _faces_slide(face_load),
            *_closing_slides()]


def _closed_form_slides(theta12_deg: float) -> list[str]:
    """The title and lessons 1–2 (Table 1, Fig. 3, ψ and annealing): closed forms, always drawn."""
    return [
        '<section class="slide" id="title-slide"><h1>SphereFace: angular margins on the hypersphere</h1>'
        "<p>W. Liu et al., <i>SphereFace: Deep Hypersphere Embedding for Face Recognition</i>, "
        "CVPR 2017 (arXiv:1704.08063). A-Softmax: f<sub>y</sub> = ‖x‖ψ(θ<sub>y</sub>), "
        "f<sub>j</sub> = ‖x‖cos θ<sub>j</sub>.</p>"
        "<p>Six lessons, each with a notebook in <code>notebooks/</code>. Use ←/→ to move between slides, "
        "<b>N</b> for the speaker notes, <b>F</b> for full screen; drag the sliders: everything here is "
        f"precomputed.</p>{_notes('title')}</section>",
        _slide("Table 1: the binary decision boundaries",
               "Class 1 needs θ1 &lt; θ2/m: its boundary is at θ12/(m+1) from W1, class 2's at "
               "mθ12/(m+1); between them lies the margin (m−1)/(m+1)·θ12. Move m.",
               boundary_slider_figure(theta12_deg), "boundaries", lesson=1),
        _slide("Fig. 3: where each class's constraint holds",
               "Grey: neither class's constraint holds (the margin). Drag to rotate.",
               sphere_caps_figure(theta12_deg, 4, n=90).update_layout(height=520, font=FONT), "caps", lesson=1),
        _slide("ψ(θ) and the annealed target",
               "ψ falls faster for larger m: the target class must be much "
               "closer in angle. Training blends in λ cos θ.", psi_figure(), "psi", lesson=2),
        _slide("Annealing shrinks the margin",
               "The class-1 boundary of the λ-blended loss, written as an "
               "equivalent m: with λ = 5, m = 4 behaves like m ≈ 1.6–1.8.",
               effective_margin_figure(), "annealing", lesson=2),
    ]


def _mnist_slide(load) -> str:
    """Lesson 3: the shipped 2D models on the circle (a text slide when ``load`` is None)."""
    if load is not None:
        return _slide("Fig. 12: trained MNIST features for each m",
                      "The shipped 2D checkpoints: softmax, modified softmax, A-Softmax m = 1..4.",
                      embedding_slider_figure(load), "embeddings", lesson=3)
    return _text_slide("lesson3", "Fig. 5 and Fig. 12: trained MNIST features for each m",
                       "<p>Open the notebook: the explorer swaps the shipped 2D and 3D models on the circle "
                       "or sphere; the mean angle to the own class weight falls as m grows.</p>", lesson=3)


def _training_slide() -> str:
    """Lesson 4: training your own model (text)."""
    return _text_slide(
        "lesson4", "Train your own",
        "<ul><li>Press Train in the notebook: m = 1, then m = 4 (under a minute each).</li>"
        "<li>The official λ schedule reaches λ = 5 only at step 1659: a short run anneals faster.</li>"
        "<li>Accuracy is measured with plain cosines: the margin shapes training, never evaluation.</li></ul>",
        lesson=4)


def _faces_slide(face_load) -> str:
    """Lesson 5: unseen people's pair angles by face model (a text slide when ``face_load`` is None)."""
    if face_load is not None:
        return _slide("Faces: people the model never saw (Fig. 5, Table 3)",
                      "LFW folds 1–3: the angle between the two faces of each pair, for models trained on "
                      "other people. Move the model: a margin should pull same-person pairs (dark) away "
                      "from different-people pairs (orange).", face_slider_figure(face_load), "faces", lesson=5)
    return _text_slide("lesson5", "Faces: people the model never saw (Fig. 5, Table 3)",
                       "<p>Open-set verification: two faces are the same person when the angle between "
                       "their features is below a threshold. The notebook shows LFW pairs of unseen "
                       "people.</p>", lesson=5)


def _closing_slides() -> list[str]:
    """Lesson 6 (the head from scratch) and the three misconceptions."""
    return [
        _text_slide("lesson6", "A-Softmax from scratch",
                    "<p>Write ψ, the λ blend and the logits yourself, check each against the package, train with "
                    f"your own head beside the package's:</p><pre>{_HEAD_CODE}</pre>", lesson=6),
        _text_slide("misconceptions", "Three misconceptions",
                    "<ul><li>A margin is an <b>angle</b> between two boundaries, not a distance.</li>"
                    "<li>m multiplies the <b>angle</b> inside cos(mθ); it does not scale the logits (‖x‖ does).</li>"
                    "<li>λ is <b>not</b> the margin: it dilutes it during training (m = 4, λ = 5 acts like "
                    "m ≈ 1.6–1.8).</li></ul>"),
    ]


def build_deck(
    out_dir, theta12_deg: float = 90.0, embeddings: bool = True, name: str = DECK_NAME
) -> Path:
    """Write the deck into ``out_dir`` (atomically: temp file, then rename); returns its path."""
    from plotly.offline import get_plotlyjs

    load = _pretrained_loader() if embeddings else None
    if embeddings and load is None:
        warnings.warn("the package has no complete set of 2D checkpoints: the trained-embeddings slide is "
                      "a text slide (python -m spheredemo.pretrained trains them)", stacklevel=2)
    face_load = _face_loader() if embeddings else None
    slides = _lesson_slides(theta12_deg, load, face_load)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>spheredemo slides</title>"
        f'<style>{_CSS}</style><script type="text/javascript">{get_plotlyjs()}</script></head>'
        f"<body>{''.join(slides)}{_KEYS}<script>{_NAV_JS}</script></body></html>\n"
    )
    path = Path(out_dir) / name
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.slides",
        description="Write a standalone HTML slide deck (plotly.js embedded, works offline, no "
        "kernel) with precomputed sliders: Table 1 for m = 1..6, ψ and annealing, Fig. 3, and "
        "the shipped checkpoints' MNIST features for each m.",
    )
    parser.add_argument(
        "--out", required=True, help="folder to write the deck into (created if missing)"
    )
    parser.add_argument(
        "--name", default=DECK_NAME, help=f"file name of the deck (default {DECK_NAME})"
    )
    parser.add_argument(
        "--theta12",
        type=float,
        default=90.0,
        help="angle between W1 and W2 in degrees for the boundary slides (default 90)",
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="leave out the trained-embedding slide (it is also left out when no checkpoints ship)",
    )
    args = parser.parse_args(argv)
    try:
        check_theta12_deg(args.theta12, "--theta12")
    except ValueError as exc:
        parser.error(str(exc))
    path = build_deck(args.out, args.theta12, embeddings=not args.no_embeddings, name=args.name)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
