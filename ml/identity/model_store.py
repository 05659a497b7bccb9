"""splink's trained model on disk, one per retraining day: the nights of a week score their
pairs with the model of the week's retraining day.

Training every night costs the sampling and EM passes, and moves the pairs near the threshold
from one night to the next: a customer joined one night could be split the next with nothing
new about them. A retraining day's model learns from the records landed by that day, so a
re-run of any night of the week, or a run that finds no file, trains on the same records.
The file name carries the settings that shape training (another seed or sample size is another
model) and the SQL dialect the model's comparisons are written in (a DuckDB model does not run
on Spark)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ml.identity.rules import ProbabilisticConfig
from ml.model_files import write_atomically

TRAINING_KEYS = ("seed", "u_max_pairs", "em_max_pairs")


@dataclass(frozen=True)
class StoredModel:
    path: Path
    training_day: dt.date

    def learns_from(self, first_landed_dates: pd.Series) -> np.ndarray:
        """Which records the model of this training day is trained on: those landed by it."""
        return (pd.to_datetime(first_landed_dates) <= pd.Timestamp(self.training_day)).to_numpy()

    def load(self) -> dict | None:
        return json.loads(self.path.read_text()) if self.path.exists() else None

    def save(self, model: dict) -> None:
        text = json.dumps(model, indent=1, sort_keys=True, default=str)
        write_atomically(self.path, lambda tmp: tmp.write_text(text))


def stored_model(models_dir: Path, cfg: ProbabilisticConfig, run_date: dt.date, dialect: str = "duckdb") -> StoredModel:
    day = run_date - dt.timedelta(days=(run_date.weekday() - cfg.retrain_weekday) % 7)
    shaping = json.dumps({k: getattr(cfg, k) for k in TRAINING_KEYS}, sort_keys=True)
    key = hashlib.sha256(shaping.encode()).hexdigest()[:8]
    return StoredModel(models_dir / "identity" / f"splink-{dialect}-{day}-{key}.json", day)
