"""conditioning/wan.py: Wan Fun Camera embedding from our presets (no ComfyUI; equivalence with core is in the
integration tier)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from draw_to_video.camera.lens import focal_from_fov
from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.presets import PRESETS
from draw_to_video.camera.trajectory import CameraTrajectory
from draw_to_video.conditioning.wan import (
    FRAMES_PER_LATENT,
    check_wan_length,
    core_normalized_intrinsics,
    core_pixel_intrinsics,
    latent_frames,
    wan_camera_embedding,
)

LENGTHS = list(range(1, 122, 4))


def pack_wan_frames(rays: torch.Tensor) -> torch.Tensor:
    """The reference packing, whole-clip (the embedding fills the same layout chunk by chunk).

    ``[F, H, W, 6]`` per-frame rays (F = 4n + 1) -> ``[1, 24, n + 1, H, W]``, Wan Fun Camera's layout.

    The first frame is repeated 4 times, then frames are grouped by 4; channel ``4 * c + k`` is ray channel ``c``
    of frame ``k`` in the group.
    """
    f, h, w, c = rays.shape
    groups = latent_frames(f)
    x = rays.permute(0, 3, 1, 2)  # F, 6, H, W
    x = torch.cat([x[:1].expand(FRAMES_PER_LATENT, c, h, w), x[1:]], 0)  # F + 3, 6, H, W
    x = x.reshape(groups, FRAMES_PER_LATENT, c, h, w).transpose(1, 2).reshape(groups, c * FRAMES_PER_LATENT, h, w)
    return x.transpose(0, 1).unsqueeze(0).contiguous()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_give_finite_embeddings_for_every_wan_length(name):
    cam = build_trajectory(name, frames=25, fps=16)
    for length in LENGTHS:
        emb = wan_camera_embedding(cam, 16, 16, length)
        assert emb.shape == (1, 24, (length - 1) // 4 + 1, 16, 16)
        assert emb.dtype == torch.float32 and torch.isfinite(emb).all()
        d = emb[0, 12:].reshape(3, 4, -1, 16, 16)  # direction channels: unit vectors
        assert torch.allclose(d.norm(dim=0), torch.ones(()), atol=1e-5)


def test_moving_preset_changes_the_embedding_over_time():
    emb = wan_camera_embedding(build_trajectory("dolly_in", frames=25), 32, 16, 21)
    assert (emb[0, :, -1] - emb[0, :, 0]).abs().max() > 1e-3


def test_packing_repeats_the_first_frame_and_interleaves_channels():
    rays = torch.arange(5 * 2 * 3 * 6, dtype=torch.float32).reshape(5, 2, 3, 6)
    out = pack_wan_frames(rays)
    assert out.shape == (1, 24, 2, 2, 3)
    for c in range(6):
        for k in range(4):
            assert torch.equal(out[0, 4 * c + k, 0], rays[0, :, :, c])
            assert torch.equal(out[0, 4 * c + k, 1], rays[1 + k, :, :, c])


@pytest.mark.parametrize("length", [0, 2, 80, 16])
def test_bad_length_says_what_to_use(length):
    with pytest.raises(ValueError, match="4n \\+ 1|>= 1"):
        check_wan_length(length)


@pytest.mark.parametrize("size", [(832, 480), (64, 48), (96, 48)])
def test_core_intrinsics_round_trip(size):
    k = np.array([400.0, 400.0, size[0] / 2, size[1] / 2])
    assert np.allclose(core_pixel_intrinsics(*core_normalized_intrinsics(k, *size), *size), k)


def test_frame_by_frame_packing_equals_packing_all_rays():
    from draw_to_video.conditioning.wan import plucker_rays

    cam = build_trajectory("orbit_left", frames=9)
    emb = wan_camera_embedding(cam, 24, 16, 9, translation_scale=1.0)
    rel = cam.relative_to_first()
    K = rel.intrinsics(24, 16)
    k_px = np.stack([K[:, 0, 0], K[:, 1, 1], K[:, 0, 2], K[:, 1, 2]], 1)
    assert torch.equal(emb, pack_wan_frames(plucker_rays(rel.c2w, k_px, 24, 16)))


def test_oversized_embedding_is_refused_before_allocating():
    with pytest.raises(ValueError, match="lower width, height or length"):
        wan_camera_embedding(build_trajectory("dolly_in", frames=9), 16384, 16384, 121)


def _straight_move(end: tuple[float, float, float], length: int, fov: float) -> CameraTrajectory:
    """Core's kind of move: the camera goes linearly from the origin to ``end``, no rotation."""
    c2w = np.tile(np.eye(4), (length, 1, 1))
    c2w[:, :3, 3] = np.linspace(0, 1, length)[:, None] * np.asarray(end)
    fovs = np.full(length, fov)
    return CameraTrajectory(c2w=c2w, fov_deg=fovs, focal_length_mm=np.asarray(focal_from_fov(fovs, 36.0)),
                            focus_distance=np.ones(length), aperture=np.full(length, 8.0))


def _mean_moment(emb: torch.Tensor) -> float:
    return emb[0, :12].abs().mean().item()


@pytest.mark.parametrize(("preset", "core_end", "intensity"),
                         [("dolly_in", (0, 0, 3.0), 1.0), ("truck_left", (-1.5, 0, 0), 0.15 / 0.11)])
def test_default_scale_makes_presets_as_big_as_cores_nearest_move(preset, core_end, intensity):
    """Core's Zoom In ends 3 units forward, its Pan Left 1.5 units left (speed 1): at the default translation_scale
    our dolly_in / truck_left carry about the same mean |moment|; in the trajectory's own units a tenth of it.
    The truck was calibrated at 0.15 of scene depth; since the presets were sized for what one photo holds (issue 23)
    it is 0.11 at intensity 1, so the same distance is intensity 0.15 / 0.11 (at 1 it is ~0.73 of core's Pan Left)."""
    n, fov = 33, 60.0
    core_like = _mean_moment(wan_camera_embedding(_straight_move(core_end, n, fov), 64, 48, n, 1.0))
    cam = build_trajectory(preset, frames=n, fps=16, focal_length_mm=float(focal_from_fov(fov, 36.0)),
                           intensity=intensity)
    ours = _mean_moment(wan_camera_embedding(cam, 64, 48, n))
    assert 0.8 < ours / core_like < 1.25
    assert _mean_moment(wan_camera_embedding(cam, 64, 48, n, 1.0)) < 0.15 * core_like


def test_translation_scale_scales_moments_only():
    cam = build_trajectory("orbit_left", frames=9)
    one, five = (wan_camera_embedding(cam, 24, 16, 9, s) for s in (1.0, 5.0))
    assert torch.allclose(five[0, :12], 5 * one[0, :12], atol=1e-5)
    assert torch.equal(five[0, 12:], one[0, 12:])
    assert _mean_moment(wan_camera_embedding(cam, 24, 16, 9, 0.0)) == 0.0
    for bad in (float("nan"), -1.0, True):
        with pytest.raises(ValueError, match="translation_scale"):
            wan_camera_embedding(cam, 24, 16, 9, bad)
