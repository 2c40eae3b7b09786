"""`baseline: {fixed: {from, to}}`: parsed to a UTC period; mistakes name file:line and the fix."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from telltale.runner.windows import monitor_windows
from telltale.core.timeutil import TimeRange

from test_config_errors import BASE, one

UTC = timezone.utc


def _monitor(baseline: str) -> str:
    return BASE + f"""\
  - name: drift
    model: credit
    type: data_drift
    baseline: {baseline}
"""


def test_fixed_dates_cover_whole_days(parse):
    cfg = parse(_monitor("{fixed: {from: 2026-01-01, to: 2026-01-31}}")).config
    fixed = cfg.monitors[0].baseline.fixed
    assert fixed.range == TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert cfg.monitors[0].baseline.kind == "fixed"


def test_fixed_times_are_taken_as_written_and_aligned_to_buckets(parse):
    cfg = parse(_monitor('{fixed: {from: "2026-01-01T06:00:00Z", to: "2026-01-03T12:00:00Z"}}')).config
    mon = cfg.monitors[0]
    assert mon.baseline.fixed.end == datetime(2026, 1, 3, 12, tzinfo=UTC)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    focal, base = monitor_windows(mon, cfg.models["credit"], at, timedelta(days=1))
    # aligned outwards to whole days (the model's buckets), the same at every `at`
    assert base == TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 4, tzinfo=UTC))
    assert monitor_windows(mon, cfg.models["credit"], at + timedelta(days=9), timedelta(days=1))[1] == base
    # a run before the period ends reads only what existed: cut at the focal window's end
    early = monitor_windows(mon, cfg.models["credit"], datetime(2026, 1, 3, tzinfo=UTC), timedelta(days=1))[1]
    assert early == TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
    assert focal.end == at


def test_fixed_ending_before_it_starts(error):
    msg = one(error(_monitor("{fixed: {from: 2026-02-01, to: 2026-01-01}}")))
    assert msg.startswith("telltale.yml:21:")
    assert "monitors[0].baseline.fixed.to" in msg and "give `to` later than `from`" in msg


def test_fixed_not_a_date(error):
    msg = one(error(_monitor("{fixed: {from: last month, to: 2026-01-01}}")))
    assert msg.startswith("telltale.yml:21:")
    assert "'last month' is not a time; write e.g. 2026-03-13" in msg


def test_fixed_missing_to(error):
    msg = one(error(_monitor("{fixed: {from: 2026-01-01}}")))
    assert msg.startswith("telltale.yml:21:") and "to" in msg


def test_two_baselines_at_once(error):
    msg = one(error(_monitor("{window: {last: 7d}, fixed: {from: 2026-01-01, to: 2026-01-31}}")))
    assert msg.startswith("telltale.yml:21:")
    assert "exactly one of window, training or fixed" in msg


def _estimated(extra: str = "", model_extra: str = "") -> str:
    text = BASE.replace("    segments: [region]\n", "    segments: [region]\n" + model_extra)
    return text + f"""\
  - name: est
    model: credit
    type: estimated_performance
    metric: f1
    detection: {{absolute: {{min: 0.5}}}}
{extra}"""


def test_estimated_performance_defaults_to_the_only_score_and_label(parse):
    mon = parse(_estimated()).config.monitors[0]
    assert (mon.metric, mon.score, mon.label, mon.threshold) == ("f1", None, None, 0.5)


def test_estimated_performance_unknown_score(error):
    msg = one(error(_estimated("    score: approved\n")))
    assert msg.startswith("telltale.yml:23:12: monitors[0].score: model credit has no numeric prediction "
                          "'approved'; score names one of its numeric predictions (score)")


def test_estimated_performance_unknown_metric(error):
    msg = one(error(_estimated().replace("metric: f1", "metric: log_loss")))
    assert msg.startswith("telltale.yml:21:13: monitors[0].metric: 'log_loss' is not allowed")
    assert "auc_roc" in msg


def test_estimated_performance_threshold_inside_0_1(error):
    msg = one(error(_estimated("    threshold: 1.5\n")))
    assert msg.startswith("telltale.yml:23:16: monitors[0].threshold:")


def test_estimated_performance_needs_a_binary_model(error):
    text = _estimated().replace("    type: binary\n", "    type: regression\n")
    msg = one(error(text))
    assert "monitors[0].type: estimated_performance estimates binary classifiers and model credit " \
           "is regression" in msg
