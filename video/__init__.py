"""Video I/O, optical flow, frame interpolation, temporal consistency and quality metrics."""
