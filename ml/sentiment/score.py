"""VADER scores of texts; each distinct text is scored once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's recommended cut-offs on the compound score.
POSITIVE_FROM = 0.05
NEGATIVE_TO = -0.05
MODEL = f"vader-{version('vaderSentiment')}"


@dataclass(frozen=True)
class Sentiment:
    compound: float  # -1 (most negative) … 1 (most positive)
    positive: float
    neutral: float
    negative: float

    @property
    def label(self) -> str:
        if self.compound >= POSITIVE_FROM:
            return "positive"
        if self.compound <= NEGATIVE_TO:
            return "negative"
        return "neutral"


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads the lexicon files of the installed package


def score_texts(texts: Iterable[str]) -> dict[str, Sentiment]:
    """Sentiment of every distinct text, keyed by the text."""
    analyzer = _analyzer()
    out = {}
    for text in set(texts):
        s = analyzer.polarity_scores(text)
        out[text] = Sentiment(round(s["compound"], 4), round(s["pos"], 4), round(s["neu"], 4), round(s["neg"], 4))
    return out
