"""Propensity models on disk, by fingerprint: a night reuses the model of its training day.

A model is trained from the exposures known on its training day (ml/nbo/run.py), so every
night until the next retraining weekday asks for the same model; training it again each night
costs what the exposure history holds. The file name is the fingerprint of everything the
model is trained from, so a stored model is used only for exactly the data it was trained on,
and a re-run gives the same model whether or not the file exists."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd

from ml.model_files import write_atomically
from ml.nbo.propensity import PropensityModel, fingerprint, train
from ml.nbo.rules import ModelConfig


def model_file(models_dir: Path, version: str) -> Path:
    return models_dir / "nbo" / f"{version}.joblib"


def load_or_train(examples: pd.DataFrame, catalog: pd.DataFrame, cfg: ModelConfig, models_dir: Path) -> PropensityModel:
    version = fingerprint(examples, catalog, cfg)
    path = model_file(models_dir, version)
    if path.exists():
        return joblib.load(path)
    model = train(examples, catalog, cfg, version)
    write_atomically(path, lambda tmp: joblib.dump(model, tmp))
    return model
