"""The landing-zone contract (config/landing_contract.yml) as Python objects.

It drives ingestion (types, required columns, value sets), the dbt sources file
(generated, never edited by hand) and docs/data-contract.md.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from config.settings import CONFIG_DIR, DBT_PROJECT_DIR

CONTRACT_FILE = CONFIG_DIR / "landing_contract.yml"
DBT_SOURCES_FILE = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
DOC_FILE = DBT_PROJECT_DIR.parent / "docs" / "data-contract.md"
RAW_SCHEMA = "raw"
TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}
LINEAGE_COLUMNS = {
    "_partition_date": ("DATE", "Landing day (the file's date): the day the record became known."),
    "_source_file": ("VARCHAR", "Landing file the row came from, relative to the landing root."),
    "_row_number": ("BIGINT", "1-based position of the row in its file."),
    "_loaded_at": ("TIMESTAMP", "When ingestion loaded the row (UTC)."),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] | None = None
    description: str = ""

    @property
    def sql_type(self) -> str:
        return TYPES[self.type]


@dataclass(frozen=True)
class Entity:
    source: str
    name: str
    format: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def table(self) -> str:
        """Raw table name in the warehouse: raw.<source>__<entity>."""
        return f"{self.source}__{self.name}"

    @property
    def qualified_table(self) -> str:
        return f"{RAW_SCHEMA}.{self.table}"

    def landing_dir(self, landing_root: Path) -> Path:
        return landing_root / self.source / self.name

    def landing_file(self, landing_root: Path, day: str) -> Path:
        return self.landing_dir(landing_root) / f"{day}.{self.format}"


@cache
def load_contract(path: Path = CONTRACT_FILE) -> dict[str, dict]:
    with open(path) as f:
        doc = yaml.safe_load(f)
    for source, spec in doc["sources"].items():
        for name, ent in spec["entities"].items():
            if ent["format"] not in ("csv", "jsonl", "parquet"):
                raise ValueError(f"{source}.{name}: unknown format {ent['format']!r}")
            for col, cspec in ent["columns"].items():
                if cspec["type"] not in TYPES:
                    raise ValueError(f"{source}.{name}.{col}: unknown type {cspec['type']!r}")
            missing = set(ent["key"]) - set(ent["columns"])
            if missing:
                raise ValueError(f"{source}.{name}: key columns {sorted(missing)} are not columns")
    return doc


def entities(path: Path = CONTRACT_FILE) -> list[Entity]:
    doc = load_contract(path)
    out = []
    for source, spec in doc["sources"].items():
        for name, ent in spec["entities"].items():
            cols = tuple(
                Column(
                    name=col,
                    type=c["type"],
                    required=bool(c.get("required", False)),
                    values=tuple(c["values"]) if c.get("values") else None,
                    description=c.get("description", ""),
                )
                for col, c in ent["columns"].items()
            )
            out.append(
                Entity(source, name, ent["format"], tuple(ent["key"]), cols, ent.get("description", ""))
            )
    return out


def entity(source: str, name: str) -> Entity:
    for e in entities():
        if e.source == source and e.name == name:
            return e
    raise KeyError(f"no entity {source}.{name} in the contract")


def dbt_sources_yaml() -> str:
    """The dbt sources file for the raw layer, derived from the contract."""
    doc = load_contract()
    sources = []
    for source, spec in doc["sources"].items():
        tables = []
        for e in (e for e in entities() if e.source == source):
            columns = [
                {
                    "name": c.name,
                    "description": c.description or f"{c.type}{', required' if c.required else ''}",
                    "data_type": c.sql_type.lower(),
                }
                for c in e.columns
            ] + [
                {"name": name, "description": desc, "data_type": sql_type.lower()}
                for name, (sql_type, desc) in LINEAGE_COLUMNS.items()
            ]
            tables.append(
                {
                    "name": e.name,
                    "identifier": e.table,
                    "description": e.description,
                    "meta": {"dagster": {"asset_key": [RAW_SCHEMA, e.source, e.name]}},
                    "columns": columns,
                }
            )
        sources.append(
            {"name": source, "schema": RAW_SCHEMA, "description": spec.get("description", ""), "tables": tables}
        )
    header = "# Generated from config/landing_contract.yml by `python -m config.contract --write`. Do not edit.\n"
    return header + yaml.safe_dump({"version": 2, "sources": sources}, sort_keys=False, width=120)


def data_contract_markdown() -> str:
    lines = [
        "# Data contract: the landing zone",
        "",
        "Generated from `config/landing_contract.yml` by `python -m config.contract --write`.",
        "To bring your own extracts, deliver files that follow it; every source and entity is optional.",
        "",
        "Path: `data/landing/<source>/<entity>/<YYYY-MM-DD>.<csv|jsonl|parquet>`, one file per entity per",
        "landing day. Timestamps are UTC `YYYY-MM-DD HH:MM:SS` (ISO 8601 accepted), dates `YYYY-MM-DD`,",
        "booleans `true`/`false`. A row missing a required value, or with a value that does not cast to",
        "its type or is outside its value set, goes to `raw.rejects` with the reason and the raw row.",
        "A key delivered again on a later day is a newer version of that record.",
        "",
    ]
    doc = load_contract()
    for source, spec in doc["sources"].items():
        lines += [f"## {source}", "", spec.get("description", ""), ""]
        for e in (e for e in entities() if e.source == source):
            lines += [
                f"### {source}.{e.name} ({e.format})",
                "",
                f"{e.description} Key: `{', '.join(e.key)}`. Raw table: `{e.qualified_table}`.",
                "",
                "| column | type | required | allowed values | notes |",
                "|---|---|---|---|---|",
            ]
            for c in e.columns:
                values = ", ".join(c.values) if c.values else ""
                lines.append(f"| {c.name} | {c.type} | {'yes' if c.required else ''} | {values} | {c.description} |")
            lines.append("")
    lines += ["## Lineage columns added to every raw table", "", "| column | type | meaning |", "|---|---|---|"]
    lines += [f"| {n} | {t} | {d} |" for n, (t, d) in LINEAGE_COLUMNS.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the files derived from the landing contract.")
    parser.add_argument("--write", action="store_true", help="write the dbt sources file and the doc")
    args = parser.parse_args()
    if args.write:
        DBT_SOURCES_FILE.parent.mkdir(parents=True, exist_ok=True)
        DBT_SOURCES_FILE.write_text(dbt_sources_yaml())
        DOC_FILE.parent.mkdir(parents=True, exist_ok=True)
        DOC_FILE.write_text(data_contract_markdown())
        print(f"wrote {DBT_SOURCES_FILE.name} and {DOC_FILE.name}")


if __name__ == "__main__":
    main()
