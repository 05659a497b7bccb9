"""Personal data in the serving layer: which columns hold it and how BI users see them.

Columns are tagged in the dbt yml (`config: {meta: {pii: <kind>}}`), the one place that
documents them; the mode is `serving.pii` in config/pipeline.yml. The warehouse keeps the
clear values: only what leaves it is masked or hashed."""

from __future__ import annotations

from collections.abc import Mapping

MODES = ("masked", "hashed", "clear")
KINDS = ("name", "email", "phone", "street", "postal_code")

# masked: enough to recognise a record one already knows, not to contact or locate anyone.
_MASKED = {
    "name": "nullif(array_to_string(list_transform(string_split(trim({c}), ' '), w -> left(w, 1) || '.'), ' '), '.')",
    "email": "CASE WHEN {c} LIKE '%@%' THEN left({c}, 1) || '***@' || split_part({c}, '@', 2) END",
    "phone": "CASE WHEN length(regexp_replace({c}, '[^0-9]', '', 'g')) >= 4 "
    "THEN '***' || right(regexp_replace({c}, '[^0-9]', '', 'g'), 2) END",
    "street": "CAST(NULL AS VARCHAR)",
    "postal_code": "CASE WHEN {c} IS NOT NULL THEN left({c}, 2) || '***' END",
}
# hashed: joinable across tables and with other systems that hash the same normalised value
# (SHA-256, unsalted: a pseudonym, not anonymity: a known e-mail can be hashed and looked up).
_NORMALISED = {
    "name": "lower(trim({c}))",
    "email": "lower(trim({c}))",
    "phone": "regexp_replace({c}, '[^0-9]', '', 'g')",
    "street": "lower(trim({c}))",
    "postal_code": "upper(replace({c}, ' ', ''))",
}


def pii_columns(manifest: Mapping) -> dict[str, dict[str, str]]:
    """{model name: {column: pii kind}} for the models of schema marts in a dbt manifest."""
    out: dict[str, dict[str, str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] != "marts":
            continue
        for col in node["columns"].values():
            kind = (col.get("config") or {}).get("meta", {}).get("pii") or col.get("meta", {}).get("pii")
            if kind:
                if kind not in KINDS:
                    raise ValueError(f"{node['name']}.{col['name']}: unknown pii kind {kind!r} (known: {KINDS})")
                out.setdefault(node["name"], {})[col["name"]] = kind
    return out


def column_expression(column: str, kind: str | None, mode: str) -> str:
    """The SELECT expression that serves `column` (of pii `kind`, or None) under `mode`."""
    if mode not in MODES:
        raise ValueError(f"serving.pii must be one of {MODES}, not {mode!r}")
    quoted = f'"{column}"'
    if kind is None or mode == "clear":
        return quoted
    if mode == "masked":
        expr = _MASKED[kind].format(c=quoted)
    else:
        expr = f"sha256({_NORMALISED[kind].format(c=quoted)})"  # NULL stays NULL
    return f"{expr} AS {quoted}"
