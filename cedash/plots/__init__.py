"""Plotly figure builders: pure functions from run results to go.Figure, sharing one style."""
