"""The per-source bad-input policy (contract `bad_input`) applied to a run's load results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from config.contract import BadInputPolicy
from ingest.load import LoadResult


@dataclass(frozen=True)
class BadInputVerdict:
    landed: int
    rejected: int
    rejected_share: float
    breached: bool
    fails_run: bool
    message: str
    drift: dict[str, str]  # source file → "missing …; extra …"


def judge_bad_input(results: list[LoadResult], policy: BadInputPolicy) -> BadInputVerdict:
    landed = sum(r.rows_landed for r in results)
    rejected = sum(r.rows_rejected for r in results)
    share = round(rejected / landed, 6) if landed else 0.0
    breached = share > policy.max_rejected_share
    reasons: Counter[str] = Counter()
    for r in results:
        reasons.update(r.reject_reasons)
    drift = {
        r.source_file: "; ".join(
            filter(None, [r.missing_columns and f"missing {', '.join(r.missing_columns)}",
                          r.extra_columns and f"extra {', '.join(r.extra_columns)}"])
        )
        for r in results
        if r.source_file and (r.missing_columns or r.extra_columns)
    }
    parts = [f"{rejected} of {landed} rows rejected ({share:.1%}), {policy.max_rejected_share:.0%} allowed"]
    if reasons:
        parts.append("top reasons: " + "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common(3)))
    if drift:
        parts.append("schema drift: " + "; ".join(f"{f}: {d}" for f, d in drift.items()))
    if breached:
        parts.append("policy: the run fails" if policy.on_breach == "fail" else "policy: carry on with a warning")
    return BadInputVerdict(landed, rejected, share, breached, breached and policy.on_breach == "fail",
                           " — ".join(parts), drift)


def load_results_from_log(con, entity, days: list) -> list[LoadResult]:
    """The load results of an entity's landing days as raw.load_log and raw.rejects recorded them."""
    rows = con.execute(
        "SELECT _partition_date, _source_file, rows_landed, rows_loaded, rows_rejected, missing_columns, "
        "extra_columns FROM raw.load_log WHERE source = ? AND entity = ? AND list_contains(?, _partition_date) "
        "ORDER BY 1",
        [entity.source, entity.name, days],
    ).fetchall()
    reasons: dict = {}
    for day, reason, n in con.execute(
        "SELECT _partition_date, reason, count(*) FROM raw.rejects WHERE source = ? AND entity = ? "
        "AND list_contains(?, _partition_date) GROUP BY 1, 2",
        [entity.source, entity.name, days],
    ).fetchall():
        reasons.setdefault(day, {})[reason] = n
    return [
        LoadResult(entity.source, entity.name, day, source_file, landed, loaded, rejected, reasons.get(day, {}),
                   [c for c in (missing or "").split(",") if c], [c for c in (extra or "").split(",") if c])
        for day, source_file, landed, loaded, rejected, missing, extra in rows
    ]
