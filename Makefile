# customer360 — the README's two commands (demo, test) and the operator ones.
SHELL := /bin/bash
PY := .venv/bin/python
export DAGSTER_HOME := $(CURDIR)/dagster_home
# The venv first on PATH: `dagster dev` re-parses the dbt project with the `dbt` it finds there.
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true
DEMO_PERSONS ?= 10000
DEMO_DAYS ?= 180
DEMO_START ?= 2026-01-01
SEED ?= 42
DATA_DIR ?= data

.PHONY: demo test test-spark ui run backfill report publish docs bench bench-identity bench-churn bench-nbo lint lock install generate manifest clean

# The virtual environment, with every dependency at its locked version.
.venv/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

install: .venv/.installed

# dbt's manifest, which Dagster reads to build the dbt assets.
manifest: install
	cd dbt_project && C360_WAREHOUSE=../$(DATA_DIR)/warehouse.duckdb ../.venv/bin/dbt parse --quiet

generate: install
	$(PY) -m synthetic.generate --out $(DATA_DIR) --persons $(DEMO_PERSONS) --days $(DEMO_DAYS) \
		--start $(DEMO_START) --seed $(SEED)

# Set-up command 1: everything, end to end, on generated data.
demo: install manifest
	@if [ ! -f $(DATA_DIR)/ground_truth/persons.parquet ]; then $(MAKE) --no-print-directory generate; \
	else echo "Using the dataset already in $(DATA_DIR)/ (make clean to regenerate)."; fi
	$(PY) -m orchestration.backfill --all-landed
	$(PY) -m orchestration.summary

# Set-up command 2: the test suite, a module per worker (a module builds its data once).
TEST_WORKERS ?= 2
test: install manifest
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The Spark engine (docs/spark.md): its extra (pyspark, dbt-spark) at the locked versions.
.venv/.spark-installed: .venv/.installed
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev,spark]'
	@touch $@

# The same pipeline on DuckDB and on local Spark, compared (marts, identity clusters, churn scores).
test-spark: .venv/.spark-installed manifest
	$(PY) -m pytest -q -s -m spark tests/spark

ui: install manifest
	.venv/bin/dagster dev -w workspace.yaml

# The nightly job for one day, exactly as the schedule runs it.
run: install manifest
	@test -n "$(DATE)" || { echo "usage: make run DATE=YYYY-MM-DD"; exit 2; }
	.venv/bin/dagster job execute -m orchestration.definitions -j nightly_pipeline --tags '{"dagster/partition": "$(DATE)"}'

# A date range through Dagster's backfill machinery (the daemon launches the runs, as from the UI).
backfill: install manifest
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD"; exit 2; }
	$(PY) -m orchestration.backfill --from $(FROM) --to $(TO)

# The CX report of one landing day (after that day's run): data/reports/cx_report_<DATE>.html
report: install manifest
	@test -n "$(DATE)" || { echo "usage: make report DATE=YYYY-MM-DD"; exit 2; }
	.venv/bin/dagster asset materialize -m orchestration.definitions --select reports/cx_report --partition $(DATE)

# Re-publish the output tables for BI tools (data/serving.duckdb, data/exports/) as of DATE.
publish: install manifest
	@test -n "$(DATE)" || { echo "usage: make publish DATE=YYYY-MM-DD"; exit 2; }
	.venv/bin/dagster asset materialize -m orchestration.definitions --select serving/bi_tables --partition $(DATE)

# dbt's documentation site (models, columns, tests, lineage, exposures) as one offline file.
docs: manifest
	cd dbt_project && C360_WAREHOUSE=../$(DATA_DIR)/warehouse.duckdb ../.venv/bin/dbt docs generate --static --quiet
	@echo "dbt docs: dbt_project/target/static_index.html"

bench: install manifest
	$(PY) -m benchmarks.run --scale $(or $(SCALE),S)

# Identity accuracy against ground truth: rules alone vs rules + splink, on the warehouse in DATA_DIR.
bench-identity: install
	$(PY) -m benchmarks.identity_accuracy --data-dir $(DATA_DIR) --compare

# Churn model quality on a held-out later period and scoring at 1M customers (after make demo).
bench-churn: install
	$(PY) -m benchmarks.churn --data-dir $(DATA_DIR)

# Next-best-offer quality: off-policy estimates, ground-truth expected value, product mode, 1M ranking.
bench-nbo: install
	$(PY) -m benchmarks.nbo --data-dir $(DATA_DIR)

lint: install
	.venv/bin/ruff check .

lock: install
	$(PY) -m pip freeze --exclude-editable | grep -v '^customer360' > requirements.lock.tmp
	{ echo '# Pinned versions of every dependency (pip constraints): `pip install -c requirements.lock -e .[dev]`.'; \
	  echo '# Regenerate with `make lock` after changing pyproject.toml.'; cat requirements.lock.tmp; } > requirements.lock
	rm requirements.lock.tmp

clean:
	rm -rf $(DATA_DIR) dbt_project/target dbt_project/logs
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
