"""A self-contained HTML report: no script, no external resource, one SVG timeline per finding.

Everything from the logs is escaped: account names and user agents are attacker-controlled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.5rem} .finding{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
.sev{display:inline-block;padding:.1rem .5rem;border-radius:4px;color:#fff;font-weight:bold}
.critical{background:#8b0000}.high{background:#c62828}.medium{background:#ef6c00}
.low{background:#0277bd}.info{background:#757575}
table{border-collapse:collapse;font-size:.9rem} td,th{border:1px solid #ddd;padding:.2rem .5rem;
text-align:left;vertical-align:top} .compromised{color:#b71c1c;font-weight:bold}
details{margin-top:.5rem} svg{background:#fafafa;border:1px solid #eee}
"""


def page(
    title: str, findings: Sequence[Mapping[str, Any]], inputs: Sequence[Mapping[str, Any]]
) -> str:
    body = "".join(_finding(n, f) for n, f in enumerate(findings, start=1)) or "<p>No findings.</p>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{len(findings)} finding(s).</p>{body}{_inputs(inputs)}"
        "</body></html>\n"
    )


def _finding(number: int, finding: Mapping[str, Any]) -> str:
    severity = escape(str(finding["severity"]))
    compromised = finding.get("compromised") or []
    rows = [
        ("Kind", f"{escape(finding['kind'])} ({escape(str(finding.get('technique') or '-'))})"),
        ("When", f"{escape(str(finding['first_seen']))} → {escape(str(finding['last_seen']))}"),
        ("Attempts", escape(str(finding.get("attempts", 0)))),
        ("Sources", escape(", ".join(finding.get("sources", [])))),
        ("Accounts", escape(", ".join(finding.get("accounts", [])))),
    ]
    if compromised:
        rows.append(
            ("Compromised", f"<span class='compromised'>{escape(', '.join(compromised))}</span>")
        )
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    timeline = (finding.get("details") or {}).get("timeline") or []
    return (
        f"<section class='finding'><h2>{number}. <span class='sev {severity}'>{severity}</span> "
        f"{escape(finding['title'])}</h2><p>{escape(finding['explanation'])}</p>"
        f"<table>{table}</table>{_chart(timeline)}"
        f"{_evidence(finding.get('evidence', []))}</section>"
    )


def _chart(points: Sequence[Mapping[str, Any]], width: int = 640, height: int = 120) -> str:
    if not points:
        return ""
    times = [datetime.fromisoformat(str(p["start"]).replace("Z", "+00:00")) for p in points]
    counts = [int(p["attempts"]) for p in points]
    start, end = times[0], times[-1]
    span = max((end - start).total_seconds(), 1.0)
    peak = max(counts)
    bar = max(width / (len(points) + 1), 2.0)
    bars = "".join(
        f"<rect x='{(t - start).total_seconds() / span * (width - bar):.1f}' "
        f"y='{height - 20 - c / peak * (height - 30):.1f}' width='{bar * 0.8:.1f}' "
        f"height='{c / peak * (height - 30):.1f}' fill='#c62828'><title>{escape(str(t))}: {c}"
        f"</title></rect>"
        for t, c in zip(times, counts, strict=True)
    )
    labels = (
        f"<text x='0' y='{height - 4}' font-size='10'>{start:%Y-%m-%d %H:%M:%S}</text>"
        f"<text x='{width}' y='{height - 4}' font-size='10' text-anchor='end'>"
        f"{end:%Y-%m-%d %H:%M:%S} UTC</text>"
        f"<text x='0' y='10' font-size='10'>peak {peak} attempts per bin</text>"
    )
    return (
        f"<p><svg role='img' aria-label='attempts over time' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}'>{bars}{labels}</svg></p>"
    )


def _evidence(evidence: Sequence[Mapping[str, Any]]) -> str:
    if not evidence:
        return ""
    columns = list(evidence[0].keys())
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(e.get(c, '')))}</td>" for c in columns) + "</tr>"
        for e in evidence
    )
    return (
        f"<details><summary>Evidence ({len(evidence)} records)</summary>"
        f"<table><tr>{head}</tr>{rows}</table></details>"
    )


def _inputs(inputs: Sequence[Mapping[str, Any]]) -> str:
    if not inputs:
        return ""
    rows = "".join(
        f"<tr><td>{escape(str(i['path']))}</td><td>{escape(str(i.get('format') or '?'))}</td>"
        f"<td>{i.get('records', 0)}</td><td>{i.get('signins', 0)}</td>"
        f"<td>{escape(', '.join(f'{k}: {v}' for k, v in i.get('skipped', {}).items()) or '-')}"
        "</td></tr>"
        for i in inputs
    )
    return (
        "<h2>Inputs</h2><table><tr><th>Path</th><th>Format</th><th>Records</th>"
        f"<th>Sign-ins</th><th>Skipped</th></tr>{rows}</table>"
    )
