"""The faces explorer: pick a loss and m, watch unseen people's pair angles and the threshold move,
and browse the LFW pairs as images with their angle and the verdict."""

from __future__ import annotations

import html
import io
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from spheredemo import pretrained
from spheredemo.imageset import DataError
from spheredemo.keys import LOSS_LABELS, ModelKey
from spheredemo.plots.faces import draw_verification_histograms
from spheredemo.results import margin_setting, trained_m_eff, trained_margin
from spheredemo.widgets._base import Explorer, MplView, _slider, explorer_style, picture_scale

__all__ = ["face_explorer", "FaceExplorer", "FACE_LOSSES", "PAIR_KINDS"]

#: the loss dropdown: label -> loss; A-Softmax also takes m from the slider
FACE_LOSSES = [(label, loss) for loss, label in LOSS_LABELS.items()]
#: which pairs the browser walks through (each sorted from the easiest to the hardest)
PAIR_KINDS = [("same person", "same"), ("different people", "different"), ("decided wrong", "wrong")]
DISPLAY_SIZE = 112  # pixels of each face shown in the pair browser


def _model_name(loss: str, m: int) -> str:
    """The 512-d face checkpoint of ``loss`` (the m slider counts for A-Softmax only)."""
    return ModelKey("lfw", 512, loss, m if loss == "asoftmax" else None).name


class FaceExplorer(Explorer):
    """Histograms of unseen people's pair angles with the threshold, and a pair browser.

    ``update(loss, m, kind, pair)`` is plain: it loads the model's cached results (never trains),
    redraws the histograms and shows pair number ``pair`` of ``kind`` as images.
    """

    def __init__(self, loss: str = "asoftmax", m: int = 4, results=None, images=None, lfw=None):
        self.results = results or (lambda name: pretrained.face_results(name))  # name -> FaceResults
        # relative path -> uint8 (C, H, W), or raises DataError; an lfw folder given is checked now
        self.images = images or _LFWImages(lfw)
        controls = {
            "loss": _slider(widgets.Dropdown, loss, "loss", options=FACE_LOSSES),
            "m": _slider(widgets.IntSlider, m, "m (A-Softmax)", "m", min=1, max=4),
            "kind": _slider(widgets.Dropdown, "same", "pairs", "kind", options=PAIR_KINDS),
            "pair": _slider(widgets.IntSlider, 0, "pair (easiest → hardest)", "pair", min=0, max=899),
        }
        self.view = MplView((6.4, 3.6))
        self.axes = self.view.figure.add_subplot()
        self.view.figure.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.88)
        self.readout = widgets.HTML().add_class("spheredemo-faces-readout")
        shown = f"{int(DISPLAY_SIZE * picture_scale())}px"  # larger on a slide (explorer_style)
        self.pair_images = [widgets.Image(format="png", layout=widgets.Layout(width=shown)) for _ in range(2)]
        # the faces, or (no LFW copy) a note saying how to get them: an Image without a PNG is a broken icon
        self.placeholder = widgets.HTML(layout=widgets.Layout(width=f"{2 * int(shown[:-2]) + 8}px")).add_class(
            "spheredemo-faces-placeholder")
        self.faces = widgets.HBox([])
        self.pair_caption = widgets.HTML().add_class("spheredemo-pair")
        browser = widgets.VBox([self.faces, self.pair_caption],
                               layout=widgets.Layout(margin="0 0 0 12px"))
        self.shown, self.artists = None, None  # the model name drawn in the histogram, and its artists
        super().__init__(controls, widgets.HBox([self.view.image, browser]),
                         header="<b>Faces of people never seen in training</b> (LFW folds 1–3; Fig. 5, Table 3)",
                         figure=self.view.figure, extra=[self.readout], rows=[["loss", "m"], ["kind", "pair"]])

    def update(self, loss: str = "asoftmax", m: int = 4, kind: str = "same", pair: int = 0) -> None:
        """Show the model of ``loss`` (and ``m``): its histograms and readout, and its pair number ``pair``
        of ``kind`` (PAIR_KINDS) as images."""
        name = _model_name(loss, m)
        results = self.results(name)
        v = results.verification
        if name != self.shown:
            self.axes.clear()
            label, m_eff = ModelKey.parse(name).label, trained_m_eff(name)
            # the m it names, and the m_eff it trained at
            trained = f" (λ_min {m_eff[0]:g} → m_eff {m_eff[1]:.2f})" if m_eff else ""
            self.artists = draw_verification_histograms(v, ax=self.axes, title=f"{label}{trained}: LFW pair angles")
            self.view.render(full=True)
            self.shown = name
        self.controls["m"].disabled = loss != "asoftmax"
        self.readout.value = (f"<b>{100 * v.mean:.1f} % ± {100 * v.std:.1f}</b> of {len(v.scores):,} pairs of unseen "
                              f"people (LFW folds {', '.join(map(str, v.folds))}) decided right by the shipped seed "
                              f"(mean ± std over the folds), each fold by the threshold chosen on the other folds"
                              f"{_seeds_text(name)}; one threshold for all: "
                              f"<b>{v.threshold_deg:.1f}°</b>; AUC {v.auc:.3f}; angular Fisher score "
                              f"{results.afs:.3f}" + _margin_text(name) + _family_text(name))
        self._show_pair(results, kind, pair)

    def pairs_of(self, results, kind: str) -> np.ndarray:
        """Indices of the pairs of ``kind``, from the easiest to the hardest (by angle)."""
        v = results.verification
        angles, correct = v.angles_deg(), v.correct()
        if kind == "same":
            index = np.flatnonzero(v.same)
            return index[np.argsort(angles[index], kind="stable")]
        if kind == "different":
            index = np.flatnonzero(~v.same)
            return index[np.argsort(-angles[index], kind="stable")]
        if kind == "wrong":  # nearest to the threshold that judged them (their fold's) first
            index = np.flatnonzero(~correct)
            distance = np.abs(angles[index] - v.fold_thresholds_deg()[index])
            return index[np.argsort(distance, kind="stable")]
        raise ValueError(f"kind must be one of {[k for _, k in PAIR_KINDS]}, got {kind!r}")

    def _show_pair(self, results, kind: str, pair: int) -> None:
        order = self.pairs_of(results, kind)
        slider = self.controls["pair"]
        if len(order) == 0:
            self.pair_caption.value = "no such pairs"
            return
        if slider.max != len(order) - 1:
            slider.max = len(order) - 1  # clamps the value, which calls update again
        i = order[min(pair, len(order) - 1)]
        v = results.verification
        angle, threshold, right = v.angles_deg()[i], v.fold_thresholds_deg()[i], bool(v.correct()[i])
        said_same = v.same[i] == right  # the protocol's own decision (score above the fold's cosine threshold)
        left_path, right_path = str(results.left_paths[i]), str(results.right_paths[i])
        verdict = "same person" if said_same else "different people"
        truth = "same person" if v.same[i] else "different people"
        mark = '<span style="color:#1a9850">✓ right</span>' if right else '<span style="color:#d73027">✗ wrong</span>'
        digits = 1  # as many as it takes to tell the angle from the threshold (70.0° against 70.0° read as wrong)
        while digits < 4 and f"{angle:.{digits}f}" == f"{threshold:.{digits}f}":
            digits += 1
        self.pair_caption.value = (
            f"pair {min(pair, len(order) - 1) + 1} of {len(order)}: <b>{angle:.{digits}f}°</b> apart; threshold "
            f"{threshold:.{digits}f}° (fold {v.fold[i]}) → says <b>{verdict}</b>, truly {truth}: {mark}<br>"
            f"<small>{html.escape(left_path)} · {html.escape(right_path)}</small>")
        try:
            pictures = [_png(self.images(path)) for path in (left_path, right_path)]
        except Exception as exc:  # no LFW copy here: the numbers still work, and the note says how to see faces
            self.placeholder.value = _placeholder_html(exc)
            self.faces.children = [self.placeholder]
        else:
            for widget, picture in zip(self.pair_images, pictures):
                widget.value = picture
            self.faces.children = self.pair_images


def _margin_text(name: str) -> str:
    """The readout's line on the margin a model trained at: its λ_min and m_eff beside the m the slider names."""
    margin = trained_margin(name)
    if not margin:
        return ""
    m = ModelKey.parse(name).m
    return (f"<br>trained with λ annealed to {margin.replace(' → ', ': the loss is an A-Softmax of ')}, not m = "
            f"{m}: λ blends ψ with cos θ (lesson 2, <code>margins.effective_margin</code>); λ_min was chosen on "
            f"validation people")


#: how each additive-margin family writes its target logit (lesson 7)
_FAMILY_LOGIT = {"cosface": ("s·(cos θ_y − m)", ""), "arcface": ("s·cos(θ_y + m)", " rad")}


def _family_text(name: str) -> str:
    """The readout's line on a CosFace or ArcFace model: its logit and the (s, m) it trained with, from the
    manifest (the m slider is A-Softmax's); "" for the others."""
    key = ModelKey.parse(name)
    if key.loss not in _FAMILY_LOGIT:
        return ""
    (s, m), (logit, unit) = margin_setting(name), _FAMILY_LOGIT[key.loss]
    return (f"<br>trained as {LOSS_LABELS[key.loss]}, target logit {logit} with s = {s:g}, m = {m:g}{unit} (lesson 7; "
            f"chosen on validation people); the m slider is A-Softmax's")


def _seeds_text(name: str) -> str:
    """", over 3 seeds 87.3 % ± 0.7 (the Table 3 bar)" from the manifest's seeds of ``name``; "" without them."""
    seeds = pretrained.manifest().get(name, {}).get("seeds") or {}
    accuracy = np.array([100 * seed["lfw_accuracy"] for seed in seeds.values() if "lfw_accuracy" in seed])
    if len(accuracy) < 2:
        return ""
    return (f"; over its {len(accuracy)} seeds: {accuracy.mean():.1f} % ± {accuracy.std(ddof=1):.1f} (mean ± std "
            f"over the seeds, the Table 3 bar)")


def _placeholder_html(exc: Exception) -> str:
    """What stands in the faces' place without an LFW copy: why, and the two ways to point the explorer at one."""
    from spheredemo.imageset import ENV_VAR, RelativeDataPath

    why = ("no LFW copy was found" if isinstance(exc, DataError) and not isinstance(exc, RelativeDataPath)
           else html.escape(str(exc)))  # a relative SPHEREDEMO_DATA says itself what to change
    return (f'<div style="border:1px dashed #999;padding:8px;color:#444"><b>Faces not shown</b>: {why}. The '
            f"numbers and histograms above come with the package; the photos need an LFW copy (its images and "
            f"pairs.txt). Point the explorer at yours: <code>face_explorer(lfw=\"path/to/lfw\")</code>, or set "
            f"<code>{ENV_VAR}</code> to a folder holding <code>faces/lfw</code> before starting JupyterLab.</div>")


class _LFWImages:
    """Decodes LFW images on demand for display (larger than the models see), remembering each one.

    ``root`` is an LFW copy's folder (its images and pairs.txt); given, it must hold one (DataError naming it
    otherwise), so that a mistyped path is said at once; None looks where :func:`~spheredemo.faces.find_lfw`
    does ($SPHEREDEMO_DATA/faces/lfw, the user cache) at the first image."""

    def __init__(self, root=None):
        from spheredemo.faces import find_lfw

        self.root, self.tree, self.cache = root, None, {}
        if root is not None:
            if not Path(root).expanduser().is_dir():
                raise DataError(f"face_explorer(lfw={str(root)!r}): no such folder; give the folder of your LFW "
                                "copy (its images and pairs.txt)")
            self.tree, _ = find_lfw(root)

    def __call__(self, path: str) -> np.ndarray:
        from PIL import Image

        from spheredemo.faces import FacePreprocessing, find_lfw, preprocess_face

        if path not in self.cache:
            if self.tree is None:
                self.tree, _ = find_lfw(self.root)
            with Image.open(self.tree / path) as image:
                self.cache[path] = preprocess_face(image, FacePreprocessing(size=DISPLAY_SIZE))
        return self.cache[path]


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    picture = image.transpose(1, 2, 0)
    Image.fromarray(picture.squeeze(-1) if picture.shape[-1] == 1 else picture).save(buffer, format="png")
    return buffer.getvalue()


def face_explorer(loss: str = "asoftmax", m: int = 4, lfw=None, style: str | None = None) -> FaceExplorer:
    """Pick the loss and m of a shipped 512-d face model; see LFW pair angles of unseen people, the threshold
    and the accuracy, and browse the pairs as images.

    The numbers ship with the package; the photos need an LFW copy: ``lfw="path/to/lfw"`` (its images and
    pairs.txt; a folder that holds none is a DataError at once), else ``$SPHEREDEMO_DATA/faces/lfw`` or the user
    cache's ``lfw/``. Without one a note stands in the faces' place and says how to get them.
    ``style="slide"`` draws it for a projector (:func:`~spheredemo.widgets.explorer_style`)."""
    with explorer_style(style):
        return FaceExplorer(loss, m, lfw=lfw)
