"""Benchmark: the peers' drift job, whole process, telltale vs pandas + scipy vs NannyML vs Evidently.

The job (issue 6, item 1): 30 days of predictions in a DuckDB file, 20 numeric + 5
categorical feature columns; drift per column of one focal day (day 29) against a 28-day
reference (days 0..27; day 28 is skipped, as telltale's `baseline: {window: {last: 28d,
skip: 1d}}` does). Every tool reads the data itself from the same file, in its own
process; the parent measures each whole process (wall seconds from start to exit, peak
RSS from the kernel's rusage of that process alone) and prints one table with ratios to
pandas + scipy measured in the same run.

    python bench/peers.py                                  # 1M and 10M rows, all tools, median of 1
    python bench/peers.py --rows 1e6 --tools telltale,pandas --repeat 3
    python bench/peers.py --write                          # also update bench/BENCHMARKS.md
    python bench/peers.py --rows 1e6 --profile             # only: where a telltale cold run's time goes

Tools (`--tools`, comma-separated; default all):

* `telltale`: `telltale run --at 2025-01-31T00:00:00 --json` on a project with two
  `data_drift` monitors on one model (`ks` on the 20 numeric columns, `chi2` = Cramér's V
  on the 5 categorical ones; default threshold 0.1 each). `cold` = fresh state store (the
  run scans days 0..27 and 29); `warm` = the daily run on a store already holding days
  0..28 (filled once by the runs at 2025-01-29 and 2025-01-30 and copied before each
  repetition), so only day 29 is scanned. `cold, DuckDB memory_limit` = the cold run with
  `memory_limit: 128MB` (`--memory-limit`) on the connection: DuckDB's buffers are
  capped, so its peak RSS at 1M and 10M rows shows how telltale's own memory grows with
  the row count.
  Warehouse seconds = the sum of `queries[].seconds` of the JSON output.
* `pandas`: pandas + scipy exact: the 29 days read into one DataFrame with DuckDB's
  `.df()`, `scipy.stats.ks_2samp` per numeric column and `scipy.stats.chi2_contingency`
  (no Yates correction; Cramér's V) per categorical column. Its values are the reference
  of the correctness column; its verdicts use telltale's rule (statistic >= 0.1).
* `nannyml`: NannyML 0.13.1 `UnivariateDriftCalculator` (`kolmogorov_smirnov` and `chi2`,
  daily chunks, its own alert rules), in its own virtual environment.
* `evidently`: Evidently 0.7.23 `Report([DataDriftPreset()])` with `pandas<3` (its own
  per-column defaults: Wasserstein / Jensen-Shannon at 0.1 on this many rows), in its own
  virtual environment.

NannyML and Evidently each get a virtual environment created on first use under
`bench/.venvs/` (gitignored), with the same DuckDB version as this interpreter, so their
pins never touch telltale's dependencies. Every tool process is killed after `--timeout`
seconds (default 600) and reported as `> 600 (killed)`; a peer whose resident memory
passes `--mem-cap` GB (default 16) is killed too, so a shared machine is not pushed into
swap. A tool that fails is reported as failed, with its last error line, and the run goes on.

Data: `bench/data/peers_<rows>.duckdb` (gitignored), generated once inside DuckDB with SQL
(hash-based random numbers: deterministic; about 50 s for 10M rows) and reused. Table
`predictions(prediction_id, ts, f0..f19, c0..c4, score)`, rows spread evenly over 30 days
from 2025-01-01 in time order. The numeric features are those of `fused_scan.py`; f0, f5,
f9, f13, f17 and the categorical c1 and c4 drift on day 29; the other 18 do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pycache import precompile

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
VENVS = HERE / ".venvs"
RESULTS = HERE / "results"
MD = HERE / "BENCHMARKS.md"
SECTION = "## Peers: the drift job, whole process"

NUMERIC = [f"f{i}" for i in range(20)]
CATEGORICAL = [f"c{i}" for i in range(5)]
COLUMNS = NUMERIC + CATEGORICAL
DRIFTED = ["f0", "f5", "f9", "f13", "f17", "c1", "c4"]
THRESHOLD = 0.1                      # telltale's default for ks and chi2 (Cramér's V)
DAYS = 30
START = datetime(2025, 1, 1)         # naive = UTC
FOCAL_DAY = 29
AT = START + timedelta(days=FOCAL_DAY + 1)            # the run's --at: evaluates day 29
REF_END = START + timedelta(days=28)                   # reference = days 0..27
FOCAL_START, FOCAL_END = START + timedelta(days=FOCAL_DAY), START + timedelta(days=DAYS)
TOOLS = ["telltale", "pandas", "nannyml", "evidently"]
LABELS = {"pandas": "pandas + scipy exact", "nannyml": "NannyML 0.13.1 UnivariateDriftCalculator",
          "evidently": "Evidently 0.7.23 DataDriftPreset"}
# nannyml 0.13.1 imports statsmodels without declaring it, and is not made for pandas 3
PEER_SPECS = {"evidently": ["evidently==0.7.23", "pandas<3"],
              "nannyml": ["nannyml==0.13.1", "statsmodels", "pandas<3", "pyarrow"]}
MEMORY_LIMIT = "128MB"         # DuckDB cap of the memory-capped cold run (--memory-limit)

# ------------------------------------------------------------------------------ data

# (column, SQL of a category; `d` = 1 on the drifted day 29, else 0; u(i, k) uniform in (0, 1))
CATEGORICAL_SQL = [
    ("c0", "'k' || CAST(floor(5 * u(i, 300)) AS INTEGER)"),                       # 5 uniform
    ("c1", "CASE WHEN d = 1 AND u(i, 301) < 0.28 THEN 'k0' "                       # 10 uniform; k0 10% -> 35%
           "ELSE 'k' || CAST(floor(10 * u(i, 401)) AS INTEGER) END"),
    ("c2", "CASE WHEN u(i, 302) < 0.7 THEN 'low' WHEN u(i, 302) < 0.9 THEN 'mid' ELSE 'high' END"),
    ("c3", "'city' || CAST(floor(60 * power(u(i, 303), 2)) AS INTEGER)"),        # 60, skewed
    ("c4", "CASE WHEN d = 1 AND u(i, 304) < 0.8 THEN 'k' || CAST(floor(2 * u(i, 404)) AS INTEGER) "
           "ELSE 'k' || CAST(floor(8 * u(i, 404)) AS INTEGER) END"),             # 8 uniform -> 2 at 42%
]


def data_path(rows: int) -> Path:
    """The cached DuckDB file for `rows` rows."""
    return DATA / f"peers_{rows}.duckdb"


def ensure_data(rows: int) -> Path:
    """Generate the warehouse file once (inside DuckDB, deterministic); reuse it afterwards."""
    sys.path.insert(0, str(HERE))
    from fused_scan import FEATURE_SQL, write_predictions   # the same 20 numeric features

    if DAYS != 30 or START != datetime(2025, 1, 1):
        raise SystemExit("peers.py shares fused_scan.py's 30 days from 2025-01-01")
    columns = [f"CAST({sql} AS DOUBLE) AS {name}" for name, sql in FEATURE_SQL]
    columns += [f"CAST({sql} AS VARCHAR) AS {name}" for name, sql in CATEGORICAL_SQL]
    return write_predictions(data_path(rows), rows, columns)


def _ts(t: datetime) -> str:
    return f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S}'"


def job_sql(columns: list[str]) -> str:
    """The rows every peer reads: the reference days 0..27 and the focal day 29."""
    return (f"SELECT {', '.join(columns)} FROM predictions WHERE ts < {_ts(REF_END)} "
            f"OR (ts >= {_ts(FOCAL_START)} AND ts < {_ts(FOCAL_END)})")


def log(msg: str) -> None:
    """Progress on stderr."""
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ telltale project

def project_yaml(db: Path, memory_limit: str | None = None) -> str:
    """telltale.yml: one model, 25 features, data_drift with ks (numeric) and chi2 (categorical)."""
    feats = ", ".join([f"{c}: numeric" for c in NUMERIC] + [f"{c}: categorical" for c in CATEGORICAL])
    opts = f", options: {{memory_limit: {memory_limit}}}" if memory_limit else ""
    return f"""\
version: 1
store: sqlite:///state.db
connections:
  wh: {{type: duckdb, database: "{db}"{opts}}}
models:
  bench:
    type: binary
    connection: wh
    source: {{table: predictions}}
    id: prediction_id
    timestamp: ts
    features: {{{feats}}}
    predictions: {{score: numeric}}
    granularity: day
    baseline: {{window: {{last: 28d, skip: 1d}}}}
monitors:
  - name: drift_numeric
    model: bench
    type: data_drift
    columns: [{", ".join(NUMERIC)}]
    method: ks
  - name: drift_categorical
    model: bench
    type: data_drift
    columns: [{", ".join(CATEGORICAL)}]
    method: chi2
"""


def telltale_cmd(project: Path, at: datetime) -> list[str]:
    """`telltale run --at AT --json` with the console script of this interpreter's environment."""
    exe = Path(sys.executable).parent / "telltale"
    script = str(exe) if exe.exists() else (shutil.which("telltale") or "telltale")
    return [script, "run", "-p", str(project), "--at", f"{at:%Y-%m-%dT%H:%M:%S}", "--json"]


def parse_telltale(stdout: str) -> dict:
    """Values, verdicts and warehouse seconds from `run --json`."""
    out = json.loads(stdout)
    values, verdicts, errors = {}, {}, []
    for r in out["results"]:
        if r["status"] == "error" or r["value"] is None:
            errors.append(f"{r['column']}: {r['status']} {r.get('error') or r.get('message')}")
            continue
        values[r["column"]] = r["value"]
        verdicts[r["column"]] = r["status"] == "alert"
    by_kind: dict[str, float] = {}
    for q in out["queries"]:
        by_kind[q["kind"]] = by_kind.get(q["kind"], 0.0) + q["seconds"]
    return {"values": values, "drifted": verdicts, "errors": errors, "warehouse_by_kind": by_kind,
            "warehouse_s": sum(q["seconds"] for q in out["queries"]),
            "statements": len(out["queries"]), "rows_returned": sum(q["rows"] for q in out["queries"])}


# ------------------------------------------------------------------------------ peer phases (children)

def phase_pandas(db: Path) -> dict:
    """pandas + scipy exact: read the 29 days into pandas, KS / chi2 per column."""
    import duckdb
    import numpy as np
    from scipy.stats import chi2_contingency, ks_2samp

    con = duckdb.connect(str(db), read_only=True)
    df = con.sql(job_sql(["ts"] + COLUMNS)).df()
    con.close()
    focal = (df["ts"] >= FOCAL_START).to_numpy()
    values, pvalues = {}, {}
    for c in NUMERIC:
        v = df[c].to_numpy()
        res = ks_2samp(v[~focal], v[focal])
        values[c], pvalues[c] = float(res.statistic), float(res.pvalue)
    for c in CATEGORICAL:
        codes, _ = df[c].factorize()
        k = int(codes.max()) + 1
        table = np.vstack([np.bincount(codes[~focal], minlength=k), np.bincount(codes[focal], minlength=k)])
        table = table[:, table.sum(axis=0) > 0]
        res = chi2_contingency(table, correction=False)
        values[c] = float(np.sqrt(res.statistic / (table.sum() * (min(table.shape) - 1))))
        pvalues[c] = float(res.pvalue)
    return {"values": values, "pvalues": pvalues, "rows_read": len(df),
            "drifted": {c: values[c] >= THRESHOLD for c in COLUMNS},
            "rule": f"statistic >= {THRESHOLD} (KS; Cramér's V)"}


def _frames(db: Path, with_ts: bool):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    cols = ["ts"] + COLUMNS
    ref = con.sql(f"SELECT {', '.join(cols)} FROM predictions WHERE ts < {_ts(REF_END)}").df()
    cur = con.sql(f"SELECT {', '.join(cols)} FROM predictions WHERE ts >= {_ts(FOCAL_START)} "
                  f"AND ts < {_ts(FOCAL_END)}").df()
    con.close()
    if not with_ts:
        ref, cur = ref.drop(columns="ts"), cur.drop(columns="ts")
    return ref, cur


def phase_evidently(db: Path) -> dict:
    """Evidently: Report([DataDriftPreset()]) on the reference and focal frames."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    ref, cur = _frames(db, with_ts=False)
    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                               Dataset.from_pandas(ref, data_definition=definition))
    values, drifted, methods = {}, {}, {}
    for m in snapshot.dict()["metrics"]:
        cfg = m.get("config", {})
        col = cfg.get("column")
        if col in COLUMNS and "threshold" in cfg:
            score = float(m["value"])
            values[col] = score
            methods[col] = cfg.get("method")
            # Evidently's ValueDrift: p-value methods drift when p < threshold, distances when >= threshold
            is_pvalue = "p_value" in str(cfg.get("method", "")).lower()
            drifted[col] = score < cfg["threshold"] if is_pvalue else score >= cfg["threshold"]
    return {"values": values, "drifted": drifted, "methods": methods,
            "rule": "its per-column defaults: " + ", ".join(sorted({str(v) for v in methods.values()}))}


def phase_nannyml(db: Path) -> dict:
    """NannyML: UnivariateDriftCalculator (KS, chi2), daily chunks, fit on days 0..27, day 29."""
    import nannyml as nml

    ref, cur = _frames(db, with_ts=True)
    calc = nml.UnivariateDriftCalculator(
        column_names=COLUMNS, treat_as_categorical=CATEGORICAL, timestamp_column_name="ts",
        continuous_methods=["kolmogorov_smirnov"], categorical_methods=["chi2"], chunk_period="D")
    calc.fit(ref)
    res = calc.calculate(cur).filter(period="analysis").to_df()
    values, drifted = {}, {}
    for c in COLUMNS:
        method = "kolmogorov_smirnov" if c in NUMERIC else "chi2"
        sub = res[(c, method)]
        values[c] = float(sub["value"].iloc[-1])
        drifted[c] = bool(sub["alert"].iloc[-1])
    return {"values": values, "drifted": drifted, "chunks": int(len(res)),
            "rule": "its defaults (KS and chi2: alert when p < 0.05)"}


PHASES = {"pandas": phase_pandas, "evidently": phase_evidently, "nannyml": phase_nannyml}


# ------------------------------------------------------------------------------ measuring

def measure(cmd: list[str], timeout: float, mem_cap_gb: float = 0.0, cwd: Path | None = None) -> dict:
    """Run `cmd` in a one-off wrapper process; its wall seconds, peak RSS, exit code, output.

    The wrapper (this script with `--measure`) starts the command in its own session,
    times it, kills the whole session at the time limit (or when the process's resident
    memory passes `mem_cap_gb`, if > 0: the machine is shared), and reads the kernel's
    rusage of its only child (so the peak RSS is that process's, not the maximum of
    earlier ones).
    """
    with tempfile.TemporaryDirectory(prefix="peers-measure-") as tmp:
        report = Path(tmp) / "report.json"
        stdout = Path(tmp) / "stdout"
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", str(report),
                        str(stdout), str(timeout), str(mem_cap_gb), "--", *cmd], cwd=cwd, check=True)
        out = json.loads(report.read_text())
        out["stdout"] = stdout.read_text(errors="replace")
    return out


def _rss_now_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def _measure_main(report: str, stdout: str, timeout: float, mem_cap_gb: float, cmd: list[str]) -> None:
    with open(stdout, "w") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)
        timed_out = mem_capped = False
        while True:
            try:
                proc.wait(timeout=0.25 if mem_cap_gb > 0 else timeout)
                break
            except subprocess.TimeoutExpired:
                if mem_cap_gb > 0 and _rss_now_mb(proc.pid) > mem_cap_gb * 1024:
                    mem_capped = True
                elif time.perf_counter() - t < timeout:
                    continue
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
        wall = time.perf_counter() - t
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        err.seek(0)
        tail = err.read()[-3000:]
    Path(report).write_text(json.dumps({
        "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024.0,
        "rc": proc.returncode, "timed_out": timed_out, "mem_capped": mem_capped, "stderr": tail}))


def peer_python(tool: str) -> str:
    """The interpreter of a tool: this one for pandas, a venv of its own for the others."""
    if tool == "pandas":
        return sys.executable
    import duckdb

    venv = VENVS / tool
    spec = PEER_SPECS[tool] + [f"duckdb=={duckdb.__version__}"]
    marker = venv / ".bench-ready"
    if not (marker.exists() and marker.read_text().split() == spec):
        log(f"creating {venv} ({' '.join(spec)}); once, a few minutes ...")
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *spec], check=True)
        marker.write_text(" ".join(spec))
    return str(venv / "bin" / "python")


def run_peer(tool: str, db: Path, timeout: float, mem_cap_gb: float) -> dict:
    """One whole process of a peer tool."""
    with tempfile.TemporaryDirectory(prefix=f"peers-{tool}-") as tmp:
        out = Path(tmp) / "result.json"
        env_cmd = [peer_python(tool), str(Path(__file__).resolve()), "--phase", tool, "--db", str(db),
                   "--out", str(out)]
        m = measure(env_cmd, timeout, mem_cap_gb)
        if not m["timed_out"] and m["rc"] == 0:
            m["result"] = json.loads(out.read_text())
        elif not m["timed_out"]:
            m["failed"] = f"exit {m['rc']}: {_last_line(m['stderr'])}"
            log(f"{tool} failed ({m['failed']})")
    return m


def _last_line(text: str) -> str:
    lines = [x.strip() for x in text.strip().splitlines() if x.strip()]
    return lines[-1][:300] if lines else ""


def run_telltale(db: Path, timeout: float, repeat: int, seed_store: Path,
                 memory_limit: str = MEMORY_LIMIT) -> dict[str, list[dict]]:
    """Cold runs, warm runs (on a copy of the seeded store) and one memory-capped cold run."""
    out: dict[str, list[dict]] = {"cold": [], "warm": [], "cold_capped": []}
    for r in range(repeat):
        for kind in ("cold", "warm") + (("cold_capped",) if r == 0 else ()):
            with tempfile.TemporaryDirectory(prefix="peers-telltale-") as tmp:
                proj = Path(tmp)
                capped = memory_limit if kind == "cold_capped" else None
                (proj / "telltale.yml").write_text(project_yaml(db, capped), encoding="utf-8")
                if kind == "warm":
                    shutil.copy(seed_store, proj / "state.db")
                log(f"  telltale {kind} {r + 1}/{repeat}")
                m = measure(telltale_cmd(proj, AT), timeout)
                out[kind].append(m)
                if m["timed_out"]:
                    continue
                if m["rc"] not in (0, 1, 3):
                    m["failed"] = f"exit {m['rc']}: {_last_line(m['stderr'])}"
                else:
                    m["result"] = parse_telltale(m["stdout"])
                    if m["result"]["errors"]:
                        m["failed"] = m["result"]["errors"][0][:300]
                if m.get("failed"):
                    log(f"telltale {kind} failed ({m['failed']})")
    return out


def seed_store(db: Path, workdir: Path) -> Path:
    """A state store holding days 0..28: the daily runs at 2025-01-29 and 2025-01-30."""
    proj = workdir / "seed"
    proj.mkdir(parents=True, exist_ok=True)
    (proj / "telltale.yml").write_text(project_yaml(db), encoding="utf-8")
    for at in (AT - timedelta(days=2), AT - timedelta(days=1)):
        proc = subprocess.run(telltale_cmd(proj, at), capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"seeding the store failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return proj / "state.db"


# ------------------------------------------------------------------------------ orchestration

def parse_rows(text: str) -> list[int]:
    """`1e6,1e7` -> [1000000, 10000000]."""
    return [int(float(x)) for x in text.split(",") if x.strip()]


def machine() -> dict:
    """Cores, RAM, versions and the load average now."""
    import duckdb

    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "ram_gb": mem_gb, "duckdb": duckdb.__version__,
            "python": platform.python_version(), "os": platform.platform()}


def _save(res: dict, path: str | None) -> None:
    """Write the raw measurements so far (without the tools' stdout)."""
    if not path:
        return
    def clean(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if k != "stdout"}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    Path(path).write_text(json.dumps(clean(res), indent=1, default=str))


def run_all(rows_list: list[int], tools: list[str], repeat: int, telltale_repeat: int, timeout: float,
            mem_cap_gb: float, json_path: str | None = None, memory_limit: str = MEMORY_LIMIT) -> dict:
    """Every selected tool at every size; raw measurements."""
    res: dict[str, Any] = {"machine": machine(), "rows": rows_list, "tools": tools, "repeat": repeat,
                           "telltale_repeat": telltale_repeat, "timeout": timeout, "mem_cap_gb": mem_cap_gb,
                           "memory_limit": memory_limit, "started": now(), "load": [os.getloadavg()], "sizes": {}}
    for tool in tools:
        if tool in PEER_SPECS:
            peer_python(tool)
    if "telltale" in tools:
        precompile()   # as an installed wheel has them (bench/pycache.py)
    for rows in rows_list:
        db = ensure_data(rows)
        size: dict[str, Any] = {}
        res["sizes"][str(rows)] = size
        with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
            if "telltale" in tools:
                log(f"{rows:,} rows: seeding a store with days 0..28 for the warm run ...")
                store = seed_store(db, Path(tmp))
                size["telltale"] = run_telltale(db, timeout, telltale_repeat, store, memory_limit)
                _save(res, json_path)
        for tool in tools:
            if tool == "telltale":
                continue
            runs = []
            for r in range(repeat):
                log(f"{rows:,} rows: {tool} {r + 1}/{repeat} ...")
                m = run_peer(tool, db, timeout, mem_cap_gb)
                runs.append(m)
                if m["timed_out"]:
                    break        # one timeout says enough; do not spend N x the limit
            size[tool] = runs
            _save(res, json_path)
        res["load"].append(os.getloadavg())
    res["finished"] = now()
    return res


def now() -> str:
    """UTC now, to the minute."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------ report

def _med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _secs(runs: list[dict], timeout: float) -> tuple[str, float | None]:
    if any(r.get("failed") for r in runs):
        return "failed", None
    capped = [r for r in runs if r.get("mem_capped")]
    if capped:
        return f"killed at {capped[0]['wall']:.0f} (memory cap)", None
    if any(r["timed_out"] for r in runs):
        return f"> {timeout:g} (killed)", None
    s = _med(runs, "wall")
    return f"{s:.2f}", s


def _cpu_s(runs: list[dict]) -> str:
    if any(r["timed_out"] or r.get("failed") for r in runs):
        return ""
    return f"{_med(runs, 'cpu'):.1f}"


def _cpu_val(runs: list[dict]) -> float | None:
    if any(r["timed_out"] or r.get("failed") for r in runs):
        return None
    return _med(runs, "cpu")


def _cpu_ratio(runs: list[dict], base_cpu: float | None) -> str:
    c = _cpu_val(runs)
    return f"{c / base_cpu:.2f}" if c is not None and base_cpu else ""


def _rss(runs: list[dict]) -> str:
    mb = max(r["rss_mb"] for r in runs) if any(r["timed_out"] for r in runs) else _med(runs, "rss_mb")
    text = f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"
    return ("> " if any(r["timed_out"] for r in runs) else "") + text


def correctness(tool: str, run: dict, exact: dict | None) -> str:
    """The correctness cell: KS difference to scipy and verdicts."""
    if run.get("failed"):
        return "error: " + run["failed"].replace("|", "\\|")
    result = run.get("result")
    if result is None:
        return "n/a (killed)"
    drifted = {c for c, d in result["drifted"].items() if d}
    injected = set(DRIFTED)
    found = f"{len(drifted & injected)}/{len(injected)} injected drifts flagged"
    extra = sorted(drifted - injected, key=COLUMNS.index)
    found += f", {len(extra)} false alarms" + (f" ({', '.join(extra)})" if extra else "")
    if tool == "pandas" or exact is None:
        return found if tool != "pandas" else f"reference (exact); {found}"
    parts = []
    if tool in ("telltale", "nannyml"):
        d, col = max((abs(result["values"][c] - exact["values"][c]), c) for c in NUMERIC)
        parts.append(f"max \\|KS - scipy\\| {d:.4f} ({col})")
    if tool == "telltale":
        dv, cv = max((abs(result["values"][c] - exact["values"][c]), c) for c in CATEGORICAL)
        parts.append(f"max \\|V - scipy\\| {dv:.4f} ({cv})")
        agree = sum(result["drifted"][c] == exact["drifted"][c] for c in COLUMNS)
        parts.append(f"verdicts agree with scipy's {agree}/{len(COLUMNS)}")
    parts.append(found)
    return "; ".join(parts)


def _spread(runs: list[dict]) -> str:
    """How far apart the values of runs of the same job are (the cold runs and the capped one)."""
    vals = [r["result"]["values"] for r in runs if r.get("result") and not r.get("failed")]
    if len(vals) < 2:
        return ""
    d, col = max((max(v[c] for v in vals) - min(v[c] for v in vals), c) for c in COLUMNS)
    return f"values of this run and the cold runs within {d:.4f} of each other ({col})"


def table(res: dict) -> str:
    """The markdown table of one run of the benchmark."""
    t = res["timeout"]
    lines = ["| tool | rows | run | seconds | x pandas+scipy | CPU s | x pandas+scipy (CPU) | peak RSS | "
             "warehouse s | correctness |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for rows in res["rows"]:
        size = res["sizes"].get(str(rows), {})
        exact = None
        base = base_cpu = None
        if size.get("pandas"):
            p = size["pandas"]
            base = _secs(p, t)[1]
            base_cpu = _cpu_val(p)
            exact = None if p[0].get("failed") else p[0].get("result")
        for tool in TOOLS:
            if tool not in size:
                continue
            if tool == "telltale":
                variants = [("cold", "cold (fresh store)"), ("warm", "warm (daily; store holds days 0..28)"),
                            ("cold_capped", f"cold, DuckDB memory_limit {res.get('memory_limit', '256MB')}")]
                for key, label in variants:
                    runs = size["telltale"][key]
                    txt, s = _secs(runs, t)
                    ratio = f"{s / base:.2f}" if s is not None and base else ""
                    good = [r for r in runs if r.get("result") and not r.get("failed")]
                    wh = f"{statistics.median(r['result']['warehouse_s'] for r in good):.2f}" if good else ""
                    corr = correctness("telltale", runs[0], exact)
                    if key == "cold_capped" and not runs[0].get("failed"):
                        corr = _spread(runs + size["telltale"]["cold"])
                    lines.append(f"| {'**telltale**' if key == 'cold' else 'telltale'} | {rows:,} | {label} | "
                                 f"{txt} | {ratio} | {_cpu_s(runs)} | {_cpu_ratio(runs, base_cpu)} | {_rss(runs)} | "
                                 f"{wh} | {corr} |")
                continue
            runs = size[tool]
            txt, s = _secs(runs, t)
            ratio = "1.00" if tool == "pandas" else (f"{s / base:.2f}" if s is not None and base else "")
            lines.append(f"| {LABELS[tool]} | {rows:,} | whole process | {txt} | {ratio} | {_cpu_s(runs)} | "
                         f"{_cpu_ratio(runs, base_cpu)} | {_rss(runs)} | | "
                         f"{correctness(tool, runs[0], exact)} |")
    return "\n".join(lines)


def floors(res: dict) -> list[str]:
    """The issue's floors, each with the measured value."""
    out = []
    for rows, frac in ((1_000_000, 2), (10_000_000, 5)):
        size = res["sizes"].get(str(rows), {})
        if "telltale" in size and "pandas" in size:
            cold = _secs(size["telltale"]["cold"], res["timeout"])[1]
            base = _secs(size["pandas"], res["timeout"])[1]
            if cold and base:
                ok = cold <= base / frac
                cc, bc = _cpu_val(size["telltale"]["cold"]), _cpu_val(size["pandas"])
                cpu = f"; in CPU seconds {cc:.1f} vs {bc:.1f} = {cc / bc:.2f}x" if cc and bc else ""
                out.append(f"cold run <= 1/{frac} of pandas + scipy at {rows:,} rows: {cold:.2f} s vs "
                           f"{base / frac:.2f} s allowed ({cold / base:.2f}x pandas{cpu}): "
                           f"**{'met' if ok else 'not met'}**")
    size = res["sizes"].get(str(10_000_000), {})
    if "telltale" in size:
        warm = _secs(size["telltale"]["warm"], res["timeout"])[1]
        if warm:
            out.append(f"warm daily run < 1.5 s at 10,000,000 rows: {warm:.2f} s: "
                       f"**{'met' if warm < 1.5 else 'not met'}**")
    caps = [(rows, _med(res["sizes"][str(rows)]["telltale"]["cold_capped"], "rss_mb")) for rows in res["rows"]
            if "telltale" in res["sizes"].get(str(rows), {})
            and not any(r["timed_out"] or r.get("failed") for r in res["sizes"][str(rows)]["telltale"]["cold_capped"])]
    if len(caps) >= 2:
        out.append(f"telltale's memory with DuckDB capped at {res.get('memory_limit', '256MB')}: " +
                   ", ".join(f"{mb:.0f} MB at {rows:,} rows" for rows, mb in caps) +
                   f" (x{caps[-1][1] / caps[0][1]:.2f} for x{caps[-1][0] / caps[0][0]:.0f} rows)")
    return out


def render(res: dict, command: str) -> str:
    """The generated block: conditions, table, floors."""
    m = res["machine"]
    loads = "; ".join(", ".join(f"{x:.1f}" for x in la) for la in res["load"])
    lines = [
        f"Generated by `{command}` ({res['started']} to {res.get('finished', '(unfinished)')}).",
        "",
        f"- machine: {m['nproc']} cores, {m['ram_gb']} GB RAM, {m['os']}; DuckDB {m['duckdb']}, Python {m['python']}",
        f"- load average (1, 5, 15 min) before and after each size: {loads} "
        "(the machine is shared: other processes move wall times)",
        f"- medians of {res['telltale_repeat']} repetition(s) for telltale, {res['repeat']} for the others; "
        f"each tool's whole process, started fresh; time limit {res['timeout']:g} s"
        + (f", memory cap {res['mem_cap_gb']:g} GB" if res["mem_cap_gb"] else "") + "; peak RSS = the kernel's "
        "maximum resident set of that process; CPU s = its user + system time (all threads; less "
        "sensitive to the machine's load than wall seconds)",
        "",
        table(res),
        "",
    ]
    fl = floors(res)
    if fl:
        lines += ["Floors of issue 6:", ""] + [f"- {f}" for f in fl] + [""]
    return "\n".join(lines)


BEGIN = "<!-- peers:begin (generated by bench/peers.py --write; edit outside the markers) -->"
END = "<!-- peers:end -->"


def write_md(block: str) -> None:
    """Replace the generated block of the peers section in BENCHMARKS.md (create the section if needed)."""
    text = MD.read_text(encoding="utf-8") if MD.exists() else "# Benchmarks\n"
    gen = f"{BEGIN}\n{block.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        text = pre + gen + rest.split(END, 1)[1]
    elif SECTION in text:
        pre, rest = text.split(SECTION, 1)
        text = pre + SECTION + "\n\n" + gen + "\n" + rest
    else:
        head, sep, tail = text.partition("\n## ")
        text = head.rstrip() + f"\n\n{SECTION}\n\n{gen}\n\n" + (sep.lstrip("\n") + tail if sep else "")
    MD.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------ profile

def profile(rows: int) -> str:
    """Where a cold run's whole-process time goes: import times and a cProfile top 25."""
    import pstats

    db = ensure_data(rows)
    RESULTS.mkdir(exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory(prefix="peers-profile-") as tmp:
        proj = Path(tmp)
        (proj / "telltale.yml").write_text(project_yaml(db), encoding="utf-8")
        cmd = telltale_cmd(proj, AT)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True)
        wall = time.perf_counter() - t
        top: dict[str, float] = {}        # own (self) import seconds summed per top-level package
        entries = []
        for line in proc.stderr.splitlines():
            if line.startswith("import time:") and line.count("|") == 2:
                own, cum, name = line[len("import time:"):].split("|")
                if own.strip().isdigit():
                    root = name.strip().split(".")[0]
                    top[root] = top.get(root, 0.0) + int(own) / 1e6
                    entries.append((int(cum) / 1e6, name.rstrip()))
        with open(RESULTS / f"importtime_cold_{rows}.txt", "w", encoding="utf-8") as f:
            f.write(f"# `python -X importtime`, telltale cold run, {rows:,} rows, whole process {wall:.2f} s; {now()}\n")
            f.write(f"# own import seconds per top-level package (sum {sum(top.values()):.3f} s)\n")
            for k, v in sorted(top.items(), key=lambda kv: -kv[1])[:30]:
                f.write(f"{v:8.3f}  {k}\n")
            f.write("\n# the 60 imports with the largest cumulative seconds (indentation = nesting)\n")
            for cum_s, name in sorted(entries, key=lambda e: -e[0])[:60]:
                f.write(f"{cum_s:8.3f} |{name}\n")
        (proj / "state.db").unlink(missing_ok=True)
        prof = proj / "cold.prof"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), *cmd], capture_output=True, check=False)
        pwall = time.perf_counter() - t
        txt = RESULTS / f"profile_cold_{rows}.txt"
        with open(txt, "w") as f:
            f.write(f"# telltale cold run, {rows:,} rows, `python -m cProfile` (wall {pwall:.2f} s under the profiler)\n")
            f.write(f"# command: telltale run --at {AT:%Y-%m-%dT%H:%M:%S} --json (fresh store); {now()}\n\n")
            st = pstats.Stats(str(prof), stream=f)
            st.sort_stats("cumulative").print_stats(25)
            f.write("\n# top 25 by own (tottime)\n")
            st.sort_stats("tottime").print_stats(25)
            f.write("\n# telltale's own functions (src/telltale, connectors, metric_dsl), top 40 cumulative\n")
            st.sort_stats("cumulative").print_stats(r"src/telltale/|/connectors/|/metric_dsl/", 40)
    total_imports = sum(top.values())
    out.append(f"Whole process {wall:.2f} s with `-X importtime`; imports {total_imports:.2f} s in all "
               f"(`bench/results/importtime_cold_{rows}.txt`); own import time per top-level package: " + ", ".join(f"{k} {v:.2f} s" for k, v in
                                                    sorted(top.items(), key=lambda kv: -kv[1])[:10]))
    out.append(f"cProfile (top 25 cumulative and top 25 own time): `{txt.relative_to(HERE.parent)}`")
    return "\n".join(out)


# ------------------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    """Command line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--measure":
        report, stdout, timeout, cap = argv[1], argv[2], float(argv[3]), float(argv[4])
        _measure_main(report, stdout, timeout, cap, argv[6:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="1e6,1e7", help="row counts per 30 days, comma-separated (default 1e6,1e7)")
    ap.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    ap.add_argument("--repeat", type=int, default=1, help="repetitions per tool and size; medians reported")
    ap.add_argument("--telltale-repeat", type=int, help="repetitions of telltale's runs (default: --repeat)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds before a tool's process is killed")
    ap.add_argument("--mem-cap", type=float, default=16.0,
                    help="GB of resident memory at which a peer's process is killed (0 = no cap; default 16)")
    ap.add_argument("--memory-limit", default=MEMORY_LIMIT,
                    help=f"DuckDB memory_limit of telltale's memory-capped cold run (default {MEMORY_LIMIT})")
    ap.add_argument("--write", action="store_true", help="write the table into bench/BENCHMARKS.md")
    ap.add_argument("--json", help="also write the raw measurements to this file")
    ap.add_argument("--from-json", help="render (and with --write, write) a saved --json result instead of running")
    ap.add_argument("--profile", action="store_true",
                    help="instead of the benchmark: profile a telltale cold run at the smallest --rows "
                         "(import times and cProfile, written to bench/results/)")
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        result = PHASES[args.phase](Path(args.db))
        Path(args.out).write_text(json.dumps(result))
        return 0
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        ap.error(f"unknown tool(s) {unknown}; choose from {TOOLS}")
    rows_list = parse_rows(args.rows)
    if args.from_json:
        res = json.loads(Path(args.from_json).read_text())
        block = render(res, res.get("command", "python bench/peers.py"))
        print(block)
        if args.write:
            write_md(block)
            log(f"wrote {MD}")
        return 0
    if args.profile:
        log(f"profiling a cold run at {min(rows_list):,} rows ...")
        print(profile(min(rows_list)))
        return 0
    command = "python bench/peers.py " + " ".join(a for a in argv if a not in ("--write",))
    res = run_all(rows_list, tools, args.repeat, args.telltale_repeat or args.repeat, args.timeout, args.mem_cap,
                  args.json, args.memory_limit)
    res["command"] = command.strip()
    block = render(res, res["command"])
    print(block)
    _save(res, args.json)
    if args.write:
        write_md(block)
        log(f"wrote {MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
