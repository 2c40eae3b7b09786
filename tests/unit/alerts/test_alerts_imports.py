"""What a run without alert deliveries imports of the alerts package (a fixed cost of every run).

`telltale.config` needs the channels' config classes only; the alerts step of every run
(`alerts.dispatch`) needs the outbox but not tenacity, which is imported when a notice is
sent. The package's public names still resolve (imported from their modules on first use).
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_config_imports_channel_configs_but_not_the_outbox() -> None:
    mods = _modules_after("import telltale.config")
    assert "telltale.alerts.channels.webhook" in mods                 # the config union needs them
    assert not {"telltale.alerts.outbox", "telltale.alerts.lifecycle", "tenacity"} & mods


def test_the_alerts_step_of_a_run_does_not_import_tenacity() -> None:
    mods = _modules_after("import telltale.config, telltale.alerts.dispatch")
    assert "telltale.alerts.outbox" in mods and "tenacity" not in mods


def test_public_names_resolve_lazily() -> None:
    import telltale.alerts as alerts
    from telltale.alerts import RetrySettings, deliver_pending, send_test_alert
    from telltale.alerts.outbox import RetrySettings as Home

    assert RetrySettings is Home and callable(deliver_pending) and callable(send_test_alert)
    assert set(alerts.__all__) == set(alerts._HOMES)
    for name in alerts.__all__:
        assert getattr(alerts, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        alerts.nope  # noqa: B018
