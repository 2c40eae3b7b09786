"""Checks across sections, run after the models validate: names that must exist, kinds that must fit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telltale.config.alerts import notify_names
from telltale.configbase.detection import CompareSegmentRule
from telltale.config.fields import ColumnError, kind_error, monitor_columns, resolve_column, takes_columns
from telltale.config.models import BaselineConfig, ModelConfig, SourceConfig
from telltale.config.monitors import (DriftMonitorBase, EstimatedPerformanceMonitor, ModelStalenessMonitor, MonitorBase,
                                      PerformanceDegradationMonitor)
from telltale.config.problems import Path_, Problem, did_you_mean, one_of
from telltale.config.schema import TelltaleConfig
from telltale.config.yamlload import SourceMap
from telltale.core.timeutil import format_duration


class _Checker:
    def __init__(self, cfg: TelltaleConfig, smap: SourceMap) -> None:
        self.cfg, self.smap = cfg, smap
        self.problems: list[Problem] = []

    def add(self, path: Path_, message: str) -> None:
        self.problems.append(self.smap.problem(path, message))

    # -- models ---------------------------------------------------------------

    def source(self, path: Path_, source: SourceConfig, conn_name: str) -> None:
        conn = self.cfg.connections.get(conn_name)
        if conn is None:
            return
        if conn.SOURCES == "path" and source.path is None:
            example = "s3://bucket/prefix/, format: parquet" if conn.type == "s3" else "s3://bucket/table"
            self.add(path, f"{conn.type} connection '{conn_name}' reads files: write {{path: {example}}}")
        if conn.SOURCES == "sql" and source.path is not None:
            self.add(path + ("path",), f"{conn.type} connection '{conn_name}' reads tables: write "
                     "{table: schema.table} or {sql: \"select ...\"}, "
                     "or use an s3, delta or duckdb connection")
        if conn.type == "delta" and source.format is not None:
            self.add(path + ("format",), "delta tables are read through their log; remove format")

    def duration_fits(self, path: Path_, value: timedelta, model: ModelConfig, what: str) -> None:
        if value and value % model.step:
            self.add(path, f"{what} {format_duration(value)} is not a whole number of "
                     f"{model.granularity}s (the model's granularity); write e.g. "
                     f"{format_duration(max(model.step, value - value % model.step))}")

    def baseline(self, path: Path_, baseline: BaselineConfig, model: ModelConfig) -> None:
        if baseline.window is not None:
            self.duration_fits(path + ("window", "last"), baseline.window.last, model, "last")
            self.duration_fits(path + ("window", "skip"), baseline.window.skip, model, "skip")
        elif baseline.training is not None:
            self.source(path + ("training",), baseline.training, model.connection)

    def model(self, name: str, model: ModelConfig) -> None:
        base: Path_ = ("models", name)
        if model.connection not in self.cfg.connections:
            names = list(self.cfg.connections)
            self.add(base + ("connection",),
                     f"unknown connection '{model.connection}'{did_you_mean(model.connection, names)}; "
                     + (f"define it under connections: or use one of {one_of(names)}" if names
                        else "define it under connections:, e.g. "
                             "connections: {wh: {type: duckdb, database: warehouse.duckdb}}"))
        self.source(base + ("source",), model.source, model.connection)
        if model.actuals_source is not None:
            self.source(base + ("actuals_source", "source"), model.actuals_source.source, model.connection)
        self.baseline(base + ("baseline",), model.baseline, model)
        seen: set[str] = set()
        for i, seg in enumerate(model.segments):
            path = base + ("segments", i)
            if seg in seen:
                self.add(path, f"segment '{seg}' is listed twice")
                continue
            seen.add(seg)
            ref = model.field(seg)
            if ref is None:
                names = [r.name for r in model.fields("features", "raw_inputs", "predictions")]
                self.add(path, f"model {name} has no field '{seg}'{did_you_mean(seg, names)}; "
                         f"segments are mapped fields, e.g. one of {one_of(names)}")
            elif ref.kind == "numeric":
                self.add(path, f"'{seg}' is numeric; segments must be categorical or boolean "
                         f"(map it as {seg}: categorical if it has few values)")
            elif ref.column.startswith("__"):
                self.add(path, f"segment '{seg}' reads column '{ref.column}': column names starting with '__' "
                         "are reserved for the columns telltale's queries add beside the segments; rename "
                         f"it in a source.sql (SELECT ..., \"{ref.column}\" AS "
                         f"{ref.column.lstrip('_') or 'segment'} ...) and map that name")
        dup = _duplicate_columns(model)
        if dup:
            self.add(base, dup)

    # -- monitors -------------------------------------------------------------

    def monitor(self, i: int, mon: MonitorBase, names: dict[str, int]) -> None:
        base: Path_ = ("monitors", i)
        if mon.name in names:
            first = self.smap.value_at(("monitors", names[mon.name], "name"))
            where = f" at line {first[0]}" if first else ""
            self.add(base + ("name",), f"monitor name '{mon.name}' is already used{where}; "
                     "give each monitor a unique name")
        else:
            names[mon.name] = i
        seen: set[tuple[Any, str]] = set()
        for sub, channel in notify_names(mon.notify):
            if channel not in self.cfg.alerts:
                known = list(self.cfg.alerts)
                self.add(base + ("notify", *sub),
                         f"unknown alert channel '{channel}'{did_you_mean(channel, known)}; "
                         + (f"channels are {one_of(known)}" if known else
                            "define it under alerts:, e.g. alerts: {ops: {type: webhook, url: ...}}"))
            elif (sub[:-1], channel) in seen:
                self.add(base + ("notify", *sub), f"channel '{channel}' is listed twice")
            seen.add((sub[:-1], channel))
        model = self.cfg.models.get(mon.model)
        if model is None:
            known = list(self.cfg.models)
            self.add(base + ("model",), f"unknown model '{mon.model}'{did_you_mean(mon.model, known)}; "
                     + (f"models are {one_of(known)}" if known else "define it under models:"))
            return
        self.duration_fits(base + ("window",), mon.window, model, "window")
        if mon.baseline is not None:
            self.baseline(base + ("baseline",), mon.baseline, model)
        self.columns(base, mon, model)
        self.segment(base, mon, model)
        self.detection(base, mon, model)
        if isinstance(mon, PerformanceDegradationMonitor) and not model.actuals:
            self.add(base + ("type",), f"performance_degradation needs labels but model {mon.model} "
                     "maps no actuals; add e.g. actuals: {defaulted: boolean} to the model")
        if isinstance(mon, EstimatedPerformanceMonitor):
            for sub, message in mon.model_problems(model):
                self.add(base + sub, message)
        if isinstance(mon, DriftMonitorBase) and mon.importance:
            self.importance(base, mon, model)
        if isinstance(mon, ModelStalenessMonitor) and mon.on == "version" and not model.version:
            self.add(base + ("on",), f"model {mon.model} has no version column; add version: "
                     "<column> to the model, or write on: predictions")

    def importance(self, base: Path_, mon: DriftMonitorBase, model: ModelConfig) -> None:
        try:
            names = [f.name for f in monitor_columns(mon, model, mon.model)]
        except ColumnError:
            return                      # reported by columns()
        for col in mon.importance or {}:
            if col not in names:
                self.add(base + ("importance", col),
                         f"importance names '{col}', which this monitor does not look at"
                         f"{did_you_mean(col, names)}; its columns are {one_of(names)}")

    def columns(self, base: Path_, mon: MonitorBase, model: ModelConfig) -> None:
        if not takes_columns(mon):
            return
        columns = getattr(mon, "columns", None)
        if columns is None:
            if not monitor_columns(mon, model, mon.model):
                type_name = mon.type_name
                self.add(base + ("type",), f"model {mon.model} has no column this {type_name} monitor "
                         "can look at by default; list columns: [...] explicitly")
            return
        for j, col in enumerate(columns):
            try:
                ref = resolve_column(mon, model, mon.model, col)
            except ColumnError as exc:
                self.add(base + ("columns", j), str(exc))
                continue
            problem = kind_error(mon, ref)
            if problem:
                self.add(base + ("columns", j), problem)

    def segment_column(self, path: Path_, column: str, model: ModelConfig, model_name: str) -> None:
        if column not in model.segments:
            hint = did_you_mean(column, model.segments)
            if model.segments:
                self.add(path, f"'{column}' is not a segment of model {model_name}{hint}; segments "
                         f"are {one_of(model.segments)} (add it to models.{model_name}.segments)")
            else:
                self.add(path, f"model {model_name} has no segments; add segments: [{column}] "
                         f"to models.{model_name}")

    def segment(self, base: Path_, mon: MonitorBase, model: ModelConfig) -> None:
        if isinstance(mon, ModelStalenessMonitor):   # (min_rows is documented as not applying)
            if mon.segment is not None and mon.on == "version":
                self.add(base + ("segment",), "model_staleness with on: version watches the newest version "
                         "of the whole model and does not take segment; remove segment, or watch each "
                         "segment's newest prediction with on: predictions")
            if "baseline" in mon.model_fields_set and mon.baseline is not None:
                self.add(base + ("baseline",), "model_staleness does not take baseline: it watches the "
                         "newest prediction (or version) of the whole model; remove it")
        if mon.segment == "all" and not model.segments:
            self.add(base + ("segment",), f"segment: all needs segments on model {mon.model}; "
                     f"add e.g. segments: [region] to models.{mon.model}, or remove segment")
        elif isinstance(mon.segment, dict):
            for col in mon.segment:
                self.segment_column(base + ("segment", col), col, model, mon.model)
        if mon.by_version and not model.version:
            self.add(base + ("by_version",), f"by_version needs a version column on model {mon.model}; "
                     f"add version: <column> to models.{mon.model}, or remove by_version")
        elif mon.by_version and isinstance(mon, ModelStalenessMonitor):
            self.add(base + ("by_version",), "model_staleness does not take by_version; write "
                     "on: version to watch the age of the newest version")

    def detection(self, base: Path_, mon: MonitorBase, model: ModelConfig) -> None:
        det = mon.detection_rule
        if det is None:
            return
        rule: Any = det.rule
        path = base + ("detection", det.kind)
        if isinstance(rule, CompareSegmentRule):
            self.segment_column(path + ("column",), rule.column, model, mon.model)
        if det.kind == "anomaly":
            self.duration_fits(path + ("history",), rule.history, model, "history")
            if rule.history < 2 * mon.window:
                self.add(path + ("history",), f"history {format_duration(rule.history)} is too short "
                         f"for window {format_duration(mon.window)}: it must hold at least two windows; "
                         f"write e.g. history: {format_duration(28 * mon.window)}")
            if rule.seasonality is not None:
                self.duration_fits(path + ("seasonality",), rule.seasonality, model, "seasonality")
            step = max(rule.seasonality or mon.window, mon.window)
            holds = rule.history // step
            if holds >= 2 and rule.min_history > holds:
                self.add(path + ("min_history",), f"min_history {rule.min_history} is more than the "
                         f"{holds} past window(s) history {format_duration(rule.history)} holds, so it "
                         f"could never fire; lower min_history or write e.g. history: "
                         f"{format_duration(rule.min_history * step)}")


def _duplicate_columns(model: ModelConfig) -> str | None:
    """Two fields of one group reading the same real column is almost always a slip."""
    for group in ("features", "raw_inputs", "predictions", "actuals"):
        seen: dict[str, str] = {}
        for name, spec in model.group(group).items():  # type: ignore[arg-type]
            if spec.column in seen:
                return (f"{group} '{seen[spec.column]}' and '{name}' both read column "
                        f"'{spec.column}'; map each column once")
            seen[spec.column] = name
    return None


def check_references(cfg: TelltaleConfig, smap: SourceMap) -> list[Problem]:
    """Every cross-section problem of a validated config (unknown names, unfit columns, ...)."""
    checker = _Checker(cfg, smap)
    for name, model in cfg.models.items():
        checker.model(name, model)
    names: dict[str, int] = {}
    for i, mon in enumerate(cfg.monitors):
        checker.monitor(i, mon, names)
    return checker.problems

