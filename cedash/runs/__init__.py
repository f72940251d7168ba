"""Runs: one training run from data and settings, and everything computed from runs (sweeps, curves, advice)."""
