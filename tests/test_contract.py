from config.contract import (
    DBT_SOURCES_FILE,
    DOC_FILE,
    TYPES,
    data_contract_markdown,
    dbt_sources_yaml,
    entities,
    entity,
)


def test_contract_covers_four_sources_with_keys_and_formats():
    es = entities()
    assert {e.source for e in es} == {"marketing", "sales", "support", "finance"}
    for e in es:
        assert e.format in {"csv", "jsonl", "parquet"}
        names = [c.name for c in e.columns]
        assert set(e.key) <= set(names)
        assert all(c.type in TYPES for c in e.columns)
        # Key columns must be required, or a row could not be identified.
        assert all(c.required for c in e.columns if c.name in e.key), e.table


def test_entity_lookup_and_raw_table_name():
    e = entity("sales", "order_lines")
    assert e.qualified_table == "raw.sales__order_lines"
    assert e.key == ("order_id", "line_number")


def test_generated_files_are_in_sync_with_the_contract():
    # Run `python -m config.contract --write` after editing config/landing_contract.yml.
    assert DBT_SOURCES_FILE.read_text() == dbt_sources_yaml()
    assert DOC_FILE.read_text() == data_contract_markdown()
