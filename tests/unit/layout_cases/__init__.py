"""Importable record types used by the layout and sample unit tests."""
