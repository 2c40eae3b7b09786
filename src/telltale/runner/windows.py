"""Where a monitor looks: its focal window and its baseline (a time range or a training set)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from telltale.configbase.sources import SourceConfig
from telltale.core.results import TRAINING
from telltale.core.timeutil import TimeRange, baseline_range, focal_range
from telltale.monitors.base import MonitorBase


def monitor_windows(cfg: MonitorBase, model_cfg: Any, at: datetime,
                    step: timedelta) -> tuple[TimeRange, TimeRange | None]:
    """The focal window and the baseline of one monitor at time `at`.

    A rolling baseline is a time range; a training baseline is the TRAINING marker (its
    summaries come from the training data set, read whole).
    """
    focal = focal_range(at, cfg.window, step)
    base_cfg = cfg.baseline or model_cfg.baseline
    if base_cfg is None:
        return focal, None
    if base_cfg.training is not None:
        return focal, TRAINING
    assert base_cfg.window is not None
    return focal, baseline_range(focal, base_cfg.window.last, base_cfg.window.skip)


def training_source(cfg: MonitorBase, model_cfg: Any) -> SourceConfig | None:
    """The training data set a monitor compares with, or None."""
    base_cfg = cfg.baseline or model_cfg.baseline
    return base_cfg.training if base_cfg is not None else None


def source_key(source: SourceConfig) -> str:
    """A training source as a stable text key."""
    return json.dumps(source.model_dump(exclude_none=True), sort_keys=True, default=str)
