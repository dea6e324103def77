"""Interactive explorers for notebooks: move m, θ12, λ and watch the boundaries and the margin move.

Each ``*_explorer()`` returns an :class:`Explorer` (an ipywidgets ``VBox``): a notebook shows it in
one line. Each explorer is one class that builds its controls and views in ``__init__``; its figure
is drawn once, and a control change calls its plain ``update`` method (keyword defaults, testable
without a browser), which moves the drawn artists in place and re-renders. ``explorer.controls``
holds the widgets by name, ``explorer.figure`` the matplotlib figure and ``explorer.views`` the
plotly FigureWidgets. Bad input never shows a traceback: sliders clamp values typed into them, and an update
that refuses its input shows the message; an explorer's argument (or ``explorer.set``) outside a control's range
is a ValueError naming the range, never clamped.

Matplotlib figures are drawn with Agg (no pyplot) and shown as PNG in an ``ipywidgets.Image``;
3D views are plotly ``FigureWidget`` s (which need the ``anywidget`` package).

On a projector: ``boundary_explorer(style="slide")`` (every ``*_explorer`` takes ``style``, or build a class
inside ``with explorer_style("slide"):``) draws the pictures 1.5 times larger and their text and lines 1.8
times larger, the slide preset's 18 pt for the paper preset's 10 pt (:mod:`spheredemo.plots.style`).
"""

from spheredemo.widgets._base import Explorer, explorer_style
from spheredemo.widgets.boundary import BoundaryExplorer, boundary_explorer
from spheredemo.widgets.embedding import MODEL_CHOICES, EmbeddingExplorer, embedding_explorer
from spheredemo.widgets.faces import FaceExplorer, face_explorer
from spheredemo.widgets.margin import MarginExplorer, margin_explorer
from spheredemo.widgets.psi import PsiExplorer, psi_explorer
from spheredemo.widgets.training import TrainingExplorer, training_explorer

__all__ = [
    "Explorer",
    "explorer_style",
    "boundary_explorer",
    "BoundaryExplorer",
    "psi_explorer",
    "PsiExplorer",
    "embedding_explorer",
    "EmbeddingExplorer",
    "face_explorer",
    "FaceExplorer",
    "training_explorer",
    "TrainingExplorer",
    "margin_explorer",
    "MarginExplorer",
    "MODEL_CHOICES",
]
