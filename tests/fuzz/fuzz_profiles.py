"""Hypothesis profiles of the fuzz tests: `default` (a few hundred cases, the same every run)
and `nightly` (over 10,000 cases, new ones each run), chosen by TELLTALE_FUZZ_PROFILE."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE = os.environ.get("TELLTALE_FUZZ_PROFILE", "default")
# examples per unit of weight; a test's max_examples is its weight times this
PER_WEIGHT = {"default": 20, "nightly": 1000}
if os.environ.get("TELLTALE_FUZZ_EXAMPLES"):   # e.g. a quick exploratory run: nightly with 50
    PER_WEIGHT[PROFILE] = int(os.environ["TELLTALE_FUZZ_EXAMPLES"])


def register() -> None:
    """Register both profiles (called by tests/fuzz/conftest.py)."""
    # no shrinking: each case runs three commands, and the failure report prints the whole
    # project (telltale.yml and metric files) that failed
    common = {"deadline": None, "suppress_health_check": list(HealthCheck), "print_blob": True,
              "phases": [Phase.explicit, Phase.reuse, Phase.generate]}
    settings.register_profile("fuzz-default", max_examples=PER_WEIGHT["default"],
                              derandomize=True, database=None, **common)
    settings.register_profile("fuzz-nightly", max_examples=PER_WEIGHT["nightly"], **common)


def fuzz(weight: int) -> settings:
    """The settings of one fuzz test: the profile's examples times `weight`."""
    if PROFILE not in PER_WEIGHT:
        raise ValueError(f"TELLTALE_FUZZ_PROFILE must be one of {sorted(PER_WEIGHT)}, got {PROFILE!r}")
    register()
    base = settings.get_profile(f"fuzz-{PROFILE}")
    return settings(base, max_examples=PER_WEIGHT[PROFILE] * weight)
