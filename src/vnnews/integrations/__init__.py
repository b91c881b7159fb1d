"""vnnews inside other frameworks' pipelines (datatrove)."""
