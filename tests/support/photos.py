"""Real photos for the tests: scikit-image's data at a working size."""

from __future__ import annotations

import torch


def photo(name: str, side: int = 384) -> torch.Tensor:
    import cv2
    import skimage.data

    rgb = getattr(skimage.data, name)()[..., :3]
    h, w = rgb.shape[:2]
    s = side / max(h, w)
    rgb = cv2.resize(rgb, (2 * round(w * s / 2), 2 * round(h * s / 2)), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(rgb).float() / 255.0
