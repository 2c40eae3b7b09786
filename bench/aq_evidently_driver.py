"""Evidently's default drift tests on the study's saved windows, in its own virtual
environment (created by bench/peers.py's `peer_python`, as the peers benchmark does)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
TIMEOUT = {10_000: 1500, 100_000: 1200}
"""Seconds Evidently may take per size (other sizes: 900); the windows it finished by then
are reported."""


def work_dir() -> Path:
    """A fresh directory for the windows handed to Evidently."""
    return Path(tempfile.mkdtemp(prefix="alert_quality_"))


def run(keep_dir: Path | None, plan: dict[int, int], log: Callable[[str], None],
        ready: Callable[[int], None] = lambda n: None) -> dict[str, Any]:
    """{"rows|shape|variant": {"alerts", "n", "method", "seconds"}} or {"error": why}; `ready(n)`
    returns once the windows of n rows are saved."""
    if keep_dir is None:
        return {"skipped": "no windows"}
    try:
        import peers

        python = peers.peer_python("evidently")
    except Exception as exc:  # noqa: BLE001 - offline, no wheel, ...: said plainly in the report
        return {"error": f"Evidently could not be installed here: {exc}"}
    out: dict[str, Any] = {}
    spec = " ".join(peers.PEER_SPECS["evidently"])
    for n, windows in plan.items():
        ready(n)
        files = [str(keep_dir / f"w{n}_{w}.npz") for w in range(windows)]
        log(f"Evidently ({spec}) on {windows} windows of {n:,} rows ...")
        try:
            proc = subprocess.run([python, str(HERE / "aq_evidently_worker.py"), *files],
                                  capture_output=True, text=True, timeout=TIMEOUT.get(n, 900))
            stdout = proc.stdout
            if proc.returncode != 0:
                return {"error": f"Evidently failed: {proc.stderr.strip().splitlines()[-1:]}"}
        except subprocess.TimeoutExpired as exc:   # keep the windows it finished
            raw = exc.stdout or b""
            stdout = raw.decode() if isinstance(raw, bytes) else raw
            out[f"cut|{n}"] = f"stopped after {TIMEOUT.get(n, 900)} s"
        for line in stdout.splitlines():
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            for key, r in row["columns"].items():
                kind, shape, variant = key.split("|")
                e = out.setdefault(f"{n}|{shape}|{variant}", {"alerts": 0, "n": 0, "methods": [], "seconds": 0.0})
                e["alerts"] += r["drifted"]
                e["n"] += 1
                if r["method"] not in e["methods"]:
                    e["methods"].append(r["method"])
            out.setdefault(f"seconds|{n}", 0.0)
            out[f"seconds|{n}"] += row["seconds"]
            out[f"windows|{n}"] = out.get(f"windows|{n}", 0) + 1
    out["spec"] = spec
    return out
