"""core/limits.py and the size helpers of core/frames.py: limits refuse with the number, odd sizes become even."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.preview import inset_size, trajectory_preview
from draw_to_video.core import limits
from draw_to_video.core.frames import downscale_to_max, even_size, fit_size, to_even
from draw_to_video.pipelines.render import render_clip


def test_check_budget_refuses_with_the_number_and_the_fix(monkeypatch):
    monkeypatch.delenv("D2V_MEMORY_BUDGET_GB", raising=False)
    limits.check_budget(limits.MEMORY_BUDGET_BYTES, "ok", "nothing")  # at the limit: fine
    with pytest.raises(ValueError) as e:
        limits.check_budget(165 * limits.GIB, "interpolating 3 frames to 49999", "lower the multiplier")
    msg = str(e.value)
    assert "165.0 GB" in msg and "8.0 GB limit" in msg and "lower the multiplier" in msg and "\n" not in msg
    monkeypatch.setenv("D2V_MEMORY_BUDGET_GB", "200")
    limits.check_budget(165 * limits.GIB, "big", "x")
    monkeypatch.setenv("D2V_MEMORY_BUDGET_GB", "not a number")
    assert limits.memory_budget() == limits.MEMORY_BUDGET_BYTES


def test_path_counts():
    limits.check_path_size(limits.MAX_STROKES, limits.MAX_POINTS)
    with pytest.raises(ValueError, match=f"99997, at most {limits.MAX_STROKES}"):
        limits.check_path_size(99_997, 99_997)
    with pytest.raises(ValueError, match="points in the path"):
        limits.check_path_size(1, limits.MAX_POINTS + 1)


def test_format_bytes():
    assert limits.format_bytes(4.6 * limits.GIB) == "4.6 GB"
    assert limits.format_bytes(312 * 2**20) == "312 MB"
    assert limits.format_bytes(2048) == "2 KB"


@pytest.mark.parametrize(("hw", "even"), [((1, 1), (2, 2)), ((3, 7), (2, 6)), ((95, 95), (94, 94)),
                                          ((97, 512), (96, 512)), ((60, 4000), (60, 4000)), ((2, 1), (2, 2))])
def test_even_size(hw, even):
    assert even_size(*hw) == even
    clip = torch.rand(2, *hw, 3)
    out, note = to_even(clip)
    assert tuple(out.shape[1:3]) == even and out.shape[0] == 2
    assert bool(note) == (even != hw)
    if min(hw) > 1:  # cropped: the kept pixels are the originals, top-left aligned
        assert torch.equal(out, clip[:, :even[0], :even[1]])
    mask, _ = to_even(np.zeros((2, *hw), np.float32), channels_last=False)
    assert mask.shape[1:] == even


def test_to_even_says_crop_or_pad():
    assert to_even(torch.rand(1, 95, 97, 3))[1] == "cropped 97x95 to 96x94 (video needs even sizes)"
    assert to_even(torch.rand(1, 1, 1, 3))[1].startswith("padded 1x1 to 2x2")


def test_fit_size_and_downscale():
    assert fit_size(3000, 4000, 1536) == (1152, 1536)
    assert fit_size(3000, 4000, 0) == (3000, 4000) and fit_size(30, 40, None) == (30, 40)
    assert fit_size(1, 65536, 2048) == (1, 2048)
    img = torch.rand(300, 400, 3)
    small = downscale_to_max(img, 100)
    assert small.shape == (75, 100, 3)
    assert abs(float(small.mean()) - float(img.mean())) < 1e-3  # area averaging keeps the mean
    assert downscale_to_max(img, 400) is img


@pytest.mark.parametrize("hw", [(1, 1), (3, 7), (36, 64), (95, 95), (87, 512), (60, 4000), (500, 20)])
def test_trajectory_preview_any_size(hw):
    cam = build_trajectory("orbit_left", frames=5)
    base = np.full((*hw, 3), 128, np.uint8)
    out = trajectory_preview(base, cam)
    assert out.shape == base.shape
    size = inset_size(*hw)
    assert size == 0 or size + 16 <= min(hw)


def test_inset_is_drawn_when_it_fits():
    cam = build_trajectory("orbit_left", frames=5)
    base = np.full((300, 400, 3), 128, np.uint8)
    out = trajectory_preview(base, cam)
    assert inset_size(300, 400) == 100
    assert (out[300 - 108:292, 400 - 108:392] != 128).any()


def test_render_refuses_tiny_images_and_huge_budgets(monkeypatch):
    cam = build_trajectory("static", frames=2)
    with pytest.raises(ValueError, match="at least 16x16"):
        render_clip(torch.rand(7, 3, 3), cam)
    with pytest.raises(ValueError, match="raise max_size"):
        render_clip(torch.rand(64, 640, 3), cam, max_size=64)
    monkeypatch.setenv("D2V_MEMORY_BUDGET_GB", "0.0001")
    with pytest.raises(ValueError, match=r"rendering 2 frames at 64x48 needs about .* lower max_size"):
        render_clip(torch.rand(48, 64, 3), cam)


def test_render_max_size_downscales():
    cam = build_trajectory("static", frames=2)
    r = render_clip(torch.rand(60, 200, 3), cam, max_size=100)
    assert r.frames.shape == (2, 30, 100, 3) and r.depth.shape == (30, 100)
    with pytest.raises(ValueError, match="max_size must be between 0 and"):
        render_clip(torch.rand(60, 200, 3), cam, max_size=-1)
