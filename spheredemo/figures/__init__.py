"""The paper's figures, regenerated: ``python -m spheredemo.figures`` (``--help`` for options).

A registry (:mod:`._registry`) maps each figure's name to the paper item it reproduces, a one-line description
and the function that draws it. Figure functions compute through :mod:`spheredemo.analysis` and
:mod:`spheredemo.results` and draw through :mod:`spheredemo.plots`, in three modules by what they read:
:mod:`.analytic` (the closed-form math, the recorded movie), :mod:`.mnist` (the MNIST checkpoints' features) and
:mod:`.faces` (the face results, the margin map); :mod:`.tables` writes the results tables beside them and
:mod:`.output` renders, saves, writes the gallery and is the command line. Importing this package registers every
figure, in the order ``--list`` and the gallery show them.
"""

from spheredemo.figures._registry import FIGURES, Context, FigureSpec, default_out, register  # noqa: F401
from spheredemo.figures import analytic, mnist, faces  # noqa: F401,E402 (registers the figures, in this order)
from spheredemo.figures.analytic import write_movie_gif  # noqa: F401,E402
from spheredemo.figures.faces import FACE_2D_MODELS, GALLERY_MODEL, _two_largest  # noqa: F401,E402
from spheredemo.figures.tables import (TABLE_MODELS, caption_rows, face_results_rows,  # noqa: F401,E402
                                       results_rows, write_results)
from spheredemo.figures.output import build_parser, fit_titles, gallery, main, render, save  # noqa: F401,E402
# the results the figures draw, importable from here as before the results module existed
from spheredemo.results import (FACE_3D_MODELS, FACE_MODELS, PAPER_TABLE3, SeedSpread,  # noqa: F401,E402
                                face_seed_stats, face_tick_label, seed_spread)

__all__ = ["FIGURES", "FigureSpec", "Context", "render", "save", "main"]
