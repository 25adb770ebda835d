"""Compatibility layers with other simulators (currently Norse 1.1.0)."""
