"""Shared building blocks: frame checks and layout, filters, parameter tables, seeded randomness."""

from collections.abc import Callable

ProgressFn = Callable[[int, int], None] | None
"""``on_progress(done, total)``, called by long loops after each step (None = no reports); in ComfyUI it is also the
Cancel checkpoint."""
