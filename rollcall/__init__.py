"""Rollcall's composition root: the one place that wires adapters to use cases."""
