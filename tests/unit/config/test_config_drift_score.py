"""`method: score` with `importance`: mistakes name file:line and the fix."""

from __future__ import annotations

from test_config_errors import BASE, one


def _monitor(extra: str) -> str:
    return BASE + f"""\
  - name: drift
    model: credit
    type: data_drift
    columns: [income, region]
{extra}"""


def test_score_with_importance(parse):
    mon = parse(_monitor("    method: score\n    importance: {income: 2, region: 1}\n")).config.monitors[0]
    assert mon.method == "score" and mon.threshold == 0.1 and mon.importance == {"income": 2, "region": 1}


def test_importance_needs_method_score(error):
    msg = one(error(_monitor("    method: psi\n    importance: {income: 2}\n")))
    assert msg.startswith("telltale.yml:23:")
    assert "monitors[0].importance: importance weighs the columns of method: score" in msg


def test_importance_of_a_column_not_watched(error):
    msg = one(error(_monitor("    method: score\n    importance: {incom: 2}\n")))
    assert msg.startswith("telltale.yml:23:")
    assert "monitors[0].importance.incom: importance names 'incom', which this monitor does not look at" in msg
    assert "did you mean 'income'" in msg


def test_importance_weights_not_negative_and_not_all_zero(error):
    msg = one(error(_monitor("    method: score\n    importance: {income: -1}\n")))
    assert "monitors[0].importance.income" in msg and "must be at least 0, got the number -1" in msg
    msg = one(error(_monitor("    method: score\n    importance: {income: 0}\n")))
    assert "give at least one column a weight above 0" in msg
