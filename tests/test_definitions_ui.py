"""What the Dagster UI shows about every asset, and where the new steps sit in the graph."""

from __future__ import annotations

from dagster import AssetKey

from orchestration.definitions import defs
from serving.tables import SERVED_TABLES

LAYERS = {"raw", "seeds", "staging", "intermediate", "identity", "feedback", "marts", "features", "ml",
          "serving", "reporting"}
PUBLISH, REPORT = AssetKey(["serving", "bi_tables"]), AssetKey(["reports", "cx_report"])


def test_every_asset_has_kinds_owners_and_the_group_of_its_layer():
    graph = defs.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assert node.kinds and node.owners and node.description, key
        assert node.group_name in LAYERS, (key, node.group_name)


def test_publish_and_report_come_after_every_output_table():
    graph = defs.resolve_asset_graph()
    outputs = {k for k in graph.materializable_asset_keys if k.path[0] == "marts" and k.path[-1] in SERVED_TABLES}
    assert {AssetKey(["marts", "churn_scores"]), AssetKey(["marts", "customer_360"])} <= outputs
    assert graph.get(PUBLISH).parent_keys == outputs
    assert graph.get(REPORT).parent_keys == outputs


def test_sentiment_runs_after_ingestion_and_before_the_marts_that_use_it():
    graph = defs.resolve_asset_graph()
    sentiment = AssetKey(["feedback", "text_sentiment"])
    assert graph.get(sentiment).parent_keys == {AssetKey(["raw", "support", "surveys"]),
                                                AssetKey(["raw", "support", "tickets"])}
    assert sentiment in graph.get(AssetKey(["marts", "feedback_sentiment"])).parent_keys
    bands = AssetKey(["marts", "experience_engagement_bands"])
    checks = {c.name for c in graph.asset_check_keys if c.asset_key == bands}
    assert "experience_link_holds" in checks
