"""The nightly CX report: one self-contained HTML file (charts by plotly, its JavaScript inlined).

Plain Python (no Dagster): the `reports/cx_report` asset calls `build.build_report()`."""
