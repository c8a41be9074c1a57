"""Segmentation models, their trainer and a launcher shared by every tool."""
