"""Config building blocks shared by every config class: the strict base model, value types
(durations, numbers, names), detection rules, sources and baselines, and wording helpers.

`telltale.config` assembles `telltale.yml` from the config classes that live beside their
implementations (monitor types in `telltale.monitors`); those classes are built from the
blocks here, which import nothing of telltale above `core` and `errors`.
"""
