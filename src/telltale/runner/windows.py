"""Where a monitor looks: its focal window and its baseline (a time range or a training set)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from telltale.configbase.sources import SourceConfig
from telltale.core.results import TRAINING
from telltale.core.timeutil import TimeRange, baseline_range, floor_time, focal_range
from telltale.monitors.base import MonitorBase

if TYPE_CHECKING:
    from telltale.config.models import ModelConfig


def monitor_windows(cfg: MonitorBase, model_cfg: ModelConfig, at: datetime,
                    step: timedelta) -> tuple[TimeRange, TimeRange | None]:
    """The focal window and the baseline of one monitor at time `at`.

    A rolling baseline is a time range that moves with the focal window; a fixed one is
    the same period at every `at` (aligned outwards to the model's buckets, cut at the focal
    window's end); a training
    baseline is the TRAINING marker (its summaries come from the training data set, read
    whole).
    """
    focal = focal_range(at, cfg.window, step)
    base_cfg = cfg.baseline or model_cfg.baseline
    if base_cfg is None:
        return focal, None
    if base_cfg.training is not None:
        return focal, TRAINING
    if base_cfg.fixed is not None:
        start, end = base_cfg.fixed.start, base_cfg.fixed.end
        aligned_end = floor_time(end, step)
        aligned_end = aligned_end if aligned_end == end else aligned_end + step
        # never past the focal window's end: a run at an earlier `at` (backfill) must not
        # read rows that did not exist yet; a period wholly after it is empty (no_data)
        aligned_end = min(aligned_end, focal.end)
        aligned_start = min(floor_time(start, step), aligned_end)
        return focal, TimeRange(aligned_start, aligned_end)
    assert base_cfg.window is not None
    return focal, baseline_range(focal, base_cfg.window.last, base_cfg.window.skip)


def training_source(cfg: MonitorBase, model_cfg: ModelConfig) -> SourceConfig | None:
    """The training data set a monitor compares with, or None."""
    base_cfg = cfg.baseline or model_cfg.baseline
    return base_cfg.training if base_cfg is not None else None


def source_key(source: SourceConfig) -> str:
    """A training source as a stable text key."""
    return json.dumps(source.model_dump(exclude_none=True), sort_keys=True, default=str)
