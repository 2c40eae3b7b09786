"""The ground floor: value types every layer shares (results, partials, grids, time ranges,
segment keys, fields). Imports nothing of telltale outside `telltale.core`; the layer order is
checked by tests/unit/test_layers.py."""
