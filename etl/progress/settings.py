"""Status thresholds as configuration: defaults 0.95 / 0.6 (the spec), overridable per deployment.

Precedence: the environment variables ``IPSTATS_ON_TRACK_RATIO`` / ``IPSTATS_OFF_TRACK_RATIO``,
then the YAML file named by ``IPSTATS_PROGRESS_THRESHOLDS``, then ``etl/progress/thresholds.yaml``,
then the spec's defaults. Read fresh on every call so a changed environment takes effect.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from etl.progress.compute import Thresholds

DEFAULT_THRESHOLDS_FILE = Path(__file__).resolve().parent / "thresholds.yaml"


def _ratio(name: str, raw: object) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a number, got {raw!r}") from exc
    if not 0 <= value <= 10:
        raise ValueError(f"{name}: {value} is not a plausible share of the required pace")
    return value


def load_thresholds() -> Thresholds:
    """The configured thresholds (see the module docstring for precedence)."""
    values: dict[str, float] = {"on_track_ratio": 0.95, "off_track_ratio": 0.6}
    path = Path(os.environ.get("IPSTATS_PROGRESS_THRESHOLDS") or DEFAULT_THRESHOLDS_FILE)
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping with on_track_ratio / off_track_ratio")
        for key in values:
            if data.get(key) is not None:
                values[key] = _ratio(f"{path}: {key}", data[key])
    elif os.environ.get("IPSTATS_PROGRESS_THRESHOLDS"):
        raise ValueError(f"IPSTATS_PROGRESS_THRESHOLDS names a missing file: {path}")
    for key, env in (("on_track_ratio", "IPSTATS_ON_TRACK_RATIO"), ("off_track_ratio", "IPSTATS_OFF_TRACK_RATIO")):
        if os.environ.get(env):
            values[key] = _ratio(env, os.environ[env])
    return Thresholds(on_track=values["on_track_ratio"], off_track=values["off_track_ratio"])
