"""Seeded synthetic data generator: realistic landing-zone extracts and their ground truth.

Entry point: :func:`synthetic.generate.generate` / ``python -m synthetic.generate``.
"""
