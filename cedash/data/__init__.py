"""Data: the Dataset container, built-in sets, CSV reading, column roles and their preparation, the split."""
