"""The churn section of config/pipeline.yml as a typed object."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFINITIONS = ("subscription", "transactional")


@dataclass(frozen=True)
class ChurnConfig:
    horizon_days: int = 30
    inactivity_days: int = 60
    definition: str = "auto"
    retrain_weekday: int = 0
    snapshot_every_days: int = 7
    max_snapshots: int = 26
    max_training_customers: int = 200_000
    validation_snapshots: int = 4
    calibration_snapshots: int = 3
    min_customers: int = 200
    min_positives: int = 20
    risk_bands: dict[str, float] = field(default_factory=lambda: {"high": 0.10, "medium": 0.05})
    seed: int = 42
    gbm: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, cfg: dict) -> ChurnConfig:
        out = cls(**cfg)
        if out.definition not in (*DEFINITIONS, "auto"):
            raise ValueError(f"churn.definition must be one of {[*DEFINITIONS, 'auto']}, got {out.definition!r}")
        if not 0 <= out.retrain_weekday <= 6:
            raise ValueError(f"churn.retrain_weekday must be 0 (Monday) … 6 (Sunday), got {out.retrain_weekday}")
        if not 0 < out.risk_bands["medium"] < out.risk_bands["high"] < 1:
            raise ValueError(f"churn.risk_bands need 0 < medium < high < 1, got {out.risk_bands}")
        return out
