"""Running rules over the project model and applying policy (selection, severities, suppressions)."""
