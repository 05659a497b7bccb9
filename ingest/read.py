"""Reads one landing file into an all-text Arrow table, whatever its format.

Every row keeps its 1-based position in the file (`_row_number`) and its original text
(`_raw`, for rows whose columns could not be parsed; the loader renders the others
as JSON); rows that cannot even be parsed (malformed CSV, a line that is not JSON,
invalid UTF-8) carry `_parse_error` so the loader can reject them with that reason.
Typing against the contract happens later, in SQL (ingest/load.py).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

META_COLUMNS = ("_row_number", "_raw", "_parse_error")


@dataclass
class ReadResult:
    table: pa.Table  # every column of the file (strings) + META_COLUMNS
    columns_in_file: list[str]


def _as_text(arr) -> pa.Array:
    try:
        return arr.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Nested or exotic types (a drifted Parquet schema): their Python rendering, kept as text.
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())


def _text_table(columns: dict[str, pa.Array], n: int, row_numbers, raw, errors) -> pa.Table:
    data = {name: _as_text(arr) for name, arr in columns.items()}
    data["_row_number"] = pa.array(row_numbers, type=pa.int64())
    data["_raw"] = pa.array(raw, type=pa.string()) if raw is not None else pa.nulls(n, pa.string())
    data["_parse_error"] = pa.array(errors, type=pa.string()) if errors is not None else pa.nulls(n, pa.string())
    return pa.table(data)


def _rejected_lines(lines: list[str], first_row_number: int, reason: str, wanted: list[str]) -> pa.Table:
    n = len(lines)
    cols = {c: pa.nulls(n, pa.string()) for c in wanted}
    return _text_table(cols, n, np.arange(first_row_number, first_row_number + n), lines, [reason] * n)


def read_csv(path: Path, wanted: list[str]) -> ReadResult:
    data = path.read_bytes()
    if not data.strip():
        return ReadResult(_text_table({}, 0, [], [], []), [])
    try:
        data.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError as exc:
        utf8, file_error = False, f"invalid UTF-8 ({exc.reason} at byte {exc.start})"
    try:
        header = _header(data)
    except UnicodeDecodeError:
        # No column names to read the rows by: every row goes, with the reason.
        return _unparseable_text_file(data, file_error, wanted, header=True)
    invalid: list[pcsv.InvalidRow] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            # One block for the whole file: a row longer than a block (a huge field) would
            # otherwise make the whole file unreadable instead of one row rejected.
            read_options=pcsv.ReadOptions(use_threads=False, block_size=max(1 << 20, len(data) + 1)),
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                # Every column as text, drifted ones too ("007" stays "007"); as bytes when the file
                # is not valid UTF-8, so that only the rows with a bad value are rejected.
                column_types={c: pa.string() if utf8 else pa.binary() for c in [*wanted, *header]},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=False,
                check_utf8=utf8,
            ),
        )
    except pa.ArrowInvalid as exc:
        return _unparseable_text_file(data, f"unreadable CSV: {exc}", wanted, header=True)
    # pyarrow's physical row numbers count the header as row 1.
    bad_rows = sorted((r.number - 1 if r.number else 0) for r in invalid)
    total = table.num_rows + len(bad_rows)
    good_numbers = np.setdiff1d(np.arange(1, total + 1), np.asarray(bad_rows, dtype=np.int64))
    present = {c: table.column(c) for c in table.column_names}
    raw = errors = None
    if not utf8:
        present, raw, errors = _decode_cells(present, table.num_rows)
    good = _text_table(present, table.num_rows, good_numbers, raw, errors)
    parts = [good]
    if invalid:
        n = len(invalid)
        bad = _text_table(
            {c: pa.nulls(n, pa.string()) for c in present},
            n,
            bad_rows,
            [r.text for r in invalid],
            [f"malformed CSV row: {r.actual_columns} fields, expected {r.expected_columns}" for r in invalid],
        )
        parts.append(bad)
    return ReadResult(pa.concat_tables(parts).sort_by("_row_number"), table.column_names)


def _decode_cells(columns: dict[str, pa.Array], n: int):
    """Byte columns → text columns; a row with a value that is not UTF-8 gets the reason and its
    values as JSON (the bad bytes shown as U+FFFD) for raw.rejects."""
    texts = {c: [] for c in columns}
    errors: list[str | None] = [None] * n
    rows: list[dict] = [{} for _ in range(n)]
    for c, arr in columns.items():
        for i, value in enumerate(arr.to_pylist()):
            try:
                text = None if value is None else value.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = value.decode("utf-8", errors="replace")
                errors[i] = errors[i] or f"invalid UTF-8 in {c} ({exc.reason} at byte {exc.start} of the value)"
            texts[c].append(text)
            rows[i][c] = text
    raw = [None if e is None else json.dumps(r, ensure_ascii=False) for e, r in zip(errors, rows)]
    return {c: pa.array(v, pa.string()) for c, v in texts.items()}, raw, errors


def _header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8")
    return next(csv.reader(io.StringIO(first)), [])


def _unparseable_text_file(data: bytes, reason: str, wanted: list[str], header: bool) -> ReadResult:
    lines = [ln.decode("utf-8", errors="replace") for ln in data.splitlines() if ln.strip()]
    if header:
        lines = lines[1:]
    return ReadResult(_rejected_lines(lines, 1, reason, wanted), [])


# What bytes.strip() removes: a line of only these is blank; any other character makes it a row.
_ASCII_WHITESPACE = " \t\n\r\x0b\x0c"


def read_jsonl(path: Path, wanted: list[str]) -> ReadResult:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _read_jsonl_lines(data)
    lines = _lines(data)
    kept = pc.not_equal(pc.utf8_length(pc.utf8_trim(lines, characters=_ASCII_WHITESPACE)), 0)
    texts = lines.filter(kept)
    numbers = np.flatnonzero(kept.to_numpy(zero_copy_only=False)) + 1
    return _jsonl_result(texts, numbers, texts, None)


def _lines(data: bytes) -> pa.Array:
    """The lines of valid UTF-8 text (split at each newline byte, which no multi-byte character
    contains) as one Arrow array, built from the bytes: one Python string per line, then Arrow's
    conversion of them, took 0.8 s for the 485,000 lines of a day of e-mail events."""
    buf = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(buf == ord("\n"))
    starts = np.r_[0, newlines + 1]
    # Line i starts after i newlines, which the values leave out.
    offsets = np.r_[starts - np.arange(len(starts)), len(buf) - len(newlines)].astype(np.int64)
    values = np.delete(buf, newlines)
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(values)).cast(pa.string())


def _read_jsonl_lines(data: bytes) -> ReadResult:
    """Line by line, for a file that is not all UTF-8: the lines that are not get the reason."""
    texts: list[str] = []
    errors: list[str | None] = []
    numbers: list[int] = []
    for i, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        numbers.append(i)
        try:
            texts.append(line.decode("utf-8"))
            errors.append(None)
        except UnicodeDecodeError as exc:
            texts.append(line.decode("utf-8", errors="replace"))
            errors.append(f"invalid UTF-8 ({exc.reason} at byte {exc.start})")
    return _jsonl_result(pa.array(texts, pa.string()), numbers, texts, errors)


def _jsonl_result(texts: pa.Array, numbers, raw, errors) -> ReadResult:
    # JSON parsing and field extraction happen in DuckDB (json_extract_string), vectorised.
    return ReadResult(_text_table({"_json": texts}, len(texts), numbers, raw, errors), ["_json"])


def read_parquet(path: Path, wanted: list[str]) -> ReadResult:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        reason = f"unreadable Parquet file: {exc}"
        return ReadResult(_rejected_lines([f"<{path.name}>"], 1, reason, wanted), [])
    present = {}
    for c in table.column_names:
        col = table.column(c)
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
        present[c] = col
    n = table.num_rows
    return ReadResult(_text_table(present, n, np.arange(1, n + 1), None, None), table.column_names)


READERS = {"csv": read_csv, "jsonl": read_jsonl, "parquet": read_parquet}


def read_landing_file(path: Path, fmt: str, wanted: list[str]) -> ReadResult:
    return READERS[fmt](path, wanted)
