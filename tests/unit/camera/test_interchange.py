"""glTF 2.0 and Nuke .chan camera export / import (camera/interchange.py), camera accuracy (camera/accuracy.py), and
the commands that use them: trajectory --gltf/--chan, render --camera F.gltf|F.chan, track, metrics --camera."""

import json

import numpy as np
import pytest
from cli_run import cli, one_error_line

from draw_to_video.camera.accuracy import camera_accuracy, normalize_translation
from draw_to_video.camera.geometry import compose, yaw_pitch_roll
from draw_to_video.camera.interchange import from_chan, read_gltf, to_chan, to_gl, write_gltf
from draw_to_video.camera.moves import build_trajectory

MOVES = [("orbit_left", 0.0), ("crane_up", 0.0), ("pan_left", 0.0), ("dolly_zoom_in", 0.0), ("arc", 1.0),
         ("dutch_roll", 0.5)]


@pytest.mark.parametrize("preset,handheld", MOVES)
@pytest.mark.parametrize("suffix", [".gltf", ".glb", ".chan"])
def test_round_trip(tmp_path, preset, handheld, suffix):
    cam = build_trajectory(preset=preset, frames=19, handheld=handheld, seed=3)
    p = tmp_path / f"cam{suffix}"
    if suffix == ".chan":
        p.write_text(to_chan(cam, 1024, 576))
        back = from_chan(p.read_text(), 1024 / 576, fps=cam.fps)
    else:
        write_gltf(cam, p, 1024, 576)
        back = read_gltf(p)
        assert back.fps == cam.fps and np.allclose(back.focus_distance, cam.focus_distance)
    assert back.frames == cam.frames
    assert np.abs(back.c2w - cam.c2w).max() < 1e-5
    assert np.abs(back.fov_deg - cam.fov_deg).max() < 1e-5


def test_axes_are_converted_explicitly():
    """OpenCV (x right, y down, z forward) → glTF / Nuke (y up, looking −z): right stays right, down becomes −y,
    forward becomes −z, for the camera's position and its viewing direction alike."""
    c2w = compose(yaw_pitch_roll([0.0], [0.0], [0.0]), np.array([[0.1, 0.2, 0.3]]))
    m = to_gl(c2w)[0]
    assert np.allclose(m[:3, 3], [0.1, -0.2, -0.3])
    assert np.allclose(m[:3, :3], np.eye(3))  # frame 0's camera looks down the world's −z: glTF's rest pose
    pan_right = to_gl(compose(yaw_pitch_roll([30.0], [0.0], [0.0]), np.zeros((1, 3))))[0]
    forward = -pan_right[:3, 2]  # glTF cameras look down their −z
    assert forward[0] > 0.4 and forward[2] < 0  # turned right (+x), still looking into −z
    tilt_up = to_gl(compose(yaw_pitch_roll([0.0], [20.0], [0.0]), np.zeros((1, 3))))[0]
    assert -tilt_up[1, 2] > 0.3  # looking up: +y in glTF


def test_gltf_structure_and_refusals(tmp_path):
    import pygltflib

    cam = build_trajectory(preset="orbit_left", frames=7)
    write_gltf(cam, tmp_path / "c.gltf", 640, 360)
    g = pygltflib.GLTF2().load(str(tmp_path / "c.gltf"))
    assert g.cameras[0].type == "perspective" and g.cameras[0].perspective.aspectRatio == pytest.approx(16 / 9)
    paths = sorted(ch.target.path for ch in g.animations[0].channels)
    assert paths == ["pointer", "rotation", "translation"]
    assert g.accessors[g.animations[0].samplers[0].input].max == [pytest.approx(6 / cam.fps)]
    # a glTF without a camera, a corrupt file, an external buffer
    g.cameras, g.nodes[0].camera = [], None
    (tmp_path / "nocam.gltf").write_text(g.gltf_to_json())
    with pytest.raises(ValueError, match="has no camera"):
        read_gltf(tmp_path / "nocam.gltf")
    (tmp_path / "bad.glb").write_bytes(b"glTF\x02\x00\x00\x00garbage")
    with pytest.raises(ValueError, match="not a readable glTF"):
        read_gltf(tmp_path / "bad.glb")
    (tmp_path / "text.gltf").write_text("{not json")
    with pytest.raises(ValueError, match="not a readable glTF"):
        read_gltf(tmp_path / "text.gltf")
    ext = json.loads((tmp_path / "c.gltf").read_text())
    ext["buffers"][0]["uri"] = "../../etc/passwd"
    (tmp_path / "ext.gltf").write_text(json.dumps(ext))
    with pytest.raises(ValueError, match="external buffer"):
        read_gltf(tmp_path / "ext.gltf")


def test_chan_refusals():
    for text, msg in (("", "no lines"), ("1 2 3", "7 or 8 numbers"), ("1 0 0 0 0 0 x 40", "numbers only"),
                      ("1 0 0 0 0 0 0 200", "vertical FOV")):
        with pytest.raises(ValueError, match=msg):
            from_chan(text, 16 / 9)
    with pytest.raises(ValueError, match="aspect"):
        from_chan("1 0 0 0 0 0 0 40", 0.0)


def test_accuracy_definitions():
    cam = build_trajectory(preset="orbit_left", frames=13)
    same = camera_accuracy(cam.c2w, cam.c2w)
    assert same.rot_err < 1e-6 and same.trans_err == 0 and same.cammc == 0 and same.centre_err == 0  # arccos(1-ε)
    scaled = cam.c2w.copy()
    scaled[:, :3, 3] *= 3.7  # a monocular estimate has no scale: every measure ignores it
    acc = camera_accuracy(cam.c2w, scaled)
    assert acc.trans_err < 1e-6 and acc.centre_err < 1e-9 and acc.rot_err < 1e-6  # (CamI2V adds 1e-9 to the scale)
    turned = cam.c2w.copy()
    turned[1:, :3, :3] = turned[1:, :3, :3] @ yaw_pitch_roll([2.0], [0.0], [0.0])
    acc = camera_accuracy(cam.c2w, turned)
    assert acc.rot_err_mean_deg == pytest.approx(2.0 * 12 / 13, abs=1e-6)
    assert acc.rot_err == pytest.approx(np.radians(2.0) * 12, abs=1e-6)  # summed, radians (CamI2V)
    assert np.linalg.norm(normalize_translation(cam.c2w)[:, :3, 3], axis=1).max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same frame count"):
        camera_accuracy(cam.c2w, cam.c2w[:5])


def test_cli_exports_and_renders_equal_the_json_camera(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from draw_to_video.video.read import read_frames

    code, out, err = cli(["trajectory", "--preset", "orbit_left", "--frames", "6", "--width", "96", "--height",
                          "64", "--json", "c.json", "--gltf", "c.glb", "--chan", "c.chan"], capsys)
    assert code == 0, err
    code, _, err = cli(["trajectory", "--preset", "arc", "--gltf", "c.obj"], capsys)
    assert code == 2 and ".gltf or .glb" in err
    rgb = (np.random.default_rng(0).random((64, 96, 3)) * 255).astype(np.uint8)
    import cv2

    cv2.imwrite("p.png", cv2.GaussianBlur(rgb, (0, 0), 2))
    frames = {}
    for f in ("c.json", "c.glb", "c.chan"):
        code, _, err = cli(["render", "--image", "p.png", "--camera", f, "--out", f"out_{f[2:]}", "--overscan", "off",
                            "--device", "cpu"], capsys)
        assert code == 0, (f, err)
        frames[f] = read_frames(f"out_{f[2:]}")[0]
    for f in ("c.glb", "c.chan"):
        assert np.abs(frames[f] - frames["c.json"]).max() <= 1 / 255 + 1e-6, f


def test_cli_track_and_metrics_camera(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from photos import photo

    from draw_to_video.pipelines.render import render_clip
    from draw_to_video.video.write import write_video

    cam = build_trajectory(preset="crane_up", frames=12)
    write_video(render_clip(photo("astronaut"), cam, overscan=1, move_cap="off").frames, 12, "clip.mp4")
    (tmp_path / "asked.json").write_text(cam.to_json())
    code, out, err = cli(["track", "--input", "clip.mp4", "--out", "t.json", "--fov", "54.43", "--gltf", "t.gltf",
                          "--chan", "t.chan", "--preview", "top.png"], capsys)
    assert code == 0, err
    tracked = json.loads((tmp_path / "t.json").read_text())
    assert tracked["frames"] == 12 and tracked["preset"] == "tracked"
    assert (tmp_path / "t.gltf").stat().st_size and (tmp_path / "top.png").stat().st_size
    code, out, err = cli(["metrics", "--input", "clip.mp4", "--camera", "asked.json", "--json"], capsys)
    assert code == 0, err
    rep = json.loads(out)
    assert {"RotErr", "TransErr", "CamMC"} <= set(rep) and rep["rot_err_mean_deg"] < 1.0
    # bad input: one line, exit 2
    write_video(np.zeros((1, 64, 64, 3), np.float32), 12, "one.mp4")
    (tmp_path / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 200)
    (tmp_path / "nocam.gltf").write_text('{"asset": {"version": "2.0"}, "nodes": [{"name": "cube"}]}')
    for args in (["track", "--input", "one.mp4", "--out", "x.json"],
                 ["track", "--input", "corrupt.mp4", "--out", "x.json"],
                 ["track", "--input", "missing.mp4", "--out", "x.json"],
                 ["track", "--input", "clip.mp4", "--out", "x.json", "--fov", "0.5"],
                 ["track", "--input", "clip.mp4", "--out", "x.json", "--fov", "200"],
                 ["metrics", "--input", "clip.mp4", "--camera", "nocam.gltf"],
                 ["render", "--image", "top.png", "--camera", "nocam.gltf", "--out", "r.mp4"]):
        code, _, err = cli(args, capsys)
        assert code == 2 and (one_error_line(err) or "error: argument" in err), (args, err)
