"""Lessons: a guided tour through the dashboard, written as data (``steps.toml``) and checked against real runs."""
