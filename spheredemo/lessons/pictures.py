"""The package's figures in a lesson, shown exactly once.

:func:`spheredemo.figures.render` draws with pyplot and returns the figure; in a notebook the inline backend shows
every pyplot figure still open when the cell ends, and the cell's value shows the same figure again: two pictures.
:func:`figure` draws it, closes it in pyplot and returns it as one PNG image, whatever the matplotlib backend.
"""

from __future__ import annotations

import io

__all__ = ["figure"]


def figure(name: str, dpi: int = 100):
    """Registered figure ``name`` (``python -m spheredemo.figures --list``) as an ``IPython.display.Image``: the
    notebook shows it once. Nothing is saved."""
    import matplotlib.pyplot as plt
    from IPython.display import Image

    from spheredemo.figures import render

    fig = render(name)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)  # else the inline backend shows it a second time when the cell ends
    return Image(data=buffer.getvalue(), format="png")
