"""The project model: per-module summaries, name resolution, the call graph and signal facts."""
