"""telltale package."""
