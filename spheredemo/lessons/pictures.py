"""The package's figures in a lesson, shown exactly once.

:func:`spheredemo.figures.render` draws with pyplot and returns the figure; in a notebook the inline backend shows
every pyplot figure still open when the cell ends, and the cell's value shows the same figure again: two pictures.
:func:`figure` draws it, closes it in pyplot and returns it as one PNG image, whatever the matplotlib backend.
"""

from __future__ import annotations

import io

__all__ = ["figure", "loss_against_norm", "norm_losses"]


def figure(name: str, dpi: int = 100, style: str = "paper"):
    """Registered figure ``name`` (``python -m spheredemo.figures --list``) as an ``IPython.display.Image``: the
    notebook shows it once. Nothing is saved. ``style="slide"``: larger text, for a wide figure that a notebook
    shows shrunk."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from spheredemo.figures import Context, render

    fig = render(name, Context(style=style))
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)  # else the inline backend shows it a second time when the cell ends
    return Image(data=buffer.getvalue(), format="png")


def norm_losses(norms, theta_deg: float, m: int, lam: float = 0.0, n_classes: int = 10):
    """A-Softmax loss of one 2D feature against its norm ‖x‖ at fixed angles: class weights evenly spread
    (360°/n_classes apart), the feature θ (degrees) from its own weight towards the next one.

    loss(‖x‖) = −log( e^{‖x‖ t_y} / (e^{‖x‖ t_y} + Σ_{j≠y} e^{‖x‖ cos θ_j}) ), t_y = (λ cos θ_y + ψ(θ_y))/(1 + λ).
    """
    import numpy as np

    from spheredemo.margins import annealed_target

    norms = np.asarray(norms, dtype=np.float64)
    weights = np.radians(360.0 / n_classes * np.arange(n_classes))
    cos = np.cos(np.radians(theta_deg) - weights)  # (C,) cos θ_j, j = 0 the own class
    target = float(annealed_target(np.array([cos[0]]), m, lam)[0])
    logits = norms[:, None] * np.concatenate([[target], cos[1:]])[None, :]  # (N, C)
    top = logits.max(axis=1, keepdims=True)
    return (np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]) - logits[:, 0]


def loss_against_norm(theta12_deg: float = 36.0, angles_deg=(3.0, 12.0), ms=(1, 4), dpi: int = 100):
    """What ‖x‖ does to the loss: :func:`norm_losses` against ‖x‖ for a feature ``angles_deg`` from its own weight
    (10 classes, θ12 = ``theta12_deg`` apart), for each m of ``ms`` (λ = 0), as one PNG image."""
    import numpy as np
    from IPython.display import Image
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    norms = np.linspace(0.0, 20.0, 201)
    fig = Figure(figsize=(6.0, 3.4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for theta, colour in zip(angles_deg, ("#1a9850", "#d73027", "#4575b4")):
        for m, style in zip(ms, ("--", "-")):
            right = theta < theta12_deg / (m + 1)
            ax.plot(norms, norm_losses(norms, theta, m, n_classes=round(360 / theta12_deg)), style, color=colour,
                    label=f"θ_y = {theta:g}°, m = {m} ({'inside' if right else 'outside'} its class-1 boundary "
                          f"{theta12_deg / (m + 1):.1f}°)")
    ax.set_xlabel("‖x‖ (the angles fixed)")
    ax.set_ylabel("A-Softmax loss (λ = 0)")
    ax.set_ylim(0, None)
    ax.legend(fontsize=7)
    ax.set_title(f"10 classes {theta12_deg:g}° apart: the same angles, a longer x", fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return Image(data=buffer.getvalue(), format="png")
