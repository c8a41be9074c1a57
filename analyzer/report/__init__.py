"""Renderings of one report: each format is a small module over the same diagnostics."""
