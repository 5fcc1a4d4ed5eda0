"""The explorer's web page (Dash): controls on the left, fan charts, paired difference, key
numbers and the lever-economics table on the right, a download button for the settings.

Dash serves its JavaScript (React, Plotly.js) from the installed package, so the page works
offline; the charts are drawn in the browser, so a recomputation only sends numbers. Every
callback goes through :class:`~talentsim.explore.session.Session`; a bad value leaves a
message next to its field and the last good result on screen.
"""

from __future__ import annotations

import threading
from typing import Any

from ..plots.labels import LEVER_COLUMNS, MONEY_PER_YEAR
from .session import MARK_YEARS, Control, Outcome, Session

BASE_COLOUR, YOURS_COLOUR, DIFF_COLOUR = "#6b6b6b", "#0173b2", "#029e73"
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; margin: 0;
       color: #1d1d1f; }
header { padding: 0.6em 1.2em; border-bottom: 2px solid #0173b2; }
header h1 { font-size: 1.35em; margin: 0; } header p { margin: 0.2em 0; color: #555; font-size: 0.9em; }
.cols { display: flex; gap: 1em; padding: 0.6em 1.2em; }
.controls { flex: 0 0 380px; max-height: calc(100vh - 120px); overflow-y: auto; font-size: 0.86em; }
.results { flex: 1 1 auto; min-width: 0; }
details { margin-bottom: 0.4em; border: 1px solid #d0d7de; border-radius: 4px; padding: 0.2em 0.5em; }
summary { cursor: pointer; font-weight: 600; }
.ctl { margin: 0.45em 0 0.7em; } .ctl label { display: block; margin-bottom: 0.15em; }
.ctl input[type=number] { width: 9em; }
.msg { color: #b00020; font-size: 0.9em; min-height: 0; }
.status { font-size: 0.9em; color: #555; } .page-error { color: #b00020; font-weight: 600; }
table.numbers { border-collapse: collapse; font-size: 0.88em; margin: 0.3em 0 0.8em; }
table.numbers th, table.numbers td { border: 1px solid #d0d7de; padding: 0.2em 0.5em; text-align: right; }
table.numbers th:first-child, table.numbers td:first-child { text-align: left; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0.4em; }
button.download { background: #0173b2; color: white; border: 0; padding: 0.45em 0.9em; border-radius: 4px;
                  cursor: pointer; font-size: 0.95em; }
"""


def dom_id(key: str) -> str:
    return key.replace(".", "--")


def fan_figure(title: str, unit: str, series: list[tuple[str, Any, str]], *, zero: bool = True) -> Any:
    """Median with 50 % and 90 % bands of each (label, summary rows, colour) series."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for label, rows, colour in series:
        x = rows["year"].tolist()
        for lo, hi, alpha in (("p05", "p95", 0.15), ("p25", "p75", 0.3)):
            fig.add_trace(go.Scatter(x=x, y=rows[lo].tolist(), mode="lines", line={"width": 0}, showlegend=False,
                                     hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=x, y=rows[hi].tolist(), mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor=_rgba(colour, alpha), hoverinfo="skip",
                                     name=f"{label}: {'90' if lo == 'p05' else '50'} % band",
                                     showlegend=lo == "p05"))
        fig.add_trace(go.Scatter(x=x, y=rows["p50"].tolist(), mode="lines", line={"color": colour, "width": 2.5},
                                 name=f"{label}: median"))
    fig.update_layout(title={"text": title, "font": {"size": 14}}, margin={"l": 60, "r": 10, "t": 40, "b": 70},
                      height=350, legend={"orientation": "h", "y": -0.3, "font": {"size": 10}},
                      yaxis={"title": unit, "rangemode": "tozero" if zero else "normal", "separatethousands": True},
                      xaxis={"title": "year"}, template="plotly_white")
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def figures(out: Outcome, base_name: str) -> list[Any]:
    import plotly.graph_objects as go

    s, b = out.summary, out.base_summary
    assert s is not None and b is not None and out.difference is not None

    def rows(frame, metric):
        return frame[frame["metric"] == metric].sort_values("year")

    mine, base = "your settings", f"{base_name} as loaded"
    workforce = fan_figure("AI workforce (AI workers in Korea)", "people",
                           [(base, rows(b, "ai_workforce"), BASE_COLOUR),
                            (mine, rows(s, "ai_workforce"), YOURS_COLOUR)])
    diff = fan_figure("Extra AI workers from your settings (paired difference on the same draws)", "people",
                      [("extra workers", out.difference, DIFF_COLOUR)], zero=False)
    diff.add_hline(y=0, line={"color": "black", "width": 1})
    shortage = fan_figure("AI labour shortage (demand minus AI workforce)", "people",
                          [(base, rows(b, "shortage"), BASE_COLOUR), (mine, rows(s, "shortage"), YOURS_COLOUR)],
                          zero=False)
    shortage.add_hline(y=0, line={"color": "black", "width": 1})
    prob = go.Figure()
    for label, frame, colour, dash in ((base, b, BASE_COLOUR, "dash"), (mine, s, YOURS_COLOUR, "solid")):
        r = rows(frame, "shortage_probability")
        prob.add_trace(go.Scatter(x=r["year"].tolist(), y=r["mean"].tolist(), mode="lines+markers", name=label,
                                  line={"color": colour, "dash": dash, "width": 2.5}, marker={"size": 5}))
    prob.update_layout(title={"text": "Probability of a shortage (share of draws with demand above supply)",
                              "font": {"size": 14}}, height=350, template="plotly_white",
                       margin={"l": 60, "r": 10, "t": 40, "b": 70},
                       legend={"orientation": "h", "y": -0.3, "font": {"size": 10}},
                       yaxis={"title": "probability", "range": [0, 1.02], "tickformat": ".0%"}, xaxis={"title": "year"})
    return [workforce, diff, shortage, prob]


def numbers_table(out: Outcome, base_name: str) -> Any:
    from dash import html

    assert out.summary is not None and out.difference is not None
    years = [y for y in MARK_YEARS if y in set(out.summary["year"])]
    diff = out.difference.set_index("year")
    extra: dict[int, Any] = {y: diff.loc[y] for y in years}  # one row (p05, p50, p95) per year
    head = html.Tr([html.Th("median (90 % band for the difference)")] + [html.Th(str(y)) for y in years])
    body = []
    for metric, label in (("ai_workforce", "AI workforce"), ("shortage", "shortage")):
        body.append(html.Tr([html.Td(f"{label}, your settings (people)")] + [
            html.Td(f"{out.median(metric, y):,.0f}", id=f"med-{metric}-{y}") for y in years]))
        body.append(html.Tr([html.Td(f"{label}, {base_name} as loaded (people)")] + [
            html.Td(f"{out.median(metric, y, base=True):,.0f}", id=f"base-{metric}-{y}") for y in years]))
    body.append(html.Tr([html.Td("extra AI workers (paired difference)")] + [
        html.Td(f"{extra[y]['p50']:,.0f} [{extra[y]['p05']:,.0f} to {extra[y]['p95']:,.0f}]",
                id=f"extra-{y}") for y in years]))
    return html.Table([html.Thead(head), html.Tbody(body)], className="numbers")


def lever_table(out: Outcome) -> Any:
    from dash import html

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "n/a" if v != v else f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    row = out.levers
    return html.Table([html.Thead(html.Tr([html.Th(LEVER_COLUMNS.get(k, k)) for k in row])),
                       html.Tbody(html.Tr([html.Td(cell(v)) for v in row.values()]))], className="numbers",
                      id="lever-table")


def control_div(c: Control) -> Any:
    from dash import dcc, html

    cid = {"type": "ctl", "key": dom_id(c.key)}
    widget: dcc.Slider | dcc.Input
    if c.kind == "slider":
        widget = dcc.Slider(id=cid, min=c.minimum, max=c.maximum, step=c.step, value=c.value, marks=None,
                            updatemode="mouseup", tooltip={"placement": "bottom", "always_visible": False})
    else:
        widget = dcc.Input(id=cid, type="number", value=c.value, debounce=True, step="any")
    unit = f" ({c.unit})" if c.unit and c.unit not in c.label and c.kind == "number" else ""
    return html.Div([html.Label(c.label + unit), widget,
                     html.Div(id={"type": "msg", "key": dom_id(c.key)}, className="msg")],
                    className="ctl", id=f"ctl-{dom_id(c.key)}")


def make_app(session: Session) -> Any:
    """The Dash app of ``session`` (serve it with ``app.run(host="127.0.0.1", port=...)``)."""
    from dash import ALL, Dash, Input, Output, State, dcc, html, no_update
    from dash.exceptions import PreventUpdate

    app = Dash(__name__, title="talentsim explorer", serve_locally=True, update_title="Recomputing…")
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    groups: dict[str, list[Control]] = {}
    for c in session.controls:
        groups.setdefault(c.group, []).append(c)
    panels = [html.Details([html.Summary(g), *[control_div(c) for c in cs]],
                           open=i == 0 or g.startswith("Lever: Reskilling"))
              for i, (g, cs) in enumerate(groups.items())]
    graph_ids = ["fig-workforce", "fig-difference", "fig-shortage", "fig-probability"]
    results = html.Div([
        html.Div([html.Button("Download these settings as a scenario YAML", id="download-btn", className="download"),
                  dcc.Download(id="download"),
                  html.Span(" Bands: 50 % and 90 % of the draws; differences are paired on the same draws.",
                            className="status")]),
        html.Div(id="page-error", className="page-error"),
        dcc.Loading(type="circle", delay_show=0, overlay_style={"visibility": "visible", "opacity": 0.45},
                    custom_spinner=html.Div("Recomputing…", id="busy", className="status"),
                    children=[html.Div(id="status", className="status"),
                              html.Div(id="numbers"),
                              html.Div([dcc.Graph(id=g, config={"displaylogo": False}) for g in graph_ids],
                                       className="grid"),
                              html.H3(f"Lever economics against {session.base.name} as loaded "
                                      f"(money in {MONEY_PER_YEAR})", style={"fontSize": "1em"}),
                              html.Div(id="levers")]),
        dcc.Store(id="yaml-store"),
    ], className="results")
    app.layout = html.Div([
        html.Header([html.H1("talentsim explorer: Korea's AI workforce to "
                             f"{session.base.horizon.end} under your budget"),
                     html.P(f"Base scenario {session.base.name} ({session.file}); {session.n_draws:,} draws "
                            f"({session.method}, seed {session.seed}), the same draws for every setting. "
                            f"Money in {MONEY_PER_YEAR}.")]),
        html.Div([html.Div(panels, className="controls"), results], className="cols"),
    ])
    keys = [dom_id(c.key) for c in session.controls]
    by_dom = {dom_id(c.key): c.key for c in session.controls}
    lock, arrivals = threading.Lock(), threading.Lock()
    counter = {"n": 0, "arrived": 0}

    @app.callback([Output(g, "figure") for g in graph_ids]
                  + [Output("numbers", "children"), Output("levers", "children"), Output("yaml-store", "data"),
                     Output("status", "children"), Output("page-error", "children"),
                     Output({"type": "msg", "key": ALL}, "children")],
                  Input({"type": "ctl", "key": ALL}, "value"), State({"type": "ctl", "key": ALL}, "id"))
    def recompute(values, ids):
        settings = {by_dom[i["key"]]: v for i, v in zip(ids, values)}
        with arrivals:
            counter["arrived"] += 1
            me = counter["arrived"]
        with lock:
            if me < counter["arrived"]:  # a newer request waits: skip this stale one (a slider held down)
                raise PreventUpdate
            out = session.recompute(settings)
            counter["n"] += 1
            n = counter["n"]
        order = [i["key"] for i in ids]
        if not out.ok:
            msgs = [out.errors.get(by_dom[k], "") for k in order]
            page = out.errors.get("", "")
            status = "Not recomputed: fix the marked field; the charts show the last good result."
            return [no_update] * 4 + [no_update, no_update, no_update, status, page, msgs]
        figs = figures(out, session.base.name)
        # dash takes data-* attributes as keywords, which its generated signatures cannot name
        done = html.Span(f"Update {n}: recomputed {session.n_draws:,} draws in {out.seconds:.2f} s.",
                         id="status-text", **{"data-update": str(n)})  # type: ignore[arg-type]
        return [*figs, numbers_table(out, session.base.name), lever_table(out), out.yaml_text, done, "",
                ["" for _ in order]]

    @app.callback(Output("download", "data"), Input("download-btn", "n_clicks"), State("yaml-store", "data"),
                  prevent_initial_call=True)
    def download(_, text):
        if not text:
            return no_update
        return {"content": text, "filename": f"{session.base.name}_explored.yaml", "type": "text/yaml"}

    assert len(keys) == len(set(keys))  # internal: control keys are unique by construction
    return app


def serve(scenario_file: str, *, port: int = 8765, n_draws: int | None = None) -> None:
    """Start the explorer on http://127.0.0.1:PORT (local only) and block."""
    session = Session(scenario_file, n_draws)
    app = make_app(session)
    app.run(host="127.0.0.1", port=port, debug=False)
