"""``interpolate``, ``stabilize``, ``metrics`` and ``finish`` subcommands on real clips (in-process)."""

import numpy as np
from cli_run import argparse_error, check_message, cli, one_error_line
from video_clips import translating_clip

from draw_to_video.core import params
from draw_to_video.video.read import read_frames
from draw_to_video.video.write import write_video


def test_interpolate_multiplier_and_target_fps(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_video(translating_clip(5, 3.0, h=64, w=96), 8.0, tmp_path / "in")  # folder of PNGs (12 fps default)
    code, out, err = cli(["interpolate", "--input", "in", "--multiplier", "3", "--out", "x3"], capsys)
    assert code == 0, err
    assert "5 frames at 12 fps -> 13 frames at 36 fps" in out
    assert read_frames(tmp_path / "x3")[0].shape == (13, 64, 96, 3)
    code, _, err = cli(["interpolate", "--input", "in", "--fps", "8", "--target-fps", "24", "--loop", "--out",
                        "loop.mp4"], capsys)
    assert code == 0, err
    frames, fps = read_frames(tmp_path / "loop.mp4")
    assert frames.shape[0] == 15 and abs(fps - 24) < 1e-6


def test_stabilize_and_metrics(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    clip = translating_clip(6, 2.0, h=64, w=96)
    flick = np.clip(clip * (1 + 0.08 * rng.standard_normal((6, 1, 1, 1))), 0, 1).astype(np.float32)
    write_video(flick, 12, tmp_path / "flick")
    code, _, err = cli(["stabilize", "--input", "flick", "--out", "steady", "--strength", "1"], capsys)
    assert code == 0, err
    code, out, err = cli(["metrics", "--input", "steady", "--reference", "flick", "--json"], capsys)
    assert code == 0, err
    assert '"warp_error_ratio"' in out and '"psnr"' in out


def test_finish_chains_stabilize_interpolate_and_effects(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_video(translating_clip(4, 2.0, h=48, w=96), 12, tmp_path / "in")  # 2:1, pillarboxed to 4:3
    code, out, err = cli(["finish", "--input", "in", "--stabilize", "--multiplier", "2",
                          "--effect", "film_grain", "--effect", "letterbox_4:3=1", "--seed", "3", "--out", "done"],
                         capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["stabilize", "interpolate", "film_grain", "letterbox_4:3"]
    assert "film_grain (intensity 0.7, seed 3)" in out  # the default intensity, from core/params.EFFECT
    frames, _ = read_frames(tmp_path / "done")
    assert frames.shape == (7, 48, 96, 3)
    # the pillarbox came last, so no grain on it: the effects ran in the order given
    assert frames[:, :, :14].max() < 0.02 and frames[:, :, 20:76].mean() > 0.2


def test_bad_usage_exits_2(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_video(translating_clip(3, 1.0, h=32, w=32), 8, tmp_path / "in")
    for args in (["interpolate", "--input", "in", "--out", "o"],
                 ["interpolate", "--input", "in", "--multiplier", "2", "--target-fps", "24", "--out", "o"],
                 ["interpolate", "--input", "missing.mp4", "--multiplier", "2", "--out", "o"],
                 ["metrics", "--input", "in", "--reference", "missing"],
                 ["finish", "--input", "in", "--out", "o"],
                 ["finish", "--input", "in", "--effect", "nope", "--out", "o"]):
        code, _, err = cli(args, capsys)
        assert code == 2 and one_error_line(err), (args, err)
    t = params.TEMPORAL
    code, _, err = cli(["stabilize", "--input", "in", "--out", "o", "--strength", "3"], capsys)
    assert code == 2 and argparse_error(err) == f"argument --strength: {check_message(t['strength'], 3, 'strength')}"
    code, _, err = cli(["interpolate", "--input", "in", "--out", "o", "--multiplier", "17"], capsys)
    assert code == 2 and "multiplier must be between 1 and 16, got 17" in argparse_error(err)
    code, _, err = cli(["interpolate", "--input", "in", "--out", "o", "--multiplier", "2", "--quality", "best"],
                       capsys)
    assert code == 2 and "unknown quality 'best'; use one of: fast, balanced, high" in argparse_error(err)
    code, _, err = cli(["finish", "--input", "in", "--out", "o", "--effect", "vignette=2"], capsys)
    assert code == 2 and "intensity must be between 0 and 1, got 2" in argparse_error(err)


def test_streamed_commands_equal_the_in_memory_functions(capsys, tmp_path, monkeypatch):
    """``stabilize`` (clip spilled to disk, read once per pass) and ``interpolate`` (two frames held) stream; their
    frames are those of the in-memory functions the nodes use."""
    from draw_to_video.video.interpolate import interpolate_clip
    from draw_to_video.video.temporal import temporal_consistency

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    clip = translating_clip(7, 2.5, h=64, w=96)
    flick = np.clip(clip * (1 + 0.1 * rng.standard_normal((7, 1, 1, 3))), 0, 1).astype(np.float32)
    write_video(flick, 12, tmp_path / "flick")
    write_video(clip, 12, tmp_path / "clean")
    src = read_frames(tmp_path / "flick")[0]
    u8 = lambda x: (np.asarray(x) * 255 + 0.5).astype(np.uint8).astype(int)  # noqa: E731
    code, _, err = cli(["stabilize", "--input", "flick", "--reference", "clean", "--detail", "0.5",
                        "--out", "steady"], capsys)
    assert code == 0, err
    want = temporal_consistency(src, strength=params.TEMPORAL["strength"].default,
                                sigma=params.TEMPORAL["sigma"].default, detail=0.5,
                                reference=read_frames(tmp_path / "clean")[0])
    assert np.abs(u8(read_frames(tmp_path / "steady")[0]) - u8(want)).max() <= 1
    code, _, err = cli(["interpolate", "--input", "flick", "--multiplier", "2", "--out", "x2"], capsys)
    assert code == 0, err
    want, _ = interpolate_clip(src, multiplier=2)
    assert np.abs(u8(read_frames(tmp_path / "x2")[0]) - u8(want)).max() <= 1
    code, _, err = cli(["stabilize", "--input", "flick", "--reference", "x2", "--out", "bad"], capsys)
    assert code != 0 and "reference has 13 frames but the input has 7" in err
