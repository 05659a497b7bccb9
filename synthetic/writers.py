"""Landing-zone files and ground truth.

The simulation emits typed tables together with the day each row lands (its knowledge
day: the event day, later for late data, in the future for things already decided such
as a ticket's resolution or a payment retry). :class:`LandingWriter` holds them until
that day and then writes one file per entity: ``landing/<source>/<entity>/<day>.<ext>``.
Rows landing on or after the last day are dropped: nothing lands after the period.
Files are written by one background thread (Arrow and DuckDB release the GIL), so
writing overlaps with simulating the next day; the content does not depend on timing.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from synthetic.contract import EntitySpec, load_contract

EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}


class LandingWriter:
    def __init__(self, out_dir: Path, start: dt.date, days: int):
        self.root = Path(out_dir) / "landing"
        self.start = start
        self.days = days
        self.specs = load_contract()
        self._pending: dict[tuple[str, str], list[list]] = {k: [] for k in self.specs}
        self._next_day = 0
        self.rows = dict.fromkeys(self.specs, 0)
        self.files = dict.fromkeys(self.specs, 0)
        self.late_rows = dict.fromkeys(self.specs, 0)
        self.dropped = dict.fromkeys(self.specs, 0)
        self._con = duckdb.connect()
        self._con.execute("SET threads = 1")
        self._con.execute("SET preserve_insertion_order = true")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing-writer")
        self._inflight: list[tuple[int, Future]] = []

    # -- collecting ---------------------------------------------------------------------
    def emit(self, source: str, entity: str, tbl: pa.Table, deliver_day, event_day=None) -> None:
        """Queue rows of ``source.entity`` to land on ``deliver_day`` (scalar or per row)."""
        key = (source, entity)
        n = tbl.num_rows
        if n == 0:
            return
        deliver = np.broadcast_to(np.asarray(deliver_day, dtype=np.int64), (n,))
        if deliver.min() < self._next_day:
            raise ValueError(f"{source}.{entity}: rows for day {deliver.min()} after that day was written")
        if event_day is not None:
            self.late_rows[key] += int((deliver > np.asarray(event_day)).sum())
        keep = deliver < self.days
        if not keep.all():
            self.dropped[key] += int(n - keep.sum())
            if not keep.any():
                return
            tbl = tbl.filter(pa.array(keep))
            deliver = deliver[keep]
        if not (deliver[1:] >= deliver[:-1]).all():
            order = np.argsort(deliver, kind="stable")
            tbl = tbl.take(pa.array(order))
            deliver = deliver[order]
        self._pending[key].append([np.ascontiguousarray(deliver), tbl, 0])

    # -- writing ------------------------------------------------------------------------
    def flush(self, t: int) -> None:
        """Write every row that lands on day ``t`` (call once per day, in order)."""
        day = self.start + dt.timedelta(days=t)
        for key, spec in self.specs.items():
            chunks, remaining = [], []
            for entry in self._pending[key]:
                deliver, tbl, pos = entry
                end = int(np.searchsorted(deliver, t, side="right"))
                if end > pos:
                    chunks.append(tbl.slice(pos, end - pos))
                    entry[2] = end
                if entry[2] < len(deliver):
                    remaining.append(entry)
            self._pending[key] = remaining
            if chunks:
                out = pa.concat_tables(chunks)
                self._inflight.append((t, self._pool.submit(self._write, spec, day, out)))
                self.rows[key] += out.num_rows
                self.files[key] += 1
        self._next_day = t + 1
        # bound the backlog: wait for the files of days before yesterday
        while self._inflight and self._inflight[0][0] < t - 1:
            self._inflight.pop(0)[1].result()

    def _write(self, spec: EntitySpec, day: dt.date, tbl: pa.Table) -> None:
        tbl = tbl.combine_chunks()
        folder = self.root / spec.source / spec.entity
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{day.isoformat()}.{EXTENSIONS[spec.format]}"
        if spec.format == "parquet":
            # dictionary pages only for low-cardinality columns, not for ids
            dictionary = [n for n in tbl.column_names if not n.endswith("_id")]
            pq.write_table(_for_parquet(tbl), path, compression="zstd", use_dictionary=dictionary)
        elif spec.format == "csv":
            pcsv.write_csv(_as_text(tbl), path)
        elif spec.format == "jsonl":
            text = _as_text(tbl)  # noqa: F841 - referenced by name in the SQL below
            target = str(path).replace("'", "''")
            self._con.execute(f"COPY (SELECT * FROM text) TO '{target}' (FORMAT json)")
        else:  # pragma: no cover - the contract only allows the three formats
            raise ValueError(spec.format)

    def close(self) -> None:
        """Wait for every file to be written."""
        try:
            for _, fut in self._inflight:
                fut.result()
            self._inflight = []
        finally:
            self._pool.shutdown(wait=True)
            self._con.close()


def _as_text(tbl: pa.Table) -> pa.Table:
    """Timestamps as 'YYYY-MM-DD HH:MM:SS' and dates as 'YYYY-MM-DD' text."""
    cols = []
    for col in tbl.columns:
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            col = pc.cast(col, pa.string())
        cols.append(col)
    return pa.Table.from_arrays(cols, names=tbl.column_names)


def _for_parquet(tbl: pa.Table) -> pa.Table:
    cols = [pc.cast(c, pa.timestamp("us")) if pa.types.is_timestamp(c.type) else c for c in tbl.columns]
    return pa.Table.from_arrays(cols, names=tbl.column_names)


def write_ground_truth(out_dir: Path, tables: dict[str, pa.Table]) -> None:
    folder = Path(out_dir) / "ground_truth"
    folder.mkdir(parents=True, exist_ok=True)
    for name, tbl in tables.items():
        pq.write_table(tbl, folder / f"{name}.parquet", compression="zstd")
