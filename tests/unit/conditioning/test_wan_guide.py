"""conditioning/wan_guide.py and pipelines/guide.py: the render as a Wan VACE / Fun Control guide (no ComfyUI;
the graphs are in tests/integration/test_wan_guide_workflows.py)."""

from __future__ import annotations

import pytest
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.conditioning.wan_guide import (
    check_guide_length,
    check_wan_size,
    depth_video,
    dilate,
    fit_box,
    generate_mask,
    legal_length,
)
from draw_to_video.core.params import WAN_GUIDE, WAN_MAX_LENGTH
from draw_to_video.pipelines.guide import fit_picture, wan_guide


def picture(h=72, w=96, seed=0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    base = torch.linspace(0, 1, w).view(1, w, 1).expand(h, w, 3)
    return (0.6 * base + 0.4 * torch.rand(h, w, 3, generator=g)).contiguous()


@pytest.fixture(scope="module")
def orbit_guide():
    cam = build_trajectory(preset="orbit_left", frames=12, fps=12.0, intensity=1.0, path=None)
    return wan_guide(picture(), cam, width=64, height=48, length=9, grow=3, feather=2.0, stretch=1.5)


def test_sizes_are_legal_for_every_length_up_to_the_limit():
    for frames in range(1, WAN_MAX_LENGTH + 1):
        n = legal_length(frames)
        assert (n - 1) % 4 == 0 and 1 <= n <= frames and frames - n < 4
        assert check_guide_length(n) == n
        if n != frames:
            with pytest.raises(ValueError, match=f"use {n} or {n + 4}"):
                check_guide_length(frames)
    assert legal_length(500) == WAN_MAX_LENGTH
    with pytest.raises(ValueError, match="longer than the models allow"):
        check_guide_length(WAN_MAX_LENGTH + 4)
    # the node's widgets step to legal values only
    assert WAN_GUIDE["length"].step == 4 and WAN_GUIDE["length"].lo == 1
    assert WAN_GUIDE["width"].step == 16 and WAN_GUIDE["height"].step == 16


@pytest.mark.parametrize("length", [1, 5, 9, 13])
def test_guide_tensors_have_the_asked_size_and_length(length):
    cam = build_trajectory(preset="dolly_in", frames=7, fps=12.0, intensity=1.0, path=None)
    g = wan_guide(picture(), cam, width=48, height=32, length=length)
    assert g.control.shape == (length, 32, 48, 3) and g.depth.shape == (length, 32, 48, 3)
    assert g.mask.shape == (length, 32, 48) and g.reference.shape == (1, 32, 48, 3)
    assert (g.length, g.width, g.height) == (length, 48, 32)
    assert any("resampled" in n for n in g.notes) and any("cropped to 96x64" in n for n in g.notes)


def test_sizes_not_divisible_by_16_are_refused_with_the_nearest():
    assert check_wan_size(832, 480) == (832, 480)
    with pytest.raises(ValueError, match="width that is a multiple of 16; got 830: use 816 or 832"):
        check_wan_size(830, 480)
    with pytest.raises(ValueError, match="height must be a whole number of pixels >= 16"):
        check_wan_size(64, 10)
    with pytest.raises(ValueError, match="height that is a multiple of 16; got 20: use 16 or 32"):
        check_wan_size(64, 20)


def test_mask_covers_every_hole_and_every_stretched_pixel(orbit_guide):
    g = orbit_guide
    assert g.holes.sum() > 0 and g.stretched.sum() > 0, "the orbit should reveal and stretch something"
    assert bool((g.mask[g.holes > 0.5] == 1).all())
    assert bool((g.mask[g.stretched > 0.5] == 1).all())
    assert 0 <= float(g.mask.min()) and float(g.mask.max()) <= 1
    # grown: every pixel within `grow` of a hole is 1 too; feathered: soft values outside it
    assert bool((g.mask[dilate(torch.maximum(g.holes, g.stretched), 3) > 0.5] == 1).all())
    assert bool(((g.mask > 0) & (g.mask < 1)).any())


def test_mask_grow_and_feather_are_what_they_say():
    holes = torch.zeros(1, 21, 21)
    holes[0, 10, 10] = 1
    mag = torch.ones(1, 21, 21)
    mask, stretched = generate_mask(holes, mag, grow=2, feather=0.0, stretch=2.0)
    assert stretched.sum() == 0 and mask.sum() == 25 and mask[0, 8:13, 8:13].min() == 1
    mag[0, 0, 0] = 3.0  # stretched beyond the threshold
    mask, stretched = generate_mask(holes, mag, grow=0, feather=1.5, stretch=2.0)
    assert stretched[0, 0, 0] == 1 and mask[0, 0, 0] == 1 and mask[0, 10, 10] == 1
    assert 0 < float(mask[0, 10, 11]) < 1 and float(mask[0, 10, 16]) < 1e-3


def test_depth_video_is_disparity_near_bright_on_one_range():
    z = torch.ones(3, 8, 8)
    z[:, :, :4] = 4.0  # left half far
    z[2] = 0.5  # last frame: everything closer than before
    d = depth_video(z)
    assert d.shape == (3, 8, 8, 3) and float(d.min()) >= 0 and float(d.max()) <= 1
    assert float(d[0, 0, 0, 0]) < float(d[0, 0, 7, 0]), "near must be brighter than far"
    assert float(d[2].mean()) > float(d[0].mean()), "one range for the clip: closer frames are brighter"
    assert torch.equal(d[..., 0], d[..., 2])


def test_fit_picture_crops_to_the_aspect_then_resizes():
    img = picture(72, 96)
    out, note = fit_picture(img, 48, 48)
    assert out.shape == (48, 48, 3) and "cropped to 72x72" in note
    assert fit_box((72, 96), 48, 48) == (0, 12, 72, 72)
    same, none = fit_picture(img, 96, 72)
    assert same is img and none is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(length=125), "longer than the models allow"),
    (dict(length=8), "4n \\+ 1"),
    (dict(width=50), "multiple of 16"),
    (dict(grow=-1), "grow"),
])
def test_bad_settings_give_one_line(kwargs, message):
    cam = build_trajectory(preset="dolly_in", frames=5, fps=12.0, intensity=1.0, path=None)
    args = dict(width=48, height=32, length=5) | kwargs
    with pytest.raises(ValueError, match=message) as e:
        wan_guide(picture(), cam, **args)
    assert "\n" not in str(e.value)


def test_a_one_frame_camera_and_nan_depth_are_refused():
    one = build_trajectory(preset="dolly_in", frames=1, fps=12.0, intensity=1.0, path=None)
    with pytest.raises(ValueError, match="1 frame: a guide needs a move"):
        wan_guide(picture(), one, width=48, height=32, length=5)
    cam = build_trajectory(preset="dolly_in", frames=5, fps=12.0, intensity=1.0, path=None)
    depth = torch.rand(72, 96) + 0.5
    depth[3, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        wan_guide(picture(), cam, depth, width=48, height=32, length=5, depth_kind="depth")
    with pytest.raises(ValueError, match="NaN"):
        depth_video(torch.full((1, 4, 4), float("nan")))
    with pytest.raises(ValueError, match="no frames"):
        generate_mask(torch.zeros(0, 4, 4), torch.zeros(0, 4, 4), grow=1, feather=1, stretch=2)


def test_a_depth_map_is_cropped_with_the_picture():
    cam = build_trajectory(preset="truck_left", frames=5, fps=12.0, intensity=1.0, path=None)
    depth = torch.linspace(1, 3, 96).view(1, 96).expand(72, 96).contiguous()  # far on the right
    g = wan_guide(picture(), cam, depth, width=48, height=48, length=5, depth_kind="depth")
    first = g.depth[0, ..., 0]
    assert float(first[:, :8].mean()) > float(first[:, -8:].mean())  # near (left) bright


def test_frame_zero_is_the_picture_and_outside_the_mask_the_render(orbit_guide):
    g = orbit_guide
    assert float((g.control[0] - g.reference[0]).abs().max()) < 0.02
    assert float(g.mask[0].max()) < 1  # nothing to generate in the first frame's own view (only feathering)
