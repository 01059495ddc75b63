"""Synthetic sample exports: realistic, deterministic files of every source kind.

The figures are invented (``profiles``), except the 2020 values that the plan tables of the
seeds print as base or completion values, which come out exactly. ``series`` makes them
consistent (parts add up, year-to-date never decreases, stocks follow flows), ``layouts`` says
which files exist and how each may look, ``render`` writes them, ``faults`` writes the faulty ones.
"""

from etl.samples.generate import DEFAULT_SEED, GenerationSummary, build_data, generate_samples

__all__ = ["DEFAULT_SEED", "GenerationSummary", "build_data", "generate_samples"]
