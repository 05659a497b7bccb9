"""Failed runs are recorded in data/ops/run_failures.jsonl, beside the data an operator checks."""


import datetime as dt
import json

from dagster import RunFailureSensorContext, run_failure_sensor

from config.settings import paths
from orchestration.run_day import run_window


def failure_record(context: RunFailureSensorContext) -> dict:
    run = context.dagster_run
    return {
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_id": run.run_id,
        "job": run.job_name,
        "partition": run_window(run.tags),
        "message": context.failure_event.message,
        "failed_steps": [e.step_key for e in context.get_step_failure_events()],
    }


@run_failure_sensor(name="record_run_failures", description="Appends every failed run to data/ops/run_failures.jsonl.")
def record_run_failures(context: RunFailureSensorContext) -> None:
    out = paths().under("ops", "run_failures.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    record = failure_record(context)
    with out.open("a") as f:
        f.write(json.dumps(record) + "\n")
    context.log.error(f"run {record['run_id']} of {record['job']} failed: {record['message']}")
