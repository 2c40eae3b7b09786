"""Runs inside Evidently's own virtual environment: Report([DataDriftPreset()]) with its
defaults on each saved window (npz from alert_quality.py); prints one JSON line per window."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def codes(counts: np.ndarray) -> np.ndarray:
    """The rows behind category counts: category j repeated counts[j] times."""
    return np.repeat(np.array([f"v{j}" for j in range(counts.size)]), counts)


def frames(z: np.lib.npyio.NpzFile) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str], dict[str, str]]:
    ref, cur, num, cat, names = {}, {}, [], [], {}
    for i, key in enumerate(sorted({k.rsplit("|", 1)[0] for k in z.files})):
        col = f"c{i}"
        names[col] = key
        if key.startswith("num|"):
            ref[col], cur[col] = z[key + "|ref"], z[key + "|cur"]
            num.append(col)
        else:
            ref[col], cur[col] = codes(z[key + "|ref"]), codes(z[key + "|cur"])
            cat.append(col)
    return pd.DataFrame(ref), pd.DataFrame(cur), num, cat, names


def main() -> None:
    for path in sys.argv[1:]:
        t = time.time()
        ref, cur, num, cat, names = frames(np.load(path))
        definition = DataDefinition(numerical_columns=num, categorical_columns=cat)
        snap = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                               Dataset.from_pandas(ref, data_definition=definition))
        out = {}
        for m in snap.dict()["metrics"]:
            cfg = m.get("config", {})
            col = cfg.get("column")
            if col in names and "threshold" in cfg:
                score, method = float(m["value"]), str(cfg.get("method"))
                pv = "p_value" in method.lower()
                out[names[col]] = {"method": method, "value": score,
                                   "drifted": bool(score < cfg["threshold"] if pv else score >= cfg["threshold"])}
        print(json.dumps({"file": Path(path).name, "seconds": time.time() - t, "columns": out}), flush=True)


if __name__ == "__main__":
    main()
