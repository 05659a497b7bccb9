"""Runs expectation suites with Great Expectations 1.x on pandas frames, offline, and builds
the Data Docs site of what it validated into a local folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quality.expectations import Expectation, Suite

# GX's own usage statistics would try the network.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str
    passed: bool
    observed: str


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    level: str
    rows_validated: int
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.passed]


def _plain(value) -> str:
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_plain(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_plain(v)}" for k, v in value.items()) + ")"
    return str(value.item() if hasattr(value, "item") else value)


def _observed(result: dict) -> str:
    if "observed_value" in result and result["observed_value"] is not None:
        return str(result["observed_value"])
    if "unexpected_count" in result:
        text = f"{result['unexpected_count']} of {result.get('element_count', '?')} rows unexpected"
        sample = result.get("partial_unexpected_list") or []
        if result["unexpected_count"] and sample:
            text += ", e.g. " + ", ".join(_plain(v) for v in sample[:3])
        return text
    return ""


class GxSession:
    """One ephemeral GX context: validate suites on frames, then build their Data Docs."""

    SITE = "local"

    def __init__(self, docs_dir: Path | None = None):
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        sites = {}
        if docs_dir is not None:
            sites[self.SITE] = {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            data_docs_sites=sites,
        )
        self._gx = gx
        self._docs_dir = docs_dir
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        self._asset = self.context.data_sources.add_pandas("frames").add_dataframe_asset("frame")
        self._batch = self._asset.add_batch_definition_whole_dataframe("whole")

    def validate(self, suite: Suite, frame: pd.DataFrame) -> SuiteOutcome:
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        gx = self._gx
        # The same suite again in one session (another day, a retry) replaces its definition.
        gx_suite = self.context.suites.add_or_update(gx.ExpectationSuite(
            name=suite.name,
            expectations=[ExpectationConfiguration(type=e.type, kwargs=e.kwargs).to_domain_obj()
                          for e in suite.expectations],
        ))
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=self._batch, suite=gx_suite)
        )
        result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
        outcomes = tuple(
            ExpectationOutcome(
                suite.name,
                Expectation(r.expectation_config.type, dict(r.expectation_config.kwargs)).label,
                bool(r.success),
                _observed(r.result or {}),
            )
            for r in result.results
        )
        return SuiteOutcome(suite.name, suite.level, len(frame), outcomes)

    def build_docs(self) -> Path | None:
        """Renders every validation of this session; returns the site's index page."""
        if self._docs_dir is None:
            return None
        self.context.build_data_docs(site_names=[self.SITE])
        return self._docs_dir / "index.html"
