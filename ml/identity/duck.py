"""In-memory DuckDB connections for identity work, with a ceiling on memory and spill.

The machine (and its disk) is shared with the warehouse and other runs: an unbounded
in-memory DuckDB takes 80 % of RAM and spills without limit into `.tmp` of the current
directory. Every connection here is capped and spills into the system temp directory.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd


@dataclass(frozen=True)
class DuckLimits:
    memory_limit: str = "6GB"
    max_temp_directory_size: str = "10GB"
    threads: int = 2

    @classmethod
    def from_dict(cls, cfg: dict | None) -> DuckLimits:
        return cls(**(cfg or {}))


def connect(limits: DuckLimits | None = None) -> duckdb.DuckDBPyConnection:
    limits = limits or DuckLimits()
    spill = Path(tempfile.gettempdir()) / "c360-identity-duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{limits.memory_limit}'")
    con.execute(f"SET max_temp_directory_size = '{limits.max_temp_directory_size}'")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute(f"SET threads = {int(limits.threads)}")
    return con


def load_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """`frame` copied into table `name`: each scan of a registered frame converts its string
    columns again (about a second per scan at two million records), a table's scans do not."""
    con.register(f"_{name}_frame", frame)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}_frame")
    con.unregister(f"_{name}_frame")
