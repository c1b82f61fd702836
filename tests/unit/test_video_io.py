import numpy as np
import pytest

from draw_to_video.video.io import read_frames, write_video


def _clip(n=6, h=48, w=64):
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([np.sin(6 * xx), np.cos(5 * yy), np.sin(4 * (xx + yy))], -1).astype(np.float32) * 0.4 + 0.5
    return np.stack([np.roll(base, i * 2, axis=1) for i in range(n)])


@pytest.mark.parametrize("ext", [".mp4", ".gif", ""])
def test_round_trip(tmp_path, ext):
    clip = _clip()
    out = write_video(clip, 12.0, tmp_path / f"clip{ext}")
    frames, fps = read_frames(out)
    assert frames.shape == clip.shape
    assert frames.dtype == np.float32
    if ext == "":
        assert np.abs(frames - clip).max() <= 1 / 255 + 1e-6
    if ext == ".mp4":
        assert fps == pytest.approx(12.0)
        assert np.abs(frames - clip).mean() < 0.02


def test_odd_size_is_cropped_for_h264(tmp_path):
    clip = _clip(h=33, w=45)
    frames, _ = read_frames(write_video(clip, 8, tmp_path / "odd.mp4"))
    assert frames.shape[1:3] == (32, 44)
    assert np.abs(frames - clip[:, :32, :44]).mean() < 0.02  # the top-left part is kept, not rescaled
    one, _ = read_frames(write_video(_clip(h=1, w=7), 8, tmp_path / "line.mp4"))
    assert one.shape[1:3] == (2, 6)


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_frames(tmp_path / "missing.mp4")
    with pytest.raises(ValueError, match="no images"):
        read_frames(tmp_path)
    with pytest.raises(ValueError, match="B >= 1"):
        write_video(np.zeros((0, 4, 4, 3)), 12, tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="fps"):
        write_video(_clip(), 0, tmp_path / "x.mp4")
