"""Every command answers bad input with one ``error:`` line and exit code 2, before any long work (issue 12)."""

import json

import numpy as np
import pytest
from cli_run import argparse_error, cli, one_error_line
from PIL import Image

from draw_to_video.camera.moves import build_trajectory

PATH = {"version": 1, "width": 48, "height": 32,
        "strokes": [{"role": "camera", "points": [[0.3, 0.5], [0.5, 0.5], [0.7, 0.5]]}]}


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A good image, path, camera and clip, plus damaged ones, in the working folder."""
    monkeypatch.chdir(tmp_path)
    img = (np.random.default_rng(1).random((32, 48, 3)) * 255).astype(np.uint8)
    Image.fromarray(img).save("img.png")
    Image.fromarray(img).save("clip.gif", save_all=True, append_images=[Image.fromarray(img[::-1])])
    (tmp_path / "path.json").write_text(json.dumps(PATH))
    (tmp_path / "cam.json").write_text(build_trajectory("orbit_left", frames=3).to_json())
    good_png = (tmp_path / "img.png").read_bytes()
    (tmp_path / "corrupt.png").write_bytes(np.random.default_rng(2).integers(0, 255, 4000, np.uint8).tobytes())
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "truncated.png").write_bytes(good_png[: len(good_png) // 2])
    (tmp_path / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(3000))
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "huge_role.json").write_text(json.dumps(
        {**PATH, "strokes": [{"role": "x" * 5_000_000, "points": [[0.5, 0.5]]}]}))
    return tmp_path


IMAGE_CASES = [("corrupt.png", "is not an image"), ("empty.jpg", "is not an image"),
               ("truncated.png", "could not be decoded")]


@pytest.mark.parametrize("name,says", IMAGE_CASES)
def test_a_damaged_image_is_one_line_exit_2(files, capsys, name, says):
    code, _, err = cli(["render", "--image", name, "--path", "path.json", "--out", "o.mp4"], capsys)
    assert code == 2 and one_error_line(err) and says in err and name in err, err


@pytest.mark.parametrize("argv", [
    ["interpolate", "--input", "corrupt.mp4", "--multiplier", "2", "--out", "o.mp4"],
    ["stabilize", "--input", "corrupt.png", "--out", "o.mp4"],
    ["metrics", "--input", "truncated.png"],
    ["effect", "--input", "corrupt.mp4", "--effect", "film_grain", "--out", "o.mp4"],
    ["finish", "--input", "corrupt.png", "--stabilize", "--out", "o.mp4"],
    ["finish", "--input", "clip.gif", "--effect", "film_grain", "--camera", "deep.json", "--out", "o.mp4"],
    ["trajectory", "--path", "deep.json"],
    ["trajectory", "--path", "corrupt.png"],
    ["render", "--image", "img.png", "--camera", "deep.json", "--out", "o.mp4"],
    ["render", "--image", "img.png", "--camera", "path.json", "--out", "o.mp4"],
])
def test_every_command_reports_bad_files_in_one_line(files, capsys, argv):
    code, _, err = cli(argv, capsys)
    assert code == 2 and one_error_line(err), (argv, err)
    assert len(err) < 600, err
    assert not (files / "o.mp4").exists()


def test_a_huge_value_is_echoed_as_a_short_excerpt(files, capsys):
    code, _, err = cli(["trajectory", "--path", "huge_role.json"], capsys)
    assert code == 2 and one_error_line(err) and "5000000 characters" in err and len(err) < 300, err[:500]


@pytest.mark.parametrize("argv", [
    ["render", "--image", "missing.png", "--path", "p.json"],
    ["demo"],
    ["interpolate", "--input", "missing.mp4", "--multiplier", "2"],
    ["stabilize", "--input", "missing.mp4"],
    ["effect", "--input", "missing.mp4", "--effect", "film_grain"],
    ["finish", "--input", "missing.mp4", "--stabilize"],
])
@pytest.mark.parametrize("out", ["o.xyz", "img.png/o.mp4"])
def test_out_is_refused_before_any_input_is_read(files, capsys, argv, out):
    code, _, err = cli([*argv, "--out", out], capsys)
    assert code == 2 and argparse_error(err).startswith("argument --out: "), err
    assert "not found" not in err  # the inputs were never looked at


def test_finish_checks_its_settings_before_reading_the_clip(files, capsys):
    code, _, err = cli(["finish", "--input", "missing.mp4", "--effect", "no_such_effect", "--out", "o.mp4"], capsys)
    assert code == 2 and one_error_line(err) and "no_such_effect" in err, err
