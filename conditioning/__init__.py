"""Bridges from camera trajectories to video models (SVD today)."""
