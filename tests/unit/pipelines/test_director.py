"""Director styles: each is tested for what it promises (issue 17): the vertigo keeps the subject's size while the
background scale changes, the orbit completes 360°, the symmetric push keeps the vanishing point centred, the
reversed section really plays backward in a render, the cuts are five."""

import numpy as np
import pytest
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.camera.path import parse_path
from draw_to_video.camera.presets import PRESETS
from draw_to_video.pipelines.director import DIRECTOR_STYLES, DirectorStyle, apply_director_style, retime_map

W, H = 1024, 576


def project(cam, world, w=W, h=H):
    """(F, N, 2) pixel positions and (F, N) depths of world points (N, 3) in every frame."""
    w2c = cam.w2c()
    pc = np.einsum("fij,nj->fni", w2c[:, :3, :3], world) + w2c[:, None, :3, 3]
    px = np.einsum("fij,fnj->fni", cam.intrinsics(w, h), pc / pc[..., 2:3])
    return px[..., :2], pc[..., 2]


def test_every_director_style_is_a_preset_with_a_description():
    assert set(DIRECTOR_STYLES) <= set(PRESETS)  # each style's camera part is the preset of its name
    assert {"hitchcock", "michael_bay", "wes_anderson", "christopher_nolan"} <= set(DIRECTOR_STYLES)
    for name in DIRECTOR_STYLES:
        assert PRESETS[name].description.startswith("Director style")
    assert {n for n, p in PRESETS.items() if p.description.startswith("Director style")} == set(DIRECTOR_STYLES)


def test_hitchcock_vertigo_keeps_the_subject_size_while_the_background_scale_changes():
    cam = build_trajectory("hitchcock", frames=49, focal_length_mm=50)
    # seed: field of view 24 -> 85 mm, moving forward, zoom reversed: the lens goes 85 -> 24 mm while dollying in
    np.testing.assert_allclose(cam.focal_length_mm[[0, -1]], [85.0, 24.0], atol=1e-6)
    assert np.all(np.diff(cam.c2w[:, 2, 3]) > 0)  # forward all along
    subject = np.array([[-0.05, 0, 1.0], [0.05, 0, 1.0]])  # a 0.1-wide object at the subject distance
    background = np.array([[-0.5, 0, 3.0], [0.5, 0, 3.0]])  # a wall 3x farther
    ps, _ = project(cam, subject)
    pb, _ = project(cam, background)
    size = np.linalg.norm(ps[:, 1] - ps[:, 0], axis=1)
    bg = np.linalg.norm(pb[:, 1] - pb[:, 0], axis=1)
    assert np.max(np.abs(size / size[0] - 1)) < 0.01
    assert bg[-1] / bg[0] < 0.5  # the background shrinks away to less than half its size


def test_michael_bay_orbit_completes_360_degrees_around_the_subject():
    cam = build_trajectory("michael_bay", frames=73)
    subject = np.asarray(cam.look_at)
    rel = cam.c2w[:, :3, 3] - subject
    angle = np.degrees(np.unwrap(np.arctan2(rel[:, 0], -rel[:, 2])))
    assert abs(abs(angle[-1] - angle[0]) - 360.0) < 3.0  # shake moves the camera by ~0.02 units
    assert np.all(np.diff(angle) * np.sign(angle[-1]) > 0)  # one way round, no back-and-forth
    # always facing the subject; seed shake 0.02: the subject jitters by ~2 % of the frame width (RMS)
    rms = []
    for seed in range(8):
        c = build_trajectory("michael_bay", frames=73, seed=seed)
        px = project(c, np.asarray(c.look_at)[None])[0][:, 0] - [W / 2, H / 2]
        rms.append(np.sqrt(np.mean(np.sum(px**2, axis=1))) / W)
    assert 0.015 < np.mean(rms) < 0.025
    again = build_trajectory("michael_bay", frames=73, seed=0)
    assert np.allclose(again.c2w, cam.c2w)  # the shake is seeded


def test_michael_bay_cuts_five_times_and_plays_each_shot_at_double_speed():
    idx = retime_map(60, DIRECTOR_STYLES["michael_bay"])
    step = np.diff(idx)
    assert np.sum(step < 0) == 5  # five jump cuts (each jumps back: the next shot repeats part of the action)
    assert np.median(step[step > 0]) == 2  # rotation speed 2.0
    assert idx[0] == 0 and idx[-1] == 59  # the whole orbit is shown


def test_wes_anderson_push_is_symmetric_linear_and_constant_speed():
    # an off-centre focus tap must not break the symmetry
    path = parse_path('{"version": 1, "width": 1024, "height": 576, "strokes": [{"role": "focus", '
                      '"points": [[0.8, 0.2]]}]}', W, H)
    cam = build_trajectory("wes_anderson", frames=25, path=path)
    pos = cam.c2w[:, :3, 3]
    np.testing.assert_allclose(cam.c2w[:, :3, :3], np.broadcast_to(np.eye(3), (25, 3, 3)), atol=1e-12)
    np.testing.assert_allclose(pos[:, :2], 0.0, atol=1e-12)
    speed = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert speed.std() / speed.mean() < 1e-9  # constant speed, no easing
    # vanishing point (focus of expansion) at the image centre: points on any ray through the centre stay there,
    # and every other point moves straight away from the centre
    pts = np.array([[x, y, z] for x in (-0.4, 0.3) for y in (-0.2, 0.25) for z in (1.5, 3.0)])
    px, _ = project(cam, pts)
    d0, d1 = px[0] - [W / 2, H / 2], px[-1] - [W / 2, H / 2]
    cross = d0[:, 0] * d1[:, 1] - d0[:, 1] * d1[:, 0]
    assert np.max(np.abs(cross) / (np.linalg.norm(d0, axis=1) * np.linalg.norm(d1, axis=1))) < 1e-9
    assert np.all(np.linalg.norm(d1, axis=1) > np.linalg.norm(d0, axis=1))


def test_christopher_nolan_reversed_section_plays_backward_in_a_render(tmp_path):
    """Render the style with the CLI's job (render_file: camera part + retiming + grade) and find, for every
    output frame, the plain push-in frame it shows: inside 0.3..0.7 of the clip they must run backward."""
    from skimage import data

    from draw_to_video.pipelines.render import render_clip, render_file
    from draw_to_video.render.reach import find_aim
    from draw_to_video.video.read import read_frames

    img = data.astronaut()[::4, ::4]  # 128x128
    src = tmp_path / "a.png"
    import cv2

    cv2.imwrite(str(src), img[..., ::-1])
    n = 20
    info = render_file(src, tmp_path / "out", preset="christopher_nolan", frames=n, fps=12, overscan=1.0)
    assert info.frames == n
    out = read_frames(tmp_path / "out")[0].astype(np.float32)
    out = out / 255.0 if out.max() > 1.5 else out
    image = torch.from_numpy(img.astype(np.float32) / 255.0)
    aim = find_aim(image)  # the same aim render_file takes, so the plain move is the one it rendered
    cam = build_trajectory("christopher_nolan", frames=n, fps=12, focus=(aim.x, aim.y), subject_depth=aim.depth)
    plain = render_clip(image, cam, overscan=1.0, segmentation=aim.segmentation).frames
    graded = apply_director_style(plain, DirectorStyle("christopher_nolan", grade="cinematic")).numpy()
    err = ((out[:, None] - graded[None]) ** 2).mean(axis=(2, 3, 4))  # [out, source]
    shown = err.argmin(1)
    expected = retime_map(n, DIRECTOR_STYLES["christopher_nolan"])
    np.testing.assert_array_equal(shown, expected)
    t = np.linspace(0, 1, n)
    inside = np.nonzero((t >= 0.3) & (t <= 0.7))[0]
    assert np.all(np.diff(shown[inside]) <= 0) and shown[inside[0]] > shown[inside[-1]]
    before = np.nonzero(t < 0.3)[0]
    assert np.all(np.diff(shown[before]) >= 0)


def test_apply_director_style_keeps_the_frame_count_and_grades():
    frames = torch.rand(10, 8, 12, 3, generator=torch.Generator().manual_seed(0))
    out = apply_director_style(frames, "hitchcock")
    assert out.shape == frames.shape
    assert not torch.allclose(out, frames)  # natural grade: contrast 1.2
    same = apply_director_style(frames, DirectorStyle("x"))
    assert torch.equal(same, frames)
    with pytest.raises(ValueError, match="unknown director style .*hitchcock"):
        apply_director_style(frames, "kubrick")
    with pytest.raises(ValueError, match="batch"):
        apply_director_style(frames[0], "hitchcock")


def test_presets_command_lists_the_styles_and_trajectory_takes_the_virtual_camera(capsys, tmp_path):
    import json

    from cli_run import cli

    code, out, _ = cli(["presets"], capsys)
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    for name in DIRECTOR_STYLES:
        assert "Director style" in lines[name]
    code, out, _ = cli(["trajectory", "--preset", "hitchcock", "--frames", "5", "--camera-body", "red_komodo_6k",
                        "--lens-kind", "anamorphic_1.33x", "--aspect", "2.39:1", "--json", tmp_path / "c.json"],
                       capsys)
    assert code == 0
    cam = json.loads((tmp_path / "c.json").read_text())
    assert cam["preset"] == "hitchcock" and cam["focal_length_mm"][0] == 85.0
    assert cam["sensor_mm"][0] / cam["sensor_mm"][1] == pytest.approx(2.39)
    assert cam["sensor_mm"][0] == pytest.approx(min(27.03 * 1.33, 14.26 * 2.39))
