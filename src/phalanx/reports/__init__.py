"""Rendering findings for people and machines: table, JSON, NDJSON, CSV, HTML, blocklists."""

from phalanx.reports.render import FORMATS, Report, blocklist, render

__all__ = ["FORMATS", "Report", "blocklist", "render"]
