"""Quality gates: bad-input policy, Great Expectations suites from the contract and on the marts,
and the table of validation results. Plain Python, no Dagster (orchestration/assets/quality.py
runs them as asset checks)."""
