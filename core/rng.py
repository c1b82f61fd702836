"""Seeded randomness. Nothing in the pack touches global RNG state: every draw comes from a generator seeded by
``(seed, salt)`` (independent streams per salt), made on the CPU so CPU and CUDA runs draw the same numbers."""

from __future__ import annotations

import numpy as np
import torch

from .errors import excerpt

MAX_SEED = 2**64 - 1


def check_seed(seed) -> int:
    """A seed as a Python int in 0..2^64-1; ``ValueError`` otherwise (bools and floats are refused)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {excerpt(seed)}")
    seed = int(seed)
    if seed < 0 or seed > MAX_SEED:
        raise ValueError(f"seed must be in 0..2^64-1, got {seed}")
    return seed


def rng(seed: int, salt: int = 0) -> np.random.Generator:
    """A numpy generator for ``(seed, salt)``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed) & MAX_SEED, int(salt)]))


def torch_generator(seed: int, salt: int = 0) -> torch.Generator:
    """A CPU ``torch.Generator`` for ``(seed, salt)``."""
    state = int(np.random.SeedSequence([int(seed) & MAX_SEED, int(salt)]).generate_state(1, np.uint64)[0])
    return torch.Generator(device="cpu").manual_seed(state)
