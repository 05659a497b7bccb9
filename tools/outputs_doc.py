"""Writes docs/outputs.md from the dbt manifest, so the BI-facing doc and the dbt yml agree.

    python -m tools.outputs_doc          (after `make manifest`)
"""

from __future__ import annotations

import json

from config.settings import DBT_PROJECT_DIR, REPO_ROOT

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
OUTPUTS_DOC = REPO_ROOT / "docs" / "outputs.md"
# The BI-facing output tables, in reading order.
MARTS = [
    "dim_customer",
    "customer_identity_map",
    "identity_match_pairs",
    "fct_customer_activity",
    "customer_daily_metrics",
    "customer_360",
    "cx_kpis_daily",
    "support_ticket_trends",
    "support_recurring_issues",
    "feedback_sentiment",
    "feedback_sentiment_weekly",
    "experience_engagement_bands",
    "churn_scores",
    "ml_model_registry",
    "next_best_offers",
]

HEADER = """# Output tables

Generated from the dbt project (`python -m tools.outputs_doc`); the descriptions live in each
model's yml. These tables are the contract with BI users: they live in schema `marts` of
`data/warehouse.duckdb`, their column names and types are enforced by dbt contracts, and a change
to them is a breaking change. BI tools read the published copy: `data/serving.duckdb` (open it
read-only, e.g. `duckdb -readonly data/serving.duckdb` or a DuckDB driver with
`access_mode=read_only`; table `serving_info` names the night it holds) or the Parquet files under
`data/exports/<table>/`. There, the columns marked *personal data* are masked by default
(`serving.pii` in `config/pipeline.yml`: masked | hashed | clear); the warehouse keeps them.

Operational tables beside them: `raw.rejects` (every rejected landing row with its reason and
raw text), `raw.load_log` (rows landed/loaded/rejected, missing and extra columns and the file's
SHA-256 per entity and landing day), `identity.customer_id_changelog` (customer-id merges and
splits: old id → new id, reason, run date) and `quality.validation_results` (every GX expectation
and dbt test evaluated, per run: check, asset, partition, passed, observed value; see
docs/architecture.md, "Quality gates").
Steward-edited seeds: `seeds.identity_overrides` (always / never match a pair of records) and
`seeds.name_nicknames` (nickname → formal first name).
"""


def outputs_markdown(manifest: dict) -> str:
    models = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "marts"
    }
    # Tables that Python steps write into marts are documented as dbt sources.
    models |= {s["name"]: s for s in manifest["sources"].values() if s["schema"] == "marts"}
    names = [m for m in MARTS if m in models] + sorted(set(models) - set(MARTS))
    out = [HEADER]
    for name in names:
        node = models[name]
        if node["resource_type"] == "source":
            materialized = "table written by a Python step (Dagster asset of the same name)"
        elif "incremental" in node["config"]["tags"]:
            materialized = f"incremental on `{node['config']['meta']['landing_window_column']}`"
        else:
            materialized = node["config"]["materialized"]
        out += [
            f"## marts.{name}",
            "",
            " ".join(node["description"].split()),
            "",
            f"Materialisation: {materialized}.",
            "",
            "| column | type | description |",
            "|---|---|---|",
        ]
        for col in node["columns"].values():
            description = " ".join(col["description"].split()).replace("|", "\\|")
            pii = (col.get("config") or {}).get("meta", {}).get("pii") or col.get("meta", {}).get("pii")
            if pii:
                description += f" *Personal data ({pii}): masked in the serving layer by default.*"
            out.append(f"| {col['name']} | {col.get('data_type') or ''} | {description} |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    OUTPUTS_DOC.write_text(outputs_markdown(json.loads(MANIFEST.read_text())))
    print(f"wrote {OUTPUTS_DOC.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
