"""The deck's page: one slide per screen, text sized by the window, kernel-free controls, notes, presenter view.

Every slide is exactly one window high (``100vh``, a flex column): the heading and text on top, the chart
taking what is left, its controls and readout below it, the speaker notes (N) in the same column, so showing
them shrinks the chart instead of pushing anything off the screen. HTML text is sized in ``vh`` (at least
2.6 % of the window's height); chart text is set by :data:`NAV_JS` to 2.1 % of ``innerHeight`` on every
resize (plotly sizes its own text in px). A control is an HTML range input (ordered values) or select; moving
it animates the chart to the frame named by every control's current key, joined by ``|``, and shows that
frame's caption: every state is computed in Python beforehand, no math runs in JavaScript.
P opens the presenter view: the same file in a second window (``#presenter``), told the current slide through
``postMessage`` and sending its keys back, with the notes, the next slide and a clock.
"""

from __future__ import annotations

import html
import json

__all__ = ["CSS", "NAV_JS", "KEYS", "Control", "controls_html", "chart_html", "json_script"]

#: chart text as a share of the window's height (the floor the browser test checks is 0.0185)
CHART_FONT_SHARE = 0.024

CSS = """
html { scroll-snap-type: y mandatory; }
body { margin: 0; font-family: system-ui, sans-serif; background: #fafafa; font-size: 3.3vh; }
section.slide { scroll-snap-align: start; height: 100vh; box-sizing: border-box; overflow: hidden;
  padding: 2.2vh 3vw 4.2vh; display: flex; flex-direction: column; border-bottom: 1px solid #ddd; }
section.slide h1 { font-size: 6.2vh; margin: 8vh 0 2vh; }
section.slide h2 { font-size: 4.6vh; margin: 0 0 0.6vh; line-height: 1.15; }
section.slide p, section.slide li { font-size: 3.3vh; margin: 0.4vh 0; line-height: 1.25; }
section.slide pre { font-size: 2.9vh; background: #f0f0f0; padding: 1vh 1.5vw; margin: 1vh 0;
  white-space: pre-wrap; }
section.slide code { font-size: 1em; }
.lesson { color: #555; font-size: 2.8vh; font-weight: normal; display: block; }
.chart-wrap { flex: 1 1 0; min-height: 0; position: relative; }
.chart-wrap > div, .chart-wrap .plotly-graph-div { width: 100%; height: 100%; }
.controls { display: flex; flex-wrap: wrap; gap: 0.5vh 3vw; align-items: center; font-size: 3vh;
  margin: 0.6vh 0 0; }
.controls label { display: flex; align-items: center; gap: 1vw; }
.controls input[type=range] { width: 22vw; height: 3.2vh; }
.controls select, .controls button { font-size: 3vh; }
.controls output { min-width: 6em; font-weight: bold; }
p.readout { font-size: 3vh; margin: 0.4vh 0 0; color: #222; min-height: 1.3em; }
aside.notes { display: none; }
body.show-notes aside.notes { display: block; flex: 0 1 auto; max-height: 30vh; overflow: auto; margin-top: 0.8vh;
  padding: 0.5vh 1vw; background: #fff8dc; border-left: 4px solid #e69f00; font-size: 2vh; }
body.show-notes aside.notes p { font-size: 2vh; margin: 0.2vh 0; }
#keys { position: fixed; right: 1vw; bottom: 0.6vh; color: #777; font-size: 1.8vh; pointer-events: none;
  line-height: 1; }
body.presenter section.slide, body.presenter #keys { display: none; }
#presenter { display: none; }
body.presenter #presenter { display: grid; grid-template-columns: 1fr 1fr; gap: 2vh 2vw; padding: 2vh 2vw;
  height: 100vh; box-sizing: border-box; font-size: 2.6vh; }
#presenter .clock { font-size: 6vh; font-weight: bold; }
#presenter .notes-now { grid-row: span 2; overflow: auto; background: #fff8dc; padding: 1vh 1vw; }
#presenter .next { overflow: hidden; border: 1px solid #ccc; padding: 1vh 1vw; }
"""

NAV_JS = """
var PRESENTER = location.hash === '#presenter', audience = null, presenterWindow = null;
function slides() { return Array.from(document.querySelectorAll('section.slide')); }
function currentSlide() {  // the slide under the middle of the window: a scroll never makes -> skip one
  var all = slides(), middle = window.innerHeight / 2;
  var i = all.findIndex(function (s) { var r = s.getBoundingClientRect(); return r.top <= middle && r.bottom > middle; });
  return i < 0 ? 0 : i;
}
function chartFont() { return Math.round(CHART_FONT_SHARE * window.innerHeight); }
function scaleCharts() {
  document.querySelectorAll('section.slide .plotly-graph-div').forEach(function (div) {
    if (!div.layout) return;
    Plotly.relayout(div, {'font.size': chartFont()});
    Plotly.Plots.resize(div);
  });
}
function showSlide(i) {
  var all = slides(); i = Math.max(0, Math.min(i, all.length - 1));
  all[i].scrollIntoView();
  tellPresenter(i);
}
function tellPresenter(i) {
  if (presenterWindow && !presenterWindow.closed) { presenterWindow.postMessage({slide: i}, '*'); }
}
function toggleFullscreen() {
  if (document.fullscreenElement) { document.exitFullscreen(); }
  else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
}
function openPresenter() {
  presenterWindow = window.open(location.href.split('#')[0] + '#presenter', 'spheredemo-presenter');
  setTimeout(function () { tellPresenter(currentSlide()); }, 800);
}
function renderPresenter(i) {
  var all = slides(), now = all[i], next = all[i + 1];
  var title = function (s) { var h = s.querySelector('h1, h2'); return h ? h.lastChild.textContent : ''; };
  var box = document.getElementById('presenter');
  var notes = now.querySelector('aside.notes');
  box.querySelector('.where').textContent = 'Slide ' + (i + 1) + ' / ' + all.length + ': ' + title(now);
  box.querySelector('.notes-now').innerHTML = notes ? notes.innerHTML : '';
  box.querySelector('.next').innerHTML = next ? '<b>Next:</b> ' + title(next) + '<br>' +
    Array.from(next.querySelectorAll(':scope > p, :scope li')).map(function (p) { return p.innerText; }).join('<br>') : '<b>Last slide</b>';
}
function tick() {
  var c = document.querySelector('#presenter .clock');
  if (c) c.textContent = new Date().toLocaleTimeString();
}
function handleKey(key) {
  var all = slides(), current = currentSlide();
  if (key === 'ArrowRight' || key === 'PageDown' || key === ' ') { showSlide(current + 1); return true; }
  if (key === 'ArrowLeft' || key === 'PageUp') { showSlide(current - 1); return true; }
  if (key === 'Home') { showSlide(0); return true; }
  if (key === 'End') { showSlide(all.length - 1); return true; }
  if (key === 'n' || key === 'N') { document.body.classList.toggle('show-notes'); setTimeout(scaleCharts, 50); return true; }
  if (key === 'f' || key === 'F') { toggleFullscreen(); return true; }
  if (key === 'p' || key === 'P') { openPresenter(); return true; }
  return false;
}
document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;  // leave the browser's own shortcuts alone
  if (e.target.tagName === 'INPUT' && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
    e.target.blur();  // arrows move slides, not a focused control; the control keeps its value
  }
  if (PRESENTER) {  // the presenter window drives the audience window
    if (window.opener) { window.opener.postMessage({key: e.key}, '*'); e.preventDefault(); }
    return;
  }
  if (handleKey(e.key)) e.preventDefault();
});
window.addEventListener('message', function (e) {
  if (PRESENTER && e.data && typeof e.data.slide === 'number') { renderPresenter(e.data.slide); }
  if (!PRESENTER && e.data && typeof e.data.key === 'string') { handleKey(e.data.key); }
});
window.addEventListener('scroll', function () {
  clearTimeout(window._scrollTimer);
  window._scrollTimer = setTimeout(function () { tellPresenter(currentSlide()); }, 150);
});
function controlKey(box) {
  return Array.from(box.querySelectorAll('[data-keys]')).map(function (c) {
    return JSON.parse(c.dataset.keys)[c.tagName === 'SELECT' ? c.selectedIndex : Number(c.value)];
  }).join('|');
}
function applyControls(box) {
  var target = document.getElementById(box.dataset.target), key = controlKey(box);
  box.querySelectorAll('input[type=range]').forEach(function (c) {
    c.parentNode.querySelector('output').textContent = JSON.parse(c.dataset.labels)[Number(c.value)];
  });
  Plotly.animate(target, [key], {mode: 'immediate', frame: {duration: 0, redraw: true}, transition: {duration: 0}});
  var captions = JSON.parse(document.getElementById(box.dataset.target + '-captions').textContent);
  document.getElementById(box.dataset.target + '-readout').textContent = captions[key];
}
window.addEventListener('load', function () {
  if (PRESENTER) { document.body.classList.add('presenter'); setInterval(tick, 1000); tick(); renderPresenter(0); return; }
  document.querySelectorAll('.controls button.play').forEach(function (button) {
    var timer = null, range = button.parentNode.querySelector('input[type=range]');
    button.addEventListener('click', function () {
      if (timer) { clearInterval(timer); timer = null; button.textContent = '▶ Play'; return; }
      if (Number(range.value) >= Number(range.max)) range.value = 0;
      button.textContent = '⏸ Pause';
      timer = setInterval(function () {
        range.value = Number(range.value) + 1;
        range.dispatchEvent(new Event('input', {bubbles: true}));
        if (Number(range.value) >= Number(range.max)) { clearInterval(timer); timer = null; button.textContent = '▶ Play'; }
      }, 250);
    });
  });
  document.querySelectorAll('.controls[data-target]').forEach(function (box) {
    box.addEventListener('input', function () { applyControls(box); });
    box.addEventListener('change', function () { applyControls(box); });
  });
  scaleCharts();
  window.addEventListener('resize', function () { clearTimeout(window._rs); window._rs = setTimeout(scaleCharts, 100); });
});
""".replace("CHART_FONT_SHARE", repr(CHART_FONT_SHARE))

KEYS = ('<div id="keys">←/→ slides · N notes · P presenter · F full screen</div>'
        '<div id="presenter"><div class="clock"></div><div class="notes-now"></div><div class="where"></div>'
        '<div class="next"></div></div>')


class Control:
    """One control of a chart: ``keys`` name the frames (in order), ``labels`` are what the audience reads;
    ``kind`` is "range" for ordered values, "select" where choices are not ordered."""

    def __init__(self, name: str, label: str, keys, labels=None, initial=None, kind: str = "range",
                 play: bool = False):
        if kind not in ("range", "select"):
            raise ValueError(f"kind must be 'range' or 'select', got {kind!r}")
        self.name, self.label, self.kind, self.play = name, label, kind, play  # play: a Play/Pause button
        self.keys = [str(k) for k in keys]
        self.labels = [str(v) for v in (labels if labels is not None else keys)]
        initial = self.keys[0] if initial is None else initial
        if str(initial) not in self.keys:
            raise ValueError(f"control {name!r} starts at {initial!r}, which is none of its keys {self.keys}")
        self.initial = self.keys.index(str(initial))  # ``initial`` is a key, not an index

    @property
    def initial_key(self) -> str:
        return self.keys[self.initial]


def _attr_json(value) -> str:
    return html.escape(json.dumps(value, ensure_ascii=False), quote=True)


def controls_html(target: str, controls: list[Control]) -> str:
    """The control bar of chart ``target``, each control at its initial state."""
    parts = []
    for c in controls:
        if c.play:
            parts.append('<button type="button" class="play">▶ Play</button>')
        if c.kind == "range":
            parts.append(f'<label>{html.escape(c.label)} <input type="range" name="{c.name}" min="0" '
                         f'max="{len(c.keys) - 1}" step="1" value="{c.initial}" data-keys="{_attr_json(c.keys)}" '
                         f'data-labels="{_attr_json(c.labels)}"><output>{html.escape(c.labels[c.initial])}'
                         f"</output></label>")
        else:
            options = "".join(f'<option{" selected" if i == c.initial else ""}>{html.escape(v)}</option>'
                              for i, v in enumerate(c.labels))
            parts.append(f'<label>{html.escape(c.label)} <select name="{c.name}" data-keys="{_attr_json(c.keys)}">'
                         f"{options}</select></label>")
    return f'<div class="controls" data-target="{target}">{"".join(parts)}</div>'


def json_script(element_id: str, value) -> str:
    """``value`` as JSON in a non-executed script element (``</`` escaped so no text can close it)."""
    text = json.dumps(value, ensure_ascii=False).replace("</", "<\\/").replace("/", "\\u002f")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def chart_html(fig, div_id: str) -> str:
    """A plotly figure filling the chart area (its text sized by the page), without the mode bar."""
    return ('<div class="chart-wrap">' + fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, auto_play=False, default_height="100%",
        default_width="100%", config={"displaylogo": False, "responsive": True, "displayModeBar": False})
        + "</div>")
