"""A standalone HTML slide deck: the key figures with kernel-free controls, for the classroom.

``python -m spheredemo.slides --out DIR`` writes ``DIR/spheredemo_slides.html``: one file that works offline in
any browser, with plotly.js embedded and no Python kernel behind it, built from the installed package alone (the
shipped checkpoints and their caches; no data set, no network). Each control moves over states computed here in
advance (plotly frames): Table 1 for θ12 and m, the caps of Fig. 3 for m, ψ for m, the λ blend for m and λ, the
shipped MNIST models (circle and angle histogram) and face models, the margin zoo.

The slides follow the lessons in ``notebooks/`` in order; every slide carries speaker notes generated from the
numbers it draws (:mod:`spheredemo.slides.notes`), each question with its answer. Keys: ←/→, Page Up/Down and
Space move between slides, Home/End jump to the first/last, **N** shows or hides the speaker notes, **P** opens
the presenter view (notes, next slide, clock) in a second window, **F** toggles full screen. The page itself is
:mod:`spheredemo.slides.page`, the charts :mod:`spheredemo.slides.charts`.
"""

from __future__ import annotations

import argparse
import html
import warnings
from pathlib import Path

from spheredemo.atomic import atomic_path
from spheredemo.margins import check_theta12_deg
from spheredemo.slides import notes as _notes
from spheredemo.slides.charts import (EMBEDDING_MODELS, FACE_SLIDE_MODELS, blend_states, boundary_states,
                                      caps_states, embedding_states, face_states, movie_states, psi_states,
                                      strip_fonts)
from spheredemo.slides.page import CSS, KEYS, NAV_JS, chart_html, controls_html, json_script

__all__ = ["build_deck", "EMBEDDING_MODELS", "FACE_SLIDE_MODELS", "LESSONS", "DECK_NAME", "main"]

DECK_NAME = "spheredemo_slides.html"

#: (lesson number, notebook) of each lesson, in order; every lesson has at least one slide
LESSONS = {
    1: "01_decision_boundaries", 2: "02_psi_and_annealing", 3: "03_mnist_on_the_hypersphere",
    4: "04_train_your_own", 5: "05_faces_on_the_hypersphere", 6: "06_asoftmax_from_scratch",
}


def _heading(title: str, lesson: int | None, tag: str = "h2") -> str:
    label = f'<span class="lesson">Lesson {lesson} · notebooks/{LESSONS[lesson]}.ipynb</span>' if lesson else ""
    return f"<{tag}>{label}{html.escape(title)}</{tag}>"


def _section(slide_id: str, inner: str, note, lesson: int | None = None) -> str:
    lesson_attr = f' data-lesson="{lesson}"' if lesson else ""
    return f'<section class="slide" id="{slide_id}-slide"{lesson_attr}>{inner}{_notes.render(note)}</section>'


def _chart_slide(slide_id: str, title: str, text: str, states, note, lesson: int | None = None) -> str:
    """A slide with a chart, its controls and the readout of the current state (``states`` as the charts
    module returns them: figure, controls, captions)."""
    fig, controls, captions = states[:3]
    first = "|".join(c.initial_key for c in controls)
    body = (f"{_heading(title, lesson)}<p>{text}</p>{chart_html(fig, slide_id)}{controls_html(slide_id, controls)}"
            f'<p class="readout" id="{slide_id}-readout">{html.escape(captions[first])}</p>'
            f"{json_script(slide_id + '-captions', captions)}")
    return _section(slide_id, body, note, lesson)


def _text_slide(slide_id: str, title: str, body: str, note, lesson: int | None = None) -> str:
    return _section(slide_id, _heading(title, lesson) + body, note, lesson)


_HEAD_CODE = html.escape("""w = F.normalize(weight, dim=1)              # ‖W_j‖ = 1, no bias
x_norm = x.norm(dim=1, keepdim=True)        # ‖x‖ stays
cos = (x @ w.T / x_norm).clamp(-1, 1)       # (B, C) cos θ_j
theta_y = torch.acos(cos.gather(1, y[:, None]).clamp(-1 + 1e-7, 1 - 1e-7))
target = (lam * torch.cos(theta_y) + psi(theta_y, m)) / (1 + lam)
logits = (x_norm * cos).scatter(1, y[:, None], x_norm * target)""")


def _closed_form_slides(theta12_deg: float, notes: dict) -> list[str]:
    """The title and lessons 1–2 (Table 1, Fig. 3, ψ and annealing): closed forms, always drawn."""
    return [
        _section("title", '<h1>SphereFace: angular margins on the hypersphere</h1>'
                 "<p>W. Liu et al., <i>SphereFace: Deep Hypersphere Embedding for Face Recognition</i>, CVPR 2017 "
                 "(arXiv:1704.08063). A-Softmax: f<sub>y</sub> = ‖x‖ψ(θ<sub>y</sub>), f<sub>j</sub> = ‖x‖cos "
                 "θ<sub>j</sub>.</p><p>Six lessons, each with a notebook in <code>notebooks/</code>. ←/→ move, "
                 "<b>N</b> notes, <b>P</b> presenter view, <b>F</b> full screen; every control is precomputed.</p>",
                 notes["title"]),
        _chart_slide("boundaries", "Table 1: the binary decision boundaries",
                     "Class 1 needs θ1 &lt; θ2/m: its boundary is at θ12/(m+1) from W1, class 2's at mθ12/(m+1).",
                     boundary_states(theta12_deg), notes["boundaries"], lesson=1),
        _chart_slide("caps", f"Fig. 3: the caps where each constraint holds (θ12 = {theta12_deg:g}°)",
                     "Each curve is m·θ1 = θ2, exact; between the caps: neither class. Drag to rotate.",
                     caps_states(theta12_deg), notes["caps"], lesson=1),
        _chart_slide("psi", "ψ(θ): a target that keeps falling",
                     "cos mθ turns back up after π/m; ψ = (−1)^k cos mθ − 2k does not.",
                     psi_states(), notes["psi"], lesson=2),
        _chart_slide("annealing", "Annealing: λ dilutes the margin",
                     "Training uses (λ cos θ + ψ)/(1 + λ): the boundary moves, m_eff shrinks.",
                     blend_states(theta12_deg), notes["annealing"], lesson=2),
    ]


def _mnist_slide(load, notes: dict) -> str:
    """Lesson 3: the shipped 2D models on the circle and their angle histograms (text slide without them)."""
    if load is not None:
        states = embedding_states(load)
        return _chart_slide("embeddings", "Fig. 12: trained MNIST features for each loss",
                            "Same recipe, only the loss differs. Right: how far each test image lies from its own W.",
                            states, _notes.embedding_notes(states[3]), lesson=3)
    return _text_slide("lesson3", "Fig. 5 and Fig. 12: trained MNIST features for each m",
                       "<p>Open the notebook: the explorer swaps the shipped 2D and 3D models on the circle or "
                       "sphere; the mean angle to the own class weight falls as m grows.</p>", notes["lesson3"], 3)


def _movie_slide(notes: dict) -> list[str]:
    """Lesson 4's fallback for the live demo: the recorded training movie (nothing when it is not shipped)."""
    from spheredemo import offline_assets
    from spheredemo.imageset import DataError

    try:
        movie = offline_assets.training_movie()
    except DataError as exc:
        warnings.warn(f"the training movie slide is left out: {exc}", stacklevel=3)
        return []
    states = movie_states(movie)
    return [_chart_slide("movie", "Training movie: m = 1 and m = 4 side by side",
                         "The same test digits, recorded every 10 steps by the package's own fit. Press Play.",
                         states, _notes.movie_notes(movie), lesson=4)]


def _training_slide(notes: dict) -> str:
    return _text_slide("lesson4", "Train your own",
                       "<ul><li>Press Train in the notebook: m = 1, then m = 4 (under a minute each).</li>"
                       "<li>The official λ schedule reaches λ = 5 only at step 1659: a short run anneals faster.</li>"
                       "<li>Accuracy is measured with plain cosines: the margin shapes training, never evaluation."
                       "</li></ul>", notes["lesson4"], lesson=4)


def _faces_slide(face_load, notes: dict) -> str:
    """Lesson 5: unseen people's pair angles by face model (a text slide when no face model ships)."""
    if face_load is not None:
        from spheredemo import pretrained
        from spheredemo.results import PAPER_TABLE3

        states = face_states(face_load)
        note = _notes.face_notes(states[3], pretrained.manifest(), PAPER_TABLE3)
        return _chart_slide("faces", "Faces: people the model never saw (Fig. 5, Table 3)",
                            "LFW folds 1–3: the angle between each pair's two faces, for models trained on other "
                            "people; dark: same person, orange: different people.", states, note, lesson=5)
    return _text_slide("lesson5", "Faces: people the model never saw (Fig. 5, Table 3)",
                       "<p>Open-set verification: two faces are the same person when the angle between their "
                       "features is below a threshold. The notebook shows LFW pairs of unseen people.</p>",
                       notes["lesson5"], lesson=5)


def _zoo_slide() -> list[str]:
    """The margin zoo (SphereFace, CosFace, ArcFace), where :mod:`spheredemo.plots.zoo` provides it."""
    try:
        from spheredemo.plots.zoo import margin_zoo_notes, margin_zoo_plotly
    except ImportError:
        return []
    lines = margin_zoo_notes().split("\n")
    asks = []
    for line in lines[1:]:
        question, _, answer = line.removeprefix("Ask the class: ").partition(" Answer: ")
        asks.append((question, answer))
    fig = strip_fonts(margin_zoo_plotly(style="slide"))
    # the deck's layout: the three margin sliders side by side under the charts, legend and buttons on top
    for k, slider in enumerate(fig.layout.sliders):
        slider.update(x=0.34 * k, len=0.3, y=-0.1, yanchor="top")
    fig.update_layout(height=None, width=None, title=None, margin=dict(t=190, b=150, l=60, r=20),
                      legend=dict(orientation="h", x=0.0, y=1.12, xanchor="left", yanchor="bottom"))
    fig.layout.updatemenus[0].update(x=0.0, xanchor="left", y=1.4, yanchor="bottom")
    body = (_heading("The margin zoo: SphereFace, CosFace, ArcFace", 5) +
            "<p>Three ways to put a margin on one target logit; the sliders step each family's margin.</p>" +
            chart_html(fig, "zoo"))
    return [_section("zoo", body, (lines[0], asks), lesson=5)]


def _closing_slides(notes: dict) -> list[str]:
    return [
        _text_slide("lesson6", "A-Softmax from scratch",
                    "<p>Write ψ, the λ blend and the logits yourself, check each against the package, train with "
                    f"your own head beside the package's:</p><pre>{_HEAD_CODE}</pre>", notes["lesson6"], lesson=6),
        _text_slide("misconceptions", "Three misconceptions",
                    "<ul><li>A margin is an <b>angle</b> between two boundaries, not a distance.</li>"
                    "<li>m multiplies the <b>angle</b> inside cos(mθ); it does not scale the logits (‖x‖ does).</li>"
                    "<li>λ is <b>not</b> the margin: it dilutes it during training (see the annealing slide).</li>"
                    "</ul>", notes["misconceptions"]),
    ]


def _face_loader():
    """The shipped face models' cached results (the package's own files: no LFW needed), or None with a
    warning naming what is missing."""
    from spheredemo import pretrained
    from spheredemo.imageset import DataError

    needed = {key.name for key in FACE_SLIDE_MODELS}
    missing = needed - set(pretrained.manifest())
    if missing:
        warnings.warn(f"the faces slide is a text slide: no shipped checkpoint {sorted(missing)} (python -m "
                      "spheredemo.retrain trains them)", stacklevel=3)
        return None
    try:
        for name in needed:
            pretrained.face_results(name)
    except DataError as exc:
        warnings.warn(f"the faces slide is a text slide: {exc}", stacklevel=3)
        return None
    return pretrained.face_results


def _pretrained_loader():
    """The shipped 2D checkpoints' loader, or None when the package lacks one."""
    from spheredemo import pretrained

    needed = {key.name for key in EMBEDDING_MODELS}
    if not needed <= set(pretrained.manifest()):
        warnings.warn("the package has no complete set of 2D checkpoints: the trained-embeddings slide is a text "
                      "slide (python -m spheredemo.retrain trains them)", stacklevel=3)
        return None
    return pretrained.embeddings


def build_deck(out_dir, theta12_deg: float = 90.0, embeddings: bool = True, faces: bool = True,
               name: str = DECK_NAME) -> Path:
    """Write the deck into ``out_dir`` (atomically: temp file, then rename); returns its path. ``embeddings``
    and ``faces`` False leave out the MNIST-model and face-model slides (text slides take their place)."""
    from plotly.offline import get_plotlyjs

    theta12_deg = check_theta12_deg(theta12_deg)
    notes = _notes.closed_form_notes(theta12_deg)
    slides = [*_closed_form_slides(theta12_deg, notes),
              _mnist_slide(_pretrained_loader() if embeddings else None, notes),
              _training_slide(notes), *_movie_slide(notes), _faces_slide(_face_loader() if faces else None, notes),
              *(_zoo_slide()), *_closing_slides(notes)]
    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>spheredemo slides</title>'
            f'<meta name="viewport" content="width=device-width"><style>{CSS}</style>'
            f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
            f"<body>{''.join(slides)}{KEYS}<script>{NAV_JS}</script></body></html>\n")
    path = Path(out_dir) / name
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.slides",
        description="Write a standalone HTML slide deck (plotly.js embedded, works offline, no kernel, no data "
        "set needed) with precomputed controls: Table 1 for θ12 and m, Fig. 3's caps, ψ and the λ blend for m "
        "and λ, the shipped checkpoints' MNIST features and face verification for each model, the margin zoo.")
    parser.add_argument("--out", required=True, help="folder to write the deck into (created if missing)")
    parser.add_argument("--name", default=DECK_NAME, help=f"file name of the deck (default {DECK_NAME})")
    parser.add_argument("--theta12", type=float, default=90.0,
                        help="angle between W1 and W2 in degrees for the boundary slides (default 90)")
    parser.add_argument("--no-embeddings", action="store_true",
                        help="a text slide in place of the trained MNIST models' slide (the faces slide stays)")
    parser.add_argument("--no-faces", action="store_true", help="a text slide in place of the face models' slide")
    args = parser.parse_args(argv)
    try:
        check_theta12_deg(args.theta12, "--theta12")
    except ValueError as exc:
        parser.error(str(exc))
    path = build_deck(args.out, args.theta12, embeddings=not args.no_embeddings, faces=not args.no_faces,
                      name=args.name)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0
