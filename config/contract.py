"""The landing-zone contract (config/landing_contract.yml) as Python objects.

It drives ingestion (types, required columns, value sets), the dbt sources file
(generated, never edited by hand) and docs/data-contract.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from config.settings import CONFIG_DIR, DBT_PROJECT_DIR, inside

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
# Source, entity and column names become SQL identifiers and folder names: nothing else passes.
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
BREACH_ACTIONS = ("fail", "warn")
LINEAGE_COLUMNS = {
    "_partition_date": ("DATE", "Landing day (the file's date): the day the record became known."),
    "_source_file": ("VARCHAR", "Landing file the row came from, relative to the landing root."),
    "_row_number": ("BIGINT", "1-based position of the row in its file."),
    "_loaded_at": ("TIMESTAMP", "When ingestion loaded the row (UTC)."),
    "_extra_columns": (
        "VARCHAR",
        "Values of the columns the file had beyond the contract (schema drift), as a JSON object; NULL when none.",
    ),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] | None = None
    description: str = ""
    min: float | None = None
    max: float | None = None
    may_be_future: bool = False

    @property
    def sql_type(self) -> str:
        return TYPES[self.type]


@dataclass(frozen=True)
class BadInputPolicy:
    """What a run does when a source delivers bad rows (contract `bad_input`)."""

    max_rejected_share: float
    on_breach: str  # fail | warn


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
        return inside(landing_root, self.source, self.name)

    def landing_file(self, landing_root: Path, day: str) -> Path:
        # Only a real date names a file: a day string cannot smuggle a path in.
        return self.landing_dir(landing_root) / f"{dt.date.fromisoformat(day).isoformat()}.{self.format}"


def check_identifier(name: str, what: str) -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise ValueError(f"{what} {name!r} is not a plain lower-case identifier ([a-z][a-z0-9_]*)")
    return name


@cache
def load_contract(path: Path = CONTRACT_FILE) -> dict[str, dict]:
    with open(path) as f:
        doc = yaml.safe_load(f)
    if int(doc.get("max_field_chars", 0)) <= 0:
        raise ValueError("max_field_chars must be a positive number of characters")
    for source, spec in doc["sources"].items():
        check_identifier(source, "source")
        policy = spec.get("bad_input") or {}
        if policy.get("on_breach") not in BREACH_ACTIONS or not 0 <= float(policy.get("max_rejected_share", -1)) <= 1:
            raise ValueError(f"{source}: bad_input needs max_rejected_share in [0, 1] and on_breach fail or warn")
        for name, ent in spec["entities"].items():
            check_identifier(name, f"{source}: entity")
            for col in ent["columns"]:
                check_identifier(col, f"{source}.{name}: column")
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
                    min=c.get("min"),
                    max=c.get("max"),
                    may_be_future=bool(c.get("may_be_future", False)),
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


def bad_input_policy(source: str) -> BadInputPolicy:
    spec = load_contract()["sources"][source]["bad_input"]
    return BadInputPolicy(float(spec["max_rejected_share"]), spec["on_breach"])


def max_field_chars() -> int:
    return int(load_contract()["max_field_chars"])


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
        "its type or is outside its value set, or a text value longer than "
        f"{load_contract()['max_field_chars']:,} characters, goes to `raw.rejects` with the reason and the raw row.",
        "A key delivered again on a later day is a newer version of that record; a key repeated within one",
        "file keeps its last row, the earlier ones are rejected as duplicates. Columns beyond the contract are",
        "reported (`raw.load_log.extra_columns`) and kept in `_extra_columns`; a missing optional column is NULL.",
        "Ranges and `may be future` are checked by the raw-layer quality gate (a warning, not a reject).",
        "",
    ]
    doc = load_contract()
    for source, spec in doc["sources"].items():
        policy = bad_input_policy(source)
        fails = policy.on_breach == "fail"
        outcome = "**fails** (nothing downstream is built)." if fails else "continues with a warning."
        lines += [
            f"## {source}",
            "",
            spec.get("description", ""),
            "",
            f"Bad input: above {policy.max_rejected_share:.0%} of the landed rows rejected, the run {outcome}",
            "",
        ]
        for e in (e for e in entities() if e.source == source):
            lines += [
                f"### {source}.{e.name} ({e.format})",
                "",
                f"{e.description} Key: `{', '.join(e.key)}`. Raw table: `{e.qualified_table}`.",
                "",
                "| column | type | required | allowed values | range | notes |",
                "|---|---|---|---|---|---|",
            ]
            for c in e.columns:
                values = ", ".join(c.values) if c.values else ""
                bounds = " … ".join("" if b is None else f"{b:g}" for b in (c.min, c.max)) if (
                    c.min is not None or c.max is not None) else ""
                notes = " ".join(filter(None, [c.description, "May lie after the landing day." if c.may_be_future
                                               else ""]))
                lines.append(
                    f"| {c.name} | {c.type} | {'yes' if c.required else ''} | {values} | {bounds.strip()} | {notes} |"
                )
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
