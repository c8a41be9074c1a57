"""Configuration: `[tool.sigcheck]` in pyproject.toml or the same keys in sigcheck.toml."""
