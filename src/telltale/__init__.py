"""telltale: watch ML models where their predictions already live, in the warehouse."""

from __future__ import annotations

__version__ = "0.1.0"

from telltale.errors import TelltaleError

__all__ = ["TelltaleError", "__version__"]
