"""Runs the nightly job for landing days FIRST..LAST in this process, as its own OS process, so a
test can kill it in the middle (tests/test_pipeline_e2e.py). C360_DATA_DIR and DAGSTER_HOME come
from the environment; the churn settings the test shrank are passed as JSON. With `marts`, only
the dbt marts step runs (as when the marts of a day are re-materialised from the UI).

    python tests/run_pipeline_process.py FIRST LAST '{"horizon_days": 7, ...}' [marts]
"""

import json
import sys

from dagster import DagsterInstance

from config.settings import pipeline_config
from orchestration.run_day import range_tags


def main() -> None:
    first, last, churn = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    pipeline_config()["churn"].update(churn)
    from orchestration.assets.dbt import dbt_mart_models
    from orchestration.definitions import defs

    only_marts = sys.argv[4:] == ["marts"]
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("nightly_pipeline").execute_in_process(
            instance=instance, tags=range_tags(first, last), raise_on_error=False,
            asset_selection=list(dbt_mart_models.keys) if only_marts else None,
        )
    sys.exit(0 if result.success else 1)


if __name__ == "__main__":
    main()
