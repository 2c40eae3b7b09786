"""The configuration of a monitoring project: `telltale.yml`, validated and located.

`load_project(DIR)` reads `DIR/telltale.yml`, interpolates `${VAR}`s, validates every
section with pydantic models, checks cross references and resolves the metric files.
Every problem is reported at once as `telltale.yml:LINE:COL: key.path: message`.
"""

from __future__ import annotations

from telltale.config.alerts import (CHANNEL_TYPES, Channel, JiraChannel, NewRelicChannel,
                                    SlackChannel, WebhookChannel)
from telltale.config.connections import (CONNECTION_TYPES, AthenaConnection, BigQueryConnection,
                                         Connection, ConnectionBase, DeltaConnection,
                                         DuckDBConnection, PostgresConnection, RedshiftConnection,
                                         RedshiftIAM, S3Connection, SnowflakeConnection)
from telltale.configbase.detection import (AbsoluteRule, AnomalyRule, ChangeRule, CompareSegmentRule,
                                       Detection)
from telltale.config.fields import default_columns, monitor_columns
from telltale.config.models import (ActualsSource, BaselineConfig, FieldSpec,
                                    ModelConfig, SourceConfig, WindowBaseline)
from telltale.config.monitors import (DRIFT_DEFAULT_THRESHOLDS, MONITOR_TYPES, CustomMetricMonitor,
                                      DataDriftMonitor, MetricChangeMonitor, MissingValuesMonitor,
                                      ModelActivityMonitor, ModelStalenessMonitor, Monitor,
                                      MonitorBase, NewValuesMonitor, PerformanceDegradationMonitor,
                                      PredictionDriftMonitor, ValueRangeMonitor)
from telltale.config.problems import ConfigProblems, Problem
from telltale.config.project import CONFIG_FILE, ParsedConfig, Project, load_project, parse_config
from telltale.config.schema import DEFAULT_STORE, TelltaleConfig
from telltale.config.starter import write_starter

__all__ = [
    "AbsoluteRule", "ActualsSource", "AnomalyRule", "AthenaConnection", "BaselineConfig",
    "BigQueryConnection", "CHANNEL_TYPES", "CONFIG_FILE", "CONNECTION_TYPES", "ChangeRule",
    "Channel", "CompareSegmentRule", "ConfigProblems", "Connection", "ConnectionBase",
    "CustomMetricMonitor", "DEFAULT_STORE", "DRIFT_DEFAULT_THRESHOLDS", "DataDriftMonitor",
    "DeltaConnection", "Detection", "DuckDBConnection", "FieldSpec", "JiraChannel",
    "MONITOR_TYPES", "MetricChangeMonitor", "MissingValuesMonitor", "ModelActivityMonitor",
    "ModelConfig", "ModelStalenessMonitor", "Monitor", "MonitorBase", "NewRelicChannel",
    "NewValuesMonitor", "ParsedConfig", "PerformanceDegradationMonitor", "PostgresConnection",
    "PredictionDriftMonitor", "Problem", "Project", "RedshiftConnection", "RedshiftIAM",
    "S3Connection", "SlackChannel", "SnowflakeConnection", "SourceConfig", "TelltaleConfig",
    "ValueRangeMonitor", "WebhookChannel", "WindowBaseline", "default_columns", "load_project",
    "monitor_columns", "parse_config", "write_starter",
]
