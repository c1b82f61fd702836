"""Shared building blocks: frame checks and layout, filters, parameter tables, seeded randomness."""
