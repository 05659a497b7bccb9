"""The landing contract (config/landing_contract.yml) and typed Arrow tables that follow it.

Generators hand plain numpy arrays to :func:`table`; it checks the column names against
the contract, orders them as the contract does and converts them to the canonical Arrow
types (timestamps are kept at second precision until a writer formats them).
Helpers build the columns that need more than a cast: ids, categories, timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from config.contract import entities

# Timestamps are int64 seconds since the Unix epoch (UTC); this value means "null".
NO_TS = np.iinfo(np.int64).min

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("s"),
    "date": pa.date32(),
}


@dataclass(frozen=True)
class EntitySpec:
    source: str
    entity: str
    format: str
    columns: tuple[tuple[str, str], ...]  # (name, contract type) in contract order
    required: frozenset[str]

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(c, ARROW_TYPES[t]) for c, t in self.columns])


@cache
def load_contract() -> dict[tuple[str, str], EntitySpec]:
    return {
        (e.source, e.name): EntitySpec(
            e.source,
            e.name,
            e.format,
            tuple((c.name, c.type) for c in e.columns),
            frozenset(c.name for c in e.columns if c.required),
        )
        for e in entities()
    }


def table(source: str, entity: str, **columns) -> pa.Table:
    """A table of ``source.entity`` in contract order and types; numpy or Arrow inputs."""
    spec = load_contract()[(source, entity)]
    if set(columns) != set(spec.names):
        missing, extra = set(spec.names) - set(columns), set(columns) - set(spec.names)
        raise ValueError(f"{source}.{entity}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    arrays = []
    for name, ctype in spec.columns:
        arr = _to_arrow(columns[name], ctype)
        if name in spec.required and arr.null_count:
            raise ValueError(f"{source}.{entity}.{name} is required but has {arr.null_count} nulls")
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=spec.schema)


def _to_arrow(values, ctype: str) -> pa.Array:
    typ = ARROW_TYPES[ctype]
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == typ else values.cast(typ)
    values = np.asarray(values)
    if ctype == "timestamp":
        return ts(values)
    if ctype == "date":
        return pa.array(values.astype(np.int32), pa.date32())
    if ctype == "double":
        return pa.array(values.astype(np.float64), typ, mask=np.isnan(values.astype(np.float64)))
    return pa.array(values, typ)


def ts(seconds: np.ndarray) -> pa.Array:
    """timestamp[s] array from int64 epoch seconds; NO_TS becomes null."""
    seconds = np.asarray(seconds, dtype=np.int64)
    mask = seconds == NO_TS
    return pa.array(np.where(mask, 0, seconds), pa.int64(), mask=mask if mask.any() else None).cast(pa.timestamp("s"))


def ids(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """String ids like MC00001234 from integers; rows where ``valid`` is False are null."""
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    out = pc.binary_join_element_wise(prefix, digits, "")
    if valid is not None:
        out = pc.if_else(pa.array(np.asarray(valid, dtype=bool)), out, pa.nulls(len(out), pa.string()))
    return out


def categories(codes: np.ndarray, labels, valid: np.ndarray | None = None) -> pa.Array:
    """String array from small integer codes into ``labels``; code -1 (or not valid) is null."""
    codes = np.asarray(codes).astype(np.int32)
    mask = codes < 0
    if valid is not None:
        mask |= ~np.asarray(valid, dtype=bool)
    dictionary = pa.array(list(labels), pa.string())
    arr = pa.DictionaryArray.from_arrays(pa.array(np.where(mask, 0, codes), pa.int32(), mask=mask), dictionary)
    return arr.cast(pa.string())


def strings(values, valid: np.ndarray | None = None) -> pa.Array:
    """String array from numpy/Arrow strings with optional validity."""
    arr = values if isinstance(values, pa.Array) else pa.array(np.asarray(values), pa.string())
    if valid is not None:
        arr = pc.if_else(pa.array(np.asarray(valid, dtype=bool)), arr, pa.nulls(len(arr), pa.string()))
    return arr


def booleans(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=bool)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(values, pa.bool_(), mask=mask)


def doubles(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(values, pa.float64(), mask=mask)
