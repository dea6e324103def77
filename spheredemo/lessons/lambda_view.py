"""Lesson 2's λ demonstration on the page: the recorded runs' loss, accuracy and ‖x‖ against the step, their test
digits on the circle, what each run reached (from the numbers), and a button that runs the same recipe live.

The runs and the recipe are :mod:`spheredemo.lessons.lambda_demo`'s; this module only draws them.
"""

from __future__ import annotations

import html
import threading

import numpy as np

from spheredemo.lessons import lambda_demo

__all__ = ["draw_demo", "lambda_demo_view"]

_COLOURS = {"adam-lambda0": "#d73027", "adam-annealed": "#4575b4", "sgd-lambda0": "#fc8d59", "sgd-annealed": "#91bfdb"}


def draw_demo(runs, figure) -> None:
    """Draw ``runs`` into ``figure``: three curve panels on top, each run's features on the unit circle below."""
    from matplotlib.patches import Circle

    figure.clear()
    grid = figure.add_gridspec(2, max(3, len(runs)), height_ratios=[1.0, 1.1])
    curves = [figure.add_subplot(grid[0, i]) for i in range(3)]
    for r in runs:
        style = dict(color=_COLOURS.get(r.name), lw=1.6, ls="-" if "annealed" in r.name else "--", label=r.label)
        for ax, values in zip(curves, (r.loss, 100 * r.accuracy, r.norm)):
            if len(r.step):
                ax.plot(r.step, values, **style)
            elif r.diverged:  # stopped before the first record: mark where
                ax.plot([], [], **style)
    for ax, title in zip(curves, ("batch loss", "batch accuracy (%)", "mean ‖x‖ of the test digits")):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    curves[0].set_ylim(0, 4)  # the first records of a run can be far higher; the rest is where they differ
    curves[2].set_yscale("log")
    key = figure.add_subplot(grid[0, 3:]) if len(runs) > 3 else curves[0]
    if key is not curves[0]:
        key.set_axis_off()
        handles, labels = curves[0].get_legend_handles_labels()
        key.legend(handles, [label.replace(", ", ",\n") for label in labels], fontsize=7, loc="center")
    else:
        key.legend(fontsize=6, loc="upper right")
    for i, r in enumerate(runs):
        ax = figure.add_subplot(grid[1, i])
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.add_patch(Circle((0, 0), 1, fill=False, lw=0.5, color="0.6"))
        if r.diverged:
            ax.text(0, 0, "diverged:\n" + r.diverged.split(":")[0].replace("training stopped", "stopped"),
                    ha="center", va="center", fontsize=7, color="#bd1f01", wrap=True)
        elif len(r.features):
            unit = r.features / np.linalg.norm(r.features, axis=1, keepdims=True)
            ax.scatter(unit[:, 0], unit[:, 1], c=r.labels, cmap="tab10", s=4, vmin=0, vmax=9)
        ax.set_xlim(-1.15, 1.15)
        ax.set_ylim(-1.15, 1.15)
        ax.set_title(r.label.replace(", ", ",\n"), fontsize=7)


def _summary_html(runs) -> str:
    return "<br>".join(html.escape(line) for line in lambda_demo.summary(runs).splitlines())


def lambda_demo_view(path=None, data_root=None):
    """The recorded demonstration (read from ``path``, default the shipped file) with a button that re-runs it live
    (about a minute a run on a laptop CPU; the features and curves are redrawn every 10 steps)."""
    import ipywidgets as widgets

    from spheredemo.widgets._base import MplView

    runs = lambda_demo.load(path or lambda_demo.DEMO_PATH)
    view = MplView((10.0, 6.0))
    draw_demo(runs, view.figure)
    view.figure.subplots_adjust(left=0.06, right=0.98, top=0.93, bottom=0.03, hspace=0.35, wspace=0.3)
    view.render(full=True)
    steps = int(max(r.config["max_steps"] for r in runs))
    text = widgets.HTML(f"<b>Recorded</b> ({steps} steps a run, seed 0): " + _summary_html(runs))
    text.add_class("spheredemo-lambda-demo")
    button = widgets.Button(description="Run live", icon="play", button_style="success",
                            tooltip=f"train the same four runs again, {steps} steps each")
    stop = widgets.Button(description="Stop", icon="stop", button_style="danger", disabled=True)
    halt = threading.Event()

    def live():
        done = []

        def on_record(name, curves, emb):  # redraw the finished runs and the running one's curves so far
            running = lambda_demo.DemoRun(name, dict((n, l) for n, l, _ in lambda_demo.RUNS)[name],
                                          *(np.asarray(curves[k]) for k in ("step", "loss", "accuracy", "lam",
                                                                              "norm")),
                                          emb.features, emb.labels, emb.weight, float(emb.accuracy), {})
            draw_demo([*done, running], view.figure)
            view.render(full=True)
            text.value = f"<b>Live</b>: {html.escape(running.label)}, step {int(curves['step'][-1])}"

        try:
            for name, _, _ in lambda_demo.RUNS:
                if halt.is_set():
                    break
                done += lambda_demo.record([name], steps, data_root, on_record, halt.is_set)
                draw_demo(done, view.figure)
                view.render(full=True)
            text.value = "<b>Live</b> (this machine, just now): " + _summary_html(done)
        except Exception as exc:  # shown, never a traceback in a thread
            text.value = f'<span style="color:#bd1f01">⚠ {html.escape(str(exc))}</span>'
        finally:
            button.disabled, stop.disabled = False, True

    def start(_):
        halt.clear()
        button.disabled, stop.disabled = True, False
        threading.Thread(target=live, daemon=True).start()

    button.on_click(start)
    stop.on_click(lambda _: halt.set())
    box = widgets.VBox([widgets.HBox([button, stop]), text, view.image])
    box.view, box.text, box.button, box.runs = view, text, button, runs
    return box
