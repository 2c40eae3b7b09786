"""Hypothesis strategies: metric files and telltale.yml projects, valid and mutated.

A generated case is a `Case`: the files of a project plus what is known about it
(`invalid` when a mutation is sure to make it invalid, with the file its error must name).
Mutations whose outcome is not known (random text inserted somewhere) are `invalid=None`:
only the properties every input must have are checked for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from hypothesis import strategies as st

NUM_FIELDS = ["features.x", "features.n", "predictions.score"]
BOOL_FIELDS = ["features.flag", "actuals.label"]
CAT_VALUES = ["a", "b", "null", "", "None", "ü[/x]", "c; drop table events", "[bold]x[/]"]
METRIC_FILE = "metrics/m.metric"


@dataclass
class Case:
    """A project to write and run: config text, metric files, environment, expectations."""

    config: str
    metrics: dict[str, bytes] = field(default_factory=dict)
    invalid: bool | None = False      # True: must be rejected; None: unknown
    where: str = "telltale.yml"       # the file an invalid case's error must name
    why: str = "valid"
    env: dict[str, str] = field(default_factory=dict)
    secret: str | None = None         # a value that must never be printed
    located: bool = True              # an exit 2 must name file:line (False only for known-open cases)


# ------------------------------------------------------------------ metric language

def _number(draw) -> str:
    return draw(st.sampled_from(["0", "1", "2", "3", "0.5", "10", "100", "1e-3", "2.5"]))


def _nonzero(draw) -> str:
    return draw(st.sampled_from(["1", "2", "3", "0.5", "10", "1e-3"]))


@st.composite
def cond(draw, depth: int = 3) -> str:
    """A per-row condition."""
    kind = draw(st.integers(0, 9 if depth > 0 else 4))
    if kind == 0:
        return f"{draw(st.sampled_from(NUM_FIELDS))} {draw(st.sampled_from(['>', '<', '>=', '<=', '==', '!=']))} {_number(draw)}"
    if kind == 1:
        op = draw(st.sampled_from(["==", "!="]))
        return f"features.cat {op} {_quote(draw(st.sampled_from(CAT_VALUES)))}"
    if kind == 2:
        return draw(st.sampled_from(BOOL_FIELDS)) + draw(st.sampled_from(["", " == True", " != False"]))
    if kind == 3:
        vals = draw(st.lists(st.sampled_from(CAT_VALUES), min_size=1, max_size=4))
        neg = draw(st.sampled_from(["", "not "]))
        return f"features.cat {neg}in ({', '.join(_quote(v) for v in vals)})"
    if kind == 4:
        return f"{draw(st.sampled_from(NUM_FIELDS + BOOL_FIELDS + ['features.cat']))} is {draw(st.sampled_from(['', 'not ']))}None"
    if kind == 5:
        return f"not ({draw(cond(depth - 1))})"
    if kind in (6, 7):
        op = draw(st.sampled_from(["and", "or"]))
        return f"({draw(cond(depth - 1))}) {op} ({draw(cond(depth - 1))})"
    if kind == 8:   # a long flat chain (balanced by the parser)
        k = draw(st.integers(2, 200))
        op = draw(st.sampled_from(["and", "or"]))
        return f" {op} ".join(f"features.x > {i}" for i in range(k))
    return f"{draw(num_row(depth - 1))} > {_number(draw)}"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def num_row(draw, depth: int = 3) -> str:
    """A per-row numeric value (always reads at least one field)."""
    kind = draw(st.integers(0, 11 if depth > 0 else 0))
    if kind == 0:
        return draw(st.sampled_from(NUM_FIELDS))
    sub = num_row(depth - 1)
    if kind == 1:
        return f"({draw(sub)} {draw(st.sampled_from(['+', '-', '*']))} {draw(sub)})"
    if kind == 2:
        return f"{draw(sub)} {draw(st.sampled_from(['+', '-', '*', '/']))} {_nonzero(draw)}"
    if kind == 3:
        return f"-({draw(sub)})"
    if kind == 4:
        return f"{draw(st.sampled_from(['abs', 'sqrt', 'ln', 'exp']))}({draw(sub)})"
    if kind == 5:
        return f"clip({draw(sub)}, 0, {_nonzero(draw)})"
    if kind == 6:
        return f"if({draw(cond(depth - 1))}, {draw(sub)}, {_number(draw)})"
    if kind == 7:
        return f"{draw(st.sampled_from(NUM_FIELDS))}[{draw(cond(depth - 1))}]"
    if kind == 8:
        return f"coalesce({draw(sub)}, {_number(draw)})"
    if kind == 9:
        return f"{draw(st.sampled_from(['greatest', 'least']))}({draw(sub)}, {draw(sub)})"
    if kind == 10:   # a long sum of fields
        k = draw(st.integers(2, 300))
        return "(" + " + ".join(draw(st.sampled_from(NUM_FIELDS)) for _ in range(k)) + ")"
    return f"{draw(st.sampled_from(NUM_FIELDS))} ** {draw(st.sampled_from(['0', '1', '2', '0.5']))}"


@st.composite
def aggregate(draw, names: tuple[str, ...] = (), depth: int = 3) -> str:
    """An aggregate expression: a valid metric body."""
    kind = draw(st.integers(0, 16 if depth > 0 else 9))
    row = num_row(max(depth - 1, 0))
    if kind == 0:
        return "count()"
    if kind == 1:
        return f"count([{draw(cond(max(depth - 1, 0)))}])"
    if kind == 2:
        return f"{draw(st.sampled_from(['sum', 'mean', 'min', 'max', 'variance', 'stddev', 'median']))}({draw(row)})"
    if kind == 3:
        return f"quantile({draw(row)}, {draw(st.sampled_from(['0', '0.1', '0.5', '0.99', '1']))})"
    if kind == 4:
        return f"{draw(st.sampled_from(['count_distinct', 'missing_ratio', 'missing_count', 'rows', 'count']))}({draw(st.sampled_from(NUM_FIELDS + BOOL_FIELDS + ['features.cat']))})"
    if kind == 5:
        return draw(st.sampled_from(["precision()", "recall()", "f1()", "accuracy()", "auc_roc()",
                                     "log_loss()", "tp_count()", "actuals_ratio()", "f1_score()"]))
    if kind == 6:
        return f"sum({draw(row)}, filter={draw(cond(max(depth - 1, 0)))})"
    if kind == 7 and names:
        return draw(st.sampled_from(names))
    if kind == 8:
        return f"mean({draw(st.sampled_from(NUM_FIELDS))}[{draw(cond(max(depth - 1, 0)))}])"
    if kind == 9:
        return str(draw(st.integers(0, 1000)))
    sub = aggregate(names, depth - 1)
    if kind == 10:
        return f"{draw(sub)} {draw(st.sampled_from(['+', '-', '*', '/']))} {draw(sub)}"
    if kind == 11:
        return f"({draw(sub)}) / {_nonzero(draw)}"
    if kind == 12:   # over an aggregate (a constant outside the domain is an error, tested apart)
        return f"{draw(st.sampled_from(['abs', 'sqrt', 'ln', 'exp']))}(count() + {draw(sub)})"
    if kind == 13:
        return f"{draw(st.sampled_from(['greatest', 'least', 'coalesce']))}({draw(sub)}, {draw(sub)})"
    if kind == 14:   # a long chain of aggregates
        k = draw(st.integers(2, 300))
        return " + ".join(draw(st.sampled_from(["count()", "sum(features.x)", "mean(features.n)"]))
                          for _ in range(k))
    if kind == 15:   # nested parentheses and minus signs within the limit (each `-(` is 2 levels;
        k = draw(st.integers(1, 25))   # the inner aggregate is shallow, so two never stack past 100)
        return "-(" * k + draw(aggregate(names, 0)) + ")" * k
    return f"-{draw(sub)}"


@st.composite
def metric_source(draw) -> tuple[str, tuple[str, ...]]:
    """A valid metric file and the names it defines (each may use the ones before it)."""
    names: list[str] = []
    lines = []
    for i in range(draw(st.integers(1, 4))):
        name = f"m{i}"
        body = draw(aggregate(tuple(names)))
        comment = draw(st.sampled_from(["", "  // a comment", "  # é ü [/x]"]))
        lines.append(f"metric {name} =\n    {body}{comment}")
        names.append(name)
    return "\n".join(lines) + "\n", tuple(names)


# metric-file mutations sure to make the file invalid: (why, text appended)
BAD_METRICS = {
    "unknown function": "metric bad = sume(features.x)",
    "unknown field": "metric bad = mean(features.nosuch)",
    "unknown group": "metric bad = mean(feature.x)",
    "syntax: dangling operator": "metric bad = count() +",
    "syntax: open parenthesis": "metric bad = (count()",
    "syntax: stray bracket": "metric bad = count() ]",
    "syntax: stray character": "metric bad = count() & 1",
    "type: sum of a category": "metric bad = sum(features.cat)",
    "type: row value as metric": "metric bad = features.x + 1",
    "cycle": "metric bad = bad2\nmetric bad2 = bad",
    "number too large": "metric bad = count() * 1" + "9" * 30,
    "float too large": "metric bad = count() * 1e999",
    "bad escape": 'metric bad = count([features.cat == "\\x"])',
    "deep nesting": "metric bad = " + "(" * 150 + "count()" + ")" * 150,
    "deep nesting 1000": "metric bad = " + "(" * 1000 + "count()" + ")" * 1000,
    "deep unary": "metric bad = sum(" + "-" * 300 + "features.x)",
    "duplicate": "metric m0 = count()",
    "division by zero constant": "metric bad = count() + 1 / 0",
    "constant overflow": "metric bad = count() + 10 ** 1000",
    "exponential growth": "metric d(x: numeric) = x + x\nmetric bad = sum(" + "d(" * 40 + "features.x" + ")" * 40 + ")",
    "quantile out of range": "metric bad = quantile(features.x, 2)",
    "compare with None": "metric bad = count([features.x == None])",
    "aggregate in filter": "metric bad = count([count() > 1])",
}


@st.composite
def random_text(draw) -> str:
    """Text that users (or attackers) paste: unicode, control characters, markup, SQL."""
    return draw(st.one_of(
        st.text(max_size=12),
        st.sampled_from(["\x00", "[/x]", "[bold]", "${HOME}", "'; drop table events; --", "\"",
                         "\\", "\ufeff", "\u202e", "𝔘", "\r\n", "\t", "*", "&", "!", "{", "}",
                         "0" * 40, "1e999", "-", ":", "- ", "? ", "|", ">", "%", "@", "`"]),
    ))


@st.composite
def text_mutation(draw, text: str) -> str:
    """`text` with one random edit: insert, delete or duplicate a slice."""
    if not text:
        return draw(random_text())
    i = draw(st.integers(0, len(text)))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return text[:i] + draw(random_text()) + text[i:]
    j = draw(st.integers(i, min(len(text), i + 40)))
    if kind == 1:
        return text[:i] + text[j:]
    return text[:j] + text[i:j] + text[j:]


# ------------------------------------------------------------------ telltale.yml

DURATIONS = ["1d", "12h", "2d", "1w", "90m"]
DETECTIONS = [
    {"absolute": {"max": 0.5}}, {"absolute": {"min": 0, "max": 1000}}, {"absolute": {"min": -1}},
    {"change": {"percent": 25}}, {"change": {"percent": 10, "direction": "up"}},
    {"anomaly": {"sensitivity": 3, "history": "28d"}},
    {"compare_segment": {"column": "cat", "value": "a", "percent": 20}},
]


@st.composite
def monitor(draw, i: int, metric_names: tuple[str, ...], segmented: bool = True) -> dict:
    """One valid monitor of model `m`."""
    kind = draw(st.sampled_from(["data_drift", "prediction_drift", "missing_values", "new_values",
                                 "value_range", "model_activity", "model_staleness",
                                 "metric_change", "performance_degradation", "custom_metric"]))
    mon: dict = {"name": draw(st.sampled_from([f"mon {i}", f"mon_{i}", f"mön {i} [/x]",
                                               f"mon {i}; drop table events"])),
                 "model": "m", "type": kind}
    detection = draw(st.sampled_from(DETECTIONS[:6]))
    if kind == "data_drift":
        mon["method"] = draw(st.sampled_from(["psi", "js", "hellinger", "ks", "wasserstein", "chi2"]))
        usable = ["x", "n"] if mon["method"] in ("ks", "wasserstein") else ["x", "n", "cat"]
        mon["columns"] = draw(st.lists(st.sampled_from(usable), min_size=1, max_size=3, unique=True))
        if draw(st.booleans()):
            mon["threshold"] = draw(st.sampled_from([0.1, 0.2, 1, 1e-9]))
    elif kind == "prediction_drift":
        mon["columns"] = ["score"]
        mon["method"] = draw(st.sampled_from(["psi", "ks", "wasserstein"]))
    elif kind == "missing_values":
        mon["columns"] = draw(st.lists(st.sampled_from(["x", "n", "cat", "flag"]), min_size=1, max_size=4, unique=True))
        mon["detection"] = detection
    elif kind == "new_values":
        mon["columns"] = ["cat"]
    elif kind == "value_range":
        mon["columns"] = draw(st.lists(st.sampled_from(["x", "n"]), min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            mon["margin"] = 0.1
        else:
            mon["detection"] = {"absolute": {"min": 0, "max": 20}}
    elif kind == "model_activity":
        mon["detection"] = detection
    elif kind == "model_staleness":
        mon["max_age"] = draw(st.sampled_from(DURATIONS))
    elif kind == "metric_change":
        mon["columns"] = draw(st.lists(st.sampled_from(["x", "n"]), min_size=1, max_size=2, unique=True))
        mon["statistic"] = draw(st.sampled_from(["mean", "min", "max", "sum", "variance", "stddev", "missing_count"]))
        mon["detection"] = detection
    elif kind == "performance_degradation":
        mon["metric"] = draw(st.sampled_from(["f1", "precision", "recall", "accuracy", "auc_roc"]))
        mon["detection"] = detection
    else:
        choices = list(metric_names) + ["count()", "mean(features.x)", "f1", "count([features.x > 10]) / count()"]
        mon["metric"] = draw(st.sampled_from(choices))
        mon["detection"] = detection
    if draw(st.integers(0, 4)) == 0:
        mon["window"] = draw(st.sampled_from(["1d", "2d", "1w", "24h"]))
    if segmented and draw(st.integers(0, 5)) == 0:
        mon["segment"] = draw(st.sampled_from(["all", {"cat": "a"}]))
    return mon


SQL_SOURCES = ["select * from events", "SELECT * FROM events WHERE x > 0",
               "select id, ts, x, n, cat, flag, score, label from events where cat <> 'a'",
               "with e as (select * from events) select * from e",
               "select * from events union all select * from events where false"]


@st.composite
def config(draw, warehouse: str, metric_names: tuple[str, ...]) -> dict:
    """A valid telltale.yml as data."""
    model: dict = {
        "type": "binary", "connection": "wh",
        "source": draw(st.sampled_from([{"table": "events"}] + [{"sql": s} for s in SQL_SOURCES])),
        "id": "id", "timestamp": "ts",
        "features": {"x": "numeric", "n": "numeric", "cat": "categorical", "flag": "boolean"},
        "predictions": {"score": "numeric"},
        "actuals": {"label": "boolean"},
        "baseline": {"window": {"last": draw(st.sampled_from(["5d", "3d", "7d"])), "skip": "1d"}},
    }
    segmented = draw(st.booleans())
    if segmented:
        model["segments"] = ["cat"]
    monitors = [draw(monitor(i, metric_names, segmented)) for i in range(draw(st.integers(1, 4)))]
    names = set()
    for m in monitors:             # monitor names must be unique
        while m["name"] in names:
            m["name"] += "'"
        names.add(m["name"])
    shared = draw(st.sampled_from(DETECTIONS[:3]))
    for m in monitors:             # a shared mapping: yaml.safe_dump writes an anchor and aliases
        if "detection" in m and m["type"] not in ("value_range",) and draw(st.booleans()):
            m["detection"] = shared
    return {"version": 1, "connections": {"wh": {"type": "duckdb", "database": warehouse}},
            "metrics": ["metrics/*.metric"], "models": {"m": model}, "monitors": monitors}


def dump(data: dict) -> str:
    """telltale.yml text (block style; shared mappings become anchors and aliases)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _set(data: dict, path: tuple, value) -> dict:
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return data


def _drop(data: dict, path: tuple) -> dict:
    node = data
    for k in path[:-1]:
        node = node[k]
    del node[path[-1]]
    return data


# config mutations sure to make it invalid: name -> function(data) -> data
def _first_monitor(data: dict) -> tuple:
    return ("monitors", 0)


BAD_CONFIGS = {
    "drop version": lambda d: _drop(d, ("version",)),
    "drop connection": lambda d: _drop(d, ("models", "m", "connection")),
    "drop timestamp": lambda d: _drop(d, ("models", "m", "timestamp")),
    "drop monitor type": lambda d: _drop(d, (*_first_monitor(d), "type")),
    "drop monitor model": lambda d: _drop(d, (*_first_monitor(d), "model")),
    "unknown monitor type": lambda d: _set(d, (*_first_monitor(d), "type"), "data_drfit"),
    "unknown connection type": lambda d: _set(d, ("connections", "wh", "type"), "oracle9"),
    "unknown key": lambda d: _set(d, (*_first_monitor(d), "windw"), "1d"),
    "unknown top-level key": lambda d: _set(d, ("monitor",), []),
    "unknown model": lambda d: _set(d, (*_first_monitor(d), "model"), "nosuch"),
    "unknown connection": lambda d: _set(d, ("models", "m", "connection"), "nosuch"),
    "bad window": lambda d: _set(d, (*_first_monitor(d), "window"), "5 parsecs"),
    "negative window": lambda d: _set(d, (*_first_monitor(d), "window"), "-1d"),
    "zero window": lambda d: _set(d, (*_first_monitor(d), "window"), "0d"),
    "window as list": lambda d: _set(d, (*_first_monitor(d), "window"), [1, 2]),
    "severity": lambda d: _set(d, (*_first_monitor(d), "severity"), "apocalyptic"),
    "daily_cap negative": lambda d: _set(d, (*_first_monitor(d), "daily_cap"), -1),
    "daily_cap text": lambda d: _set(d, (*_first_monitor(d), "daily_cap"), "many"),
    "features as text": lambda d: _set(d, ("models", "m", "features"), "x"),
    "unknown kind": lambda d: _set(d, ("models", "m", "features", "x"), "numerical"),
    "model type": lambda d: _set(d, ("models", "m", "type"), "binery"),
    "missing column": lambda d: _set(d, ("models", "m", "features", "nosuch"), "numeric"),
    "injection column": lambda d: _set(d, ("models", "m", "features", 'x"; drop table events; --'), "numeric"),
    "injection table": lambda d: _set(d, ("models", "m", "source"), {"table": "events; drop table events"}),
    "missing table": lambda d: _set(d, ("models", "m", "source"), {"table": "nosuch"}),
    "source with two keys": lambda d: _set(d, ("models", "m", "source"), {"table": "events", "sql": "select 1"}),
    "cron": lambda d: _set(d, (*_first_monitor(d), "schedule"), "every tuesday"),
    "segment column": lambda d: _set(d, ("models", "m", "segments"), ["nosuch"]),
    "version 2": lambda d: _set(d, ("version",), 2),
    "monitors not a list": lambda d: _set(d, ("monitors",), {"a": 1}),
    "bad metric": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "custom_metric",
                                                            "metric": "mean(features.nosuch)",
                                                            "detection": {"absolute": {"max": 1}}}),
    "bad inline syntax": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "custom_metric",
                                                                   "metric": "count() +", "detection": {"absolute": {"max": 1}}}),
    "deep inline": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "custom_metric",
                                                             "metric": "(" * 500 + "count()" + ")" * 500,
                                                             "detection": {"absolute": {"max": 1}}}),
    "detection kind": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "model_activity",
                                                                "detection": {"absolute": {"max": 1}, "change": {"percent": 2}}}),
    "threshold text": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "data_drift",
                                                                "columns": ["x"], "threshold": "abc"}),
    "threshold negative": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "data_drift",
                                                                    "columns": ["x"], "threshold": -1}),
    "unknown drift column": lambda d: _set(d, (*_first_monitor(d),), {"name": "bad", "model": "m", "type": "data_drift",
                                                                      "columns": ["nosuch"]}),
}

# non-SELECT and file-reading sources: each must be rejected before it reaches the warehouse
UNSAFE_SQL = [
    "select 1; drop table events", "delete from events", "drop table events",
    "update events set x = 1", "insert into events select * from events",
    "create table t as select * from events", "select * into t2 from events",
    "with d as (delete from events returning *) select * from d",
    "attach 'other.duckdb' as o", "pragma database_list", "describe events",
    "copy events to 'out.csv'", "select * from events; select 1", "truncate events",
    "set threads = 1", "call pragma_version()", "install httpfs", "load httpfs",
    "export database 'dump'", "detach wh", "vacuum", "checkpoint",
]
FILE_SQL = [
    "select * from read_text('/etc/hostname')", "select * from read_blob('/etc/hostname')",
    "select * from glob('/etc/*')", "select * from read_csv('/etc/passwd')",
    "select * from query('select 1')", "select * from read_parquet('x.parquet')",
    "select *, (select content from read_text('/etc/hostname')) as c from events",
]
