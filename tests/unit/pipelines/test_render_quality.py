"""The model-free render on ordinary photos (issue 11's bar, at test size): with the built-in depth, intensity 1 and
auto overscan, real source pixels reach at least 97 % of every frame before filling (at least 90 % for a move whose
border reveal needs more than the 1.25x auto overscan: the rest is filled), while the depth still carries parallax.
``benchmarks/bench_presets.py`` measures the same at full size with 25 frames."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.pipelines.render import render_clip
from draw_to_video.video.read import read_frames

skimage_data = pytest.importorskip("skimage.data")

PRESETS = ("dolly_in", "orbit_left", "crane_up", "dolly_zoom_in", "truck_right", "arc", "spiral_in")
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "example")
SIDE = 192


def _photo(name: str) -> torch.Tensor:
    import cv2

    from draw_to_video.pipelines.render import EXAMPLE_IMAGE

    rgb = ((read_frames(EXAMPLE_IMAGE)[0][0] * 255).round().astype(np.uint8) if name == "example"
           else getattr(skimage_data, name)()[..., :3])
    h, w = rgb.shape[:2]
    s = SIDE / max(h, w)
    rgb = cv2.resize(rgb, (2 * round(w * s / 2), 2 * round(h * s / 2)), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(rgb).float() / 255.0


@pytest.fixture(scope="module")
def renders() -> dict:
    out = {}
    for photo in PHOTOS:
        img = _photo(photo)
        for preset in PRESETS:
            out[photo, preset] = render_clip(img, build_trajectory(preset=preset, frames=9, intensity=1.0),
                                             fill="none")
    return out


@pytest.mark.parametrize("photo", PHOTOS)
def test_real_pixels_cover_every_frame(renders, photo):
    worst = {preset: float(renders[photo, preset].coverage.min()) for preset in PRESETS}
    capped = {preset for preset in PRESETS if renders[photo, preset].overscan_info.capped}
    assert min(v for k, v in worst.items() if k not in capped) >= 0.97, worst
    assert min(worst.values()) >= 0.90, worst  # past the 1.25x zoom the border reveal is filled


def test_the_depth_still_carries_parallax(renders):
    """No photo's depth is flat, and most keep a wide range. The rocket (``rocket`` and ``example`` are the same
    picture) stands before an upright backdrop on purpose (issue 23: its towers must not lean in an orbit), so its
    range is narrow (about 1.06; it was 2.25 when the backdrop was a tilted plane and the towers leaned); the subject
    still separates from the backdrop."""
    ratios = {}
    for photo in PHOTOS:
        d = renders[photo, PRESETS[0]].depth.flatten()
        q = torch.quantile(d, torch.tensor([0.05, 0.95]))
        ratios[photo] = float(q[1] / q[0])
    assert min(ratios.values()) >= 1.04, ratios
    assert sum(r >= 1.3 for r in ratios.values()) >= 3, ratios


def test_overscan_is_auto_and_only_as_large_as_needed(renders):
    for (photo, preset), r in renders.items():
        assert 1.0 <= r.overscan <= 1.25, (photo, preset, r.overscan)
        assert float(r.coverage[0]) == 1.0 and r.overscan_info.per_frame(9)[0] == 1.0  # frame 0: the picture
    # a dolly in never shows past the border: no zoom needed
    assert all(renders[photo, "dolly_in"].overscan < 1.01 for photo in PHOTOS)
