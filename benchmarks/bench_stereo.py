"""Stereo check of the 2.5D render: synthesize the right view of a real rectified stereo pair from the left one.

    python benchmarks/bench_stereo.py [--save DIR]

Data: ``skimage.data.stereo_motorcycle()`` (Middlebury 2014 "Motorcycle", 741x500): left and right images and the
left view's ground-truth disparity in pixels (inf = unknown). A right-view pixel ``x_r`` shows the left pixel
``x_l = x_r + d``.

The left image is rendered with ``render_views`` along a 2-frame trajectory whose frame 1 is translated along +x by
a baseline ``B``. For a depth normalized to median 1 the renderer shifts a pixel by ``f * B / z``; with the true
disparity ``d`` turned into depth (``normalize_depth(d, "disparity")``: ``z = (1/d) / median(1/d)`` over the filled
map) the shift is exactly ``d`` when ``B = 1 / (f * median(1/d))``. The same baseline is used for

  (a) the true depth (unknown pixels take the nearest known disparity),
  (b) the built-in estimate (``estimate_depth``, no model), and
  (c) the baseline: the whole image shifted left by the median disparity.

A ceiling from the data itself is printed below them: the left pixels moved by their ground-truth disparity
straight onto the right view (nearest pixel, nearer wins), on the common pixels it reaches (the two cameras differ a
little in exposure, so no method reaches the clean-copy PSNR).

Reported against the real right image (8-bit scale): PSNR and mean absolute error on the pixels valid in all three
(known ground truth, not a hole with ``fill="none"``, inside the frame after the shift), and PSNR of the filled
renders (``fill="background"``) over the whole frame. scikit-image is needed (a test dependency, not the pack's).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import import_package  # noqa: E402

import_package()

import torch  # noqa: E402

from draw_to_video.camera.lens import fov_from_focal  # noqa: E402
from draw_to_video.camera.trajectory import CameraTrajectory  # noqa: E402
from draw_to_video.render.depth import normalize_depth  # noqa: E402
from draw_to_video.render.estimate import estimate_depth  # noqa: E402
from draw_to_video.render.reproject import render_views  # noqa: E402


def stereo_camera(baseline: float, f_px: float, width: int) -> CameraTrajectory:
    """Two frames: the left camera at the origin, the right one ``baseline`` world units along +x (OpenCV axes)."""
    c2w = np.tile(np.eye(4), (2, 1, 1))
    c2w[1, 0, 3] = baseline
    sensor_w = 36.0
    focal_mm = f_px * sensor_w / width
    fov = float(fov_from_focal(focal_mm, sensor_w))
    return CameraTrajectory(c2w=c2w, fov_deg=np.full(2, fov), focal_length_mm=np.full(2, focal_mm),
                            focus_distance=np.ones(2), aperture=np.full(2, 8.0), preset="stereo")


def fill_unknown(disp: np.ndarray) -> np.ndarray:
    """Unknown (non-finite) disparities take the nearest known one (Euclidean distance transform)."""
    from scipy.ndimage import distance_transform_edt

    known = np.isfinite(disp)
    idx = distance_transform_edt(~known, return_distances=False, return_indices=True)
    return disp[tuple(idx)]


def shift_left(img: np.ndarray, d: float) -> tuple[np.ndarray, np.ndarray]:
    """right(x) = left(x + d), bilinear; returns (image, valid mask)."""
    h, w = img.shape[:2]
    xs = np.arange(w, dtype=np.float64) + d
    x0 = np.floor(xs).astype(int)
    a = (xs - x0)[None, :, None]
    valid = (x0 >= 0) & (x0 + 1 < w)
    x0c, x1c = np.clip(x0, 0, w - 1), np.clip(x0 + 1, 0, w - 1)
    out = img[:, x0c] * (1 - a) + img[:, x1c] * a
    return out, np.broadcast_to(valid[None, :], (h, w))


def ground_truth_warp(img: np.ndarray, disp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The right view made from the left ``img`` [H, W, 3] by its known disparities ``disp`` [H, W] (inf =
    unknown) alone: each pixel moved to ``x - d`` rounded, the nearer (larger ``d``) winning; returns (image, mask
    of the pixels reached)."""
    h, w = disp.shape
    ys, xs = np.nonzero(np.isfinite(disp))
    xr = np.round(xs - disp[ys, xs]).astype(int)
    inside = (xr >= 0) & (xr < w)
    ys, xs, xr = ys[inside], xs[inside], xr[inside]
    order = np.argsort(disp[ys, xs], kind="stable")  # far first: the nearer pixel is written last
    out = np.zeros_like(img)
    reached = np.zeros((h, w), bool)
    out[ys[order], xr[order]] = img[ys[order], xs[order]]
    reached[ys, xr] = True
    return out, reached


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    err = ((a - b) ** 2)[mask].mean()
    return 10.0 * math.log10(1.0 / max(err, 1e-12))


def main(argv=None) -> None:
    from skimage.data import stereo_motorcycle

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--save", type=Path, default=None, help="folder for the rendered right views and depth maps")
    args = ap.parse_args(argv)

    left, right, disp = stereo_motorcycle()
    left = left.astype(np.float32) / 255.0
    right = right.astype(np.float32) / 255.0
    h, w = disp.shape
    known = np.isfinite(disp)
    d_med = float(np.median(disp[known]))
    f_px = float(w)  # any focal length: only f * B matters for a pure translation
    true_disp = torch.from_numpy(fill_unknown(disp))
    # normalize_depth divides 1/d by the median of 1/d over the whole (filled) map, so the shift f*B/z is exactly d
    # when B = 1 / (f * that median); the median of the known pixels alone is ~5 % off on this map
    inv_median = float((1.0 / true_disp.float()).median())
    cam = stereo_camera(1.0 / (f_px * inv_median), f_px, w)
    img = torch.from_numpy(left)

    depths = {"true depth": normalize_depth(true_disp, "disparity"), "estimated": estimate_depth(img)}
    renders, valids, filled = {}, {}, {}
    for name, depth in depths.items():
        r = render_views(img, cam, depth, fill="none")
        renders[name] = r.frames[1].numpy()
        valids[name] = r.holes[1].numpy() < 0.5
        filled[name] = render_views(img, cam, depth, fill="background").frames[1].numpy()
    shifted, shift_valid = shift_left(left, d_med)
    renders["global shift"], valids["global shift"], filled["global shift"] = shifted, shift_valid, shifted

    common = known & np.logical_and.reduce(list(valids.values()))
    print(f"stereo_motorcycle {w}x{h}: median disparity {d_med:.1f} px, ground truth known on "
          f"{known.mean():.1%}; pixels valid in all three: {common.mean():.1%}")
    print(f"{'depth':<14} {'PSNR common':>12} {'MAE common':>11} {'PSNR filled':>12} {'holes':>7}")
    for name in renders:
        m3 = np.broadcast_to(common[..., None], right.shape)
        mae = float(np.abs(renders[name] - right)[m3].mean()) * 255.0
        full = np.ones_like(right, dtype=bool)
        print(f"{name:<14} {psnr(renders[name], right, m3):>12.2f} {mae:>11.2f} "
              f"{psnr(filled[name], right, full):>12.2f} {1.0 - valids[name].mean():>7.1%}")
    warped, reached = ground_truth_warp(left, disp)
    both = np.broadcast_to((common & reached)[..., None], right.shape)
    print(f"ceiling: ground-truth warp, PSNR on the common pixels it reaches ({(common & reached).mean():.1%}): "
          f"{psnr(warped, right, both):.2f}; the true-depth render on the same pixels: "
          f"{psnr(renders['true depth'], right, both):.2f}")
    if args.save is not None:
        from PIL import Image

        args.save.mkdir(parents=True, exist_ok=True)
        for name, im in filled.items():
            out = args.save / f"{name.replace(' ', '_')}.png"
            Image.fromarray((np.clip(im, 0, 1) * 255).astype(np.uint8)).save(out)
        for name, depth in depths.items():
            disp_img = (1.0 / depth).numpy()
            disp_img = disp_img / disp_img.max()
            Image.fromarray((disp_img * 255).astype(np.uint8)).save(args.save / f"depth_{name.replace(' ', '_')}.png")


if __name__ == "__main__":
    main()
