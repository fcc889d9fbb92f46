"""Helpers of scripts/make_demo_snapshot.py (deterministic demo snapshot generator)."""
