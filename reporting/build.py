"""Builds the report of one day and writes it without ever exposing a half-written file."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from reporting.data import ReportData, load_report_data
from reporting.kpis import Kpi, kpi_tiles
from reporting.page import render

LATEST = "cx_report.html"


@dataclass
class ReportResult:
    path: Path  # the report of the day, reports/cx_report_<day>.html
    latest: Path  # reports/cx_report.html, the newest day's
    data: ReportData
    tiles: list[Kpi]
    size_bytes: int


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


def build_report(
    con: duckdb.DuckDBPyConnection, reports_dir: Path, as_of: dt.date, run_results: Path | None = None
) -> ReportResult:
    reports_dir.mkdir(parents=True, exist_ok=True)
    data = load_report_data(con, as_of, run_results)
    page = render(data, dt.datetime.now(dt.UTC))
    path = reports_dir / f"cx_report_{as_of}.html"
    _write_atomically(path, page)
    latest = reports_dir / LATEST
    newest = max((p.name for p in reports_dir.glob("cx_report_*.html")), default=path.name)
    if newest == path.name:  # a backfill of an old day does not replace the newest report
        _write_atomically(latest, page)
    return ReportResult(path, latest, data, kpi_tiles(data.kpis), len(page.encode()))
