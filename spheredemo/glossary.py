"""The glossary of the paper's symbols, once: it writes ``notebooks/glossary.md`` (one heading per symbol, what the
lessons link to) and the README's glossary table (between two markers), so that the two cannot drift.

``python -m spheredemo.glossary`` rewrites both; ``--check`` only says whether either differs from this source (exit
status 1). The lessons link a symbol as ``[θ₁₂](glossary.md#theta12)``: JupyterLab serves ``notebooks/`` when started as
the README says (``jupyter lab notebooks/``), so the glossary must lie in that folder, and it opens a linked ``.md`` in
its Markdown preview, which jumps to heading ids only (not to table rows). JupyterLab's id of a heading is the
heading's text with every space made ``-`` (:func:`heading_id`); it does not decode a percent-encoded fragment, so
each heading is an ASCII name (``theta12``) and the symbol (θ₁₂) opens its entry.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Symbol", "SYMBOLS", "heading_id", "link", "glossary_markdown", "readme_table", "readme_with_table",
           "GLOSSARY_PATH", "README_PATH", "BEGIN", "END", "main"]

REPO = Path(__file__).resolve().parents[1]
GLOSSARY_PATH = REPO / "notebooks" / "glossary.md"
README_PATH = REPO / "README.md"
#: the README's generated table lies between these two lines
BEGIN = "<!-- glossary table: written by python -m spheredemo.glossary from spheredemo/glossary.py; edit it there -->"
END = "<!-- end of the glossary table -->"


@dataclass(frozen=True)
class Symbol:
    """One symbol of the paper: how it is written, the ASCII name of its heading in glossary.md (what the lessons
    link to), its names in the code and what it means (Markdown)."""

    symbol: str
    name: str  # ASCII: JupyterLab percent-encodes a link's fragment and does not decode it, so θ₁₂ never matches
    code: str
    meaning: str
    lesson: str = ""  # where the lessons meet it first, e.g. "lesson 1"

    @property
    def id(self) -> str:
        """JupyterLab's id of this symbol's heading in glossary.md."""
        return heading_id(self.name)


SYMBOLS = (
    Symbol("x", "x", "`features`", "the embedding of an image (not normalised: its norm ‖x‖ scales the logits)", "lesson 1"),
    Symbol("‖x‖", "norm of x", "`features.norm(dim=1)`",
           "the feature's length: every A-Softmax logit is ‖x‖ times an angular part (‖x‖ cos θ_j, ‖x‖ ψ(θ_y)), so a "
           "longer x moves no boundary but sharpens the softmax: the loss falls towards 0 for a feature on its "
           "class's side of every boundary and, once ‖x‖ is large, grows in proportion to it for one on the wrong side",
           "lesson 2"),
    Symbol("W_j, b_j", "W_j and b_j", "`head.weight[j]`, `head.bias[j]`",
           "class j's weight vector and bias; A-Softmax uses ‖W_j‖ = 1, b_j = 0", "lesson 1"),
    Symbol("θ_j", "theta_j", "`theta`, `theta_rad` where passed in radians (`margins.psi`)",
           "the angle between x and W_j; cos θ_j = `head.cosine(x)[:, j]`. θ_y is the angle to the weight of x's own "
           "class y; with two classes, θ₁ and θ₂ are the angles to W₁ and W₂", "lesson 1"),
    Symbol("θ₁₂", "theta12", "`theta12_deg` (results: `.theta12`; explorers: the `theta12` slider)",
           "the angle between two class weights W₁ and W₂, always in degrees (below 1° is refused as likely radians)",
           "lesson 1"),
    Symbol("m", "m", "`m`",
           "A-Softmax's integer angular margin (the target angle θ_y counts m times: ψ(θ_y)); m = 1 is the modified "
           "softmax. Lesson 7's other families use the name for a real-valued margin: CosFace subtracts m from cos θ_y, "
           "ArcFace adds m radians to θ_y", "lesson 1"),
    Symbol("(m−1)/(m+1)·θ₁₂", "margin", "`margins.angular_margin`",
           "the angular margin: the angle between the two binary A-Softmax decision boundaries, where neither class "
           "is satisfied", "lesson 1"),
    Symbol("ψ(θ)", "psi", "`margins.psi`, `margins.psi_from_cos`",
           "(−1)^k cos(mθ) − 2k on [kπ/m, (k+1)π/m]: the target logit's angular part", "lesson 2"),
    Symbol("k", "k", "computed inside `margins.psi`",
           "the sector of θ in ψ: k = ⌊mθ/π⌋, at most m − 1", "lesson 2"),
    Symbol("cos(mθ)", "cos m theta", "`margins.cos_m_theta`",
           "computed from cos θ by the Chebyshev polynomial T_m, with no acos", "lesson 2"),
    Symbol("λ", "lambda", "`lam`, `margins.LambdaSchedule`",
           "annealing weight: target logit ‖x‖(λ cos θ + ψ(θ))/(1 + λ); λ(t) = max(λ_min, base·(1 + γt)^−power)",
           "lesson 2"),
    Symbol("m_eff", "m_eff", "`margins.effective_margin`",
           "the margin the λ-blended loss really trains with: the (real-valued) m of an unblended A-Softmax whose "
           "class-1 boundary lies where the blend puts it; how much of m survives a λ is lesson 2's Exercise 3",
           "lesson 2"),
    Symbol("s", "s", "`head.s` (`--s`; CosFace and ArcFace)",
           "the scale of CosFace and ArcFace: both normalise x as well as W and multiply every logit by s (30 in the "
           "shipped face models), where A-Softmax keeps ‖x‖ as the scale", "lesson 7"),
    Symbol("AFS", "AFS", "`analysis.angular_fisher_score`",
           "angular Fisher score S_w/S_b (Appendix E), lower is better", "lesson 3"),
    Symbol("τ", "tau", "`verification` (explorers: the threshold line; results: `.threshold_deg`)",
           "the verification threshold: a pair of faces is called the same person when their angle is below τ; each "
           "LFW fold's τ is chosen on the other folds", "lesson 5"),
)


def heading_id(heading: str) -> str:
    """JupyterLab's id of a Markdown heading: its text (links and code marks dropped) with spaces made '-'. This
    is not GitHub's lower-case slug, which JupyterLab does not know."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    return re.sub(r"[`*]", "", text).strip().replace(" ", "-")


def _symbol(name: str) -> Symbol:
    for s in SYMBOLS:
        if name in (s.symbol, s.name, s.id):
            return s
    raise ValueError(f"no glossary symbol {name!r}; the symbols: {', '.join(s.symbol for s in SYMBOLS)}")


def link(name: str, text: str | None = None) -> str:
    """The Markdown link a lesson in ``notebooks/`` writes for symbol ``name`` (its symbol or its ASCII name):
    ``[θ₁₂](glossary.md#theta12)``."""
    s = _symbol(name)
    return f"[{text or s.symbol}](glossary.md#{s.id})"


def glossary_markdown() -> str:
    """``notebooks/glossary.md``: a heading per symbol, its names in the code and its meaning."""
    parts = ["# Glossary of the paper's symbols", "",
             "Each symbol of SphereFace (W. Liu et al., CVPR 2017) as the lessons use it: its name in the "
             "`spheredemo` code and what it means. Written by `python -m spheredemo.glossary` from "
             "`spheredemo/glossary.py`, which also writes the README's glossary table; edit it there.", ""]
    for s in SYMBOLS:
        parts += [f"## {s.name}", "", f"**{s.symbol}**: {s.meaning}.", "",
                  f"In code: {s.code}." + (f" First met in {s.lesson}." if s.lesson else ""), ""]
    return "\n".join(parts)


def readme_table() -> str:
    """The README's glossary table, markers included."""
    rows = ["| symbol | in code | meaning |", "|---|---|---|"]
    rows += [f"| {s.symbol} | {s.code} | {s.meaning} |" for s in SYMBOLS]
    return "\n".join([BEGIN, *rows, END])


def readme_with_table(readme: str) -> str:
    """``readme`` with the text between the markers (and the markers) replaced by :func:`readme_table`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no glossary markers: put the lines {BEGIN!r} and {END!r} where the "
                         "glossary table goes")
    return readme[:start] + readme_table() + readme[end + len(END):]


def main(argv=None) -> int:
    from spheredemo.atomic import atomic_path

    parser = argparse.ArgumentParser(prog="python -m spheredemo.glossary", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 naming each file that differs from spheredemo/glossary.py")
    args = parser.parse_args(argv)
    wanted = {GLOSSARY_PATH: glossary_markdown(), README_PATH: readme_with_table(README_PATH.read_text())}
    stale = [path for path, text in wanted.items() if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path} differs from spheredemo/glossary.py: run python -m spheredemo.glossary", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        with atomic_path(path) as tmp:
            Path(tmp).write_text(wanted[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
