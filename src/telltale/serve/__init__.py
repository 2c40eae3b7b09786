"""`telltale serve`: the scheduler, the dashboard and its JSON API, Prometheus `/metrics`."""

from __future__ import annotations
