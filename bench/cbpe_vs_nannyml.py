"""telltale's estimated_performance vs NannyML's CBPE on the same data, and vs the realized
values (sklearn, every label known).

The data is the loans model of the end-to-end tests (tests/e2e/loans_project.py): ~3k
predictions a day for 40 days, a calibrated score (label ~ Bernoulli(score)) whose
distribution shifts on day 33. Both estimators learn from the same reference period
(days 0 to 25, labelled) and estimate days 26 to 39 (one chunk per day): telltale with
`baseline: {fixed: ...}` from pushed-down score histograms, NannyML's CBPE from the raw
rows in pandas. NannyML is not a dependency of telltale; it runs in a separate Python
given on the command line, in a subprocess:

    python bench/cbpe_vs_nannyml.py            # creates bench/.venvs/nannyml on first use (as peers.py)
    python bench/cbpe_vs_nannyml.py --nannyml-python /tmp/nml/bin/python   # or a Python of your own
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from loans_project import DAYS, day_start, make_rows, write_project  # noqa: E402

REFERENCE_DAYS = 26
METRICS = {"f1": "f1", "auc_roc": "roc_auc", "accuracy": "accuracy"}

NANNYML = """
import json, sys
import pandas as pd
import nannyml as nml
ref = pd.read_parquet(sys.argv[1]); ana = pd.read_parquet(sys.argv[2])
est = nml.CBPE(y_pred_proba="score", y_pred="pred", y_true="defaulted", timestamp_column_name="ts",
               metrics=["f1", "roc_auc", "accuracy"], chunk_period="D", problem_type="classification_binary")
est.fit(ref)
res = est.estimate(ana).to_df()
out = {}
for m in ["f1", "roc_auc", "accuracy"]:
    out[m] = {str(k)[:10]: float(v) for k, v in zip(res[("chunk", "start_date")], res[(m, "value")])}
print(json.dumps(out))
"""


def _telltale(root: Path) -> dict[str, dict[str, float]]:
    from typer.testing import CliRunner

    from telltale.cli.main import app
    from telltale.core.timeutil import iso

    out: dict[str, dict[str, float]] = {m: {} for m in METRICS}
    for day in range(REFERENCE_DAYS, DAYS):
        res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", iso(day_start(day + 1)), "--json"])
        for r in json.loads(res.stdout)["results"]:
            out[r["monitor"]][day_start(day).date().isoformat()] = r["value"]
    return out


def _realized(rows: dict) -> dict[str, dict[str, float]]:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    out: dict[str, dict[str, float]] = {m: {} for m in METRICS}
    days = rows["ts"].astype("datetime64[D]")
    for day in range(REFERENCE_DAYS, DAYS):
        key = day_start(day).date().isoformat()
        keep = days == np.datetime64(key)
        y, s = rows["defaulted"][keep], rows["score"][keep]
        out["f1"][key] = f1_score(y, s >= 0.5)
        out["auc_roc"][key] = roc_auc_score(y, s)
        out["accuracy"][key] = accuracy_score(y, s >= 0.5)
    return out


def main() -> None:
    """Run both estimators and print the per-day table and the largest differences."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nannyml-python", help="a Python with nannyml installed (default: NannyML's own "
                                             "virtual environment under bench/.venvs/, created on first use)")
    args = ap.parse_args()
    if args.nannyml_python is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from peers import peer_python

        args.nannyml_python = peer_python("nannyml")
    import pandas as pd

    rows = make_rows()
    ref_end = day_start(REFERENCE_DAYS - 1).date().isoformat()
    monitors = "".join(
        f"  - {{name: {m}, model: loans, type: estimated_performance, metric: {m}, "
        f"baseline: {{fixed: {{from: {day_start(0).date()}, to: {ref_end}}}}}, "
        "detection: {absolute: {min: 0}}}\n" for m in METRICS)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp) / "p", monitors)
        ours = _telltale(root)
        df = pd.DataFrame({"ts": rows["ts"].astype("datetime64[us]"), "score": rows["score"],
                           "pred": (rows["score"] >= 0.5).astype(int),
                           "defaulted": rows["defaulted"].astype(int)})
        cut = np.datetime64(day_start(REFERENCE_DAYS).replace(tzinfo=None))
        df[df.ts < cut].to_parquet(Path(tmp) / "ref.parquet")
        df[df.ts >= cut].drop(columns="defaulted").to_parquet(Path(tmp) / "ana.parquet")
        proc = subprocess.run([args.nannyml_python, "-c", NANNYML, str(Path(tmp) / "ref.parquet"),
                               str(Path(tmp) / "ana.parquet")], capture_output=True, text=True, check=True)
        theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    real = _realized(rows)
    print(f"{'day':10} " + " ".join(f"{m + ' ' + w:>18}" for m in METRICS for w in ("telltale", "nannyml", "real")))
    worst: dict[str, list[float]] = {m: [0.0, 0.0, 0.0] for m in METRICS}
    for day in sorted(real["f1"]):
        cells = []
        for m, nm in METRICS.items():
            t, n, r = ours[m][day], theirs[nm][day], real[m][day]
            cells += [f"{t:18.4f}", f"{n:18.4f}", f"{r:18.4f}"]
            worst[m] = [max(worst[m][0], abs(t - n)), max(worst[m][1], abs(t - r)), max(worst[m][2], abs(n - r))]
        print(f"{day:10} " + " ".join(cells))
    for m, (tn, tr, nr) in worst.items():
        print(f"{m}: max |telltale - nannyml| {tn:.4f}, |telltale - realized| {tr:.4f}, "
              f"|nannyml - realized| {nr:.4f}")


if __name__ == "__main__":
    main()
