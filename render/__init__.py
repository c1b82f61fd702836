"""2.5D view synthesis: depth, reprojection, hole filling, lens effects."""
