"""Sentiment of the customers' own words (survey comments, ticket subjects) with VADER,
a lexicon model whose lexicon ships inside its package: nothing is downloaded at run time."""
