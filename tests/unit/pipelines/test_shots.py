"""Shot lists (pipelines/shots.py): spec checks, the frame-count rule, and joins that neither blank, repeat nor jump."""

import json

import numpy as np
import pytest
import torch
from skimage import data

from draw_to_video.pipelines.inputs import read_image
from draw_to_video.pipelines.render import EXAMPLE_IMAGE
from draw_to_video.pipelines.shots import assemble, parse_shot_list, render_shot, render_shot_list

W, H, FRAMES = 96, 54, 30
MOVES = ("dolly_in", "orbit_left", "pan_right")


def _spec(kind="cut", k=0, frames=FRAMES, **extra):
    shots = [{"image": i, "preset": MOVES[i], "frames": frames, "intensity": 2.0} for i in range(3)]
    for s in shots[1:]:
        s["transition"] = kind
        if kind != "cut":
            s["transition_frames"] = k
    return {"version": 1, "fps": 12, "width": W, "height": H, "shots": shots, **extra}


@pytest.fixture(scope="module")
def rendered():
    """The three shots rendered once (real photos: the bundled example, astronaut, coffee)."""
    images = [read_image(EXAMPLE_IMAGE), torch.from_numpy(data.astronaut() / 255.0).float(),
              torch.from_numpy(data.coffee() / 255.0).float()]
    spec = parse_shot_list(_spec())
    return [render_shot(s, i, spec, images) for i, s in enumerate(spec.shots)], images


def _steps(clip):
    return (clip[1:] - clip[:-1]).abs().mean(dim=(1, 2, 3)).numpy()


@pytest.mark.parametrize("kind, k", [("cut", 0), ("crossfade", 12), ("whip_pan", 14), ("morph", 14)])
def test_three_shots_join_without_blank_repeated_or_jumping_frames(rendered, kind, k):
    shots, _ = rendered
    spec = parse_shot_list(_spec(kind, k))
    clip = assemble(shots, spec)
    assert clip.shape == (3 * FRAMES - 2 * k, H, W, 3) == (spec.total_frames, H, W, 3)
    steps = _steps(clip)
    means = clip.mean(dim=(1, 2, 3)).numpy()
    assert means.min() > 0.1 and clip.std(dim=(1, 2, 3)).min() > 0.05  # no black or flat frame
    joins = [FRAMES - k, 2 * FRAMES - 2 * k]  # first frame of each transition (or of the next shot at a cut)
    for j in joins:
        around = steps[j - 2: j + k + 1]  # from two frames before the transition to the first pure frame after
        assert around.min() > 2e-3, f"a repeated frame at the {kind} join: {around}"
        if kind != "cut":
            inside = max(float(_steps(s).max()) for s in shots)
            assert around.max() <= inside, f"{kind}: a step of {around.max():.3f} > {inside:.3f} inside the shots"
        else:
            assert steps[j - 1] > 3 * max(steps[j - 2], steps[j]), "a cut is one clean change"
    assert torch.equal(clip[: FRAMES - k], shots[0][: FRAMES - k])  # the shots themselves are untouched


def test_render_shot_list_from_clips_and_images_counts_frames():
    clips = [torch.rand(12, 40, 60, 3, generator=torch.Generator().manual_seed(s)) for s in range(2)]
    spec = parse_shot_list({"version": 1, "fps": 8, "width": 32, "height": 24, "shots": [
        {"clip": 0, "frames": 10}, {"clip": 1, "frames": 12, "transition": "crossfade", "transition_frames": 4}]})
    out = render_shot_list(spec, clips=clips)
    assert out.shape == (18, 24, 32, 3) and spec.total_frames == 18


def test_cover_resize_keeps_aspect_by_cropping():
    from draw_to_video.pipelines.shots import cover_resize

    img = torch.zeros(100, 300, 3)
    img[:, 100:200] = 1.0  # a white centre third
    out = cover_resize(img, 100, 100)
    assert out.shape == (100, 100, 3) and out.mean() > 0.97


@pytest.mark.parametrize("change, match", [
    ({"version": 2}, "version"),
    ({"shots": []}, "non-empty"),
    ({"fps": 0}, "fps"),
    ({"width": 8}, "width"),
    ({"colour": 1}, "unknown key"),
])
def test_bad_spec_refused(change, match):
    with pytest.raises(ValueError, match=match):
        parse_shot_list({**_spec(), **change})


@pytest.mark.parametrize("i, change, match", [
    (0, {"transition": "crossfade", "transition_frames": 4}, "shot 0 .*first shot"),
    (1, {"transition": "dissolve"}, "shot 1: transition"),
    (1, {"transition": "cut", "transition_frames": 3}, "a cut has no transition frames"),
    (1, {"transition": "morph", "transition_frames": 1}, ">= 2"),
    (2, {"transition": "crossfade", "transition_frames": 30}, "shot 2: transition_frames 30 must be fewer"),
    (1, {"frames": None}, '"frames" is missing'),
    (1, {"frames": 2.5}, "whole number"),
    (1, {"preset": "nope"}, "unknown preset"),
    (1, {"clip": 0}, "exactly one of"),
    (1, {"path": {}, "camera": {}}, "one of preset, path, camera"),
    (1, {"bogus": 1}, "unknown key"),
])
def test_bad_shot_refused(i, change, match):
    spec = _spec()
    spec["shots"][i] = {k: v for k, v in {**spec["shots"][i], **change}.items() if v is not None}
    if "path" in change:
        del spec["shots"][i]["preset"]
    with pytest.raises(ValueError, match=match):
        parse_shot_list(json.dumps(spec))


def test_missing_image_index_and_clip_are_clear():
    spec = parse_shot_list({"version": 1, "width": 32, "height": 32, "shots": [{"image": 3, "frames": 4}]})
    with pytest.raises(ValueError, match="image 3, but 0 image"):
        render_shot_list(spec)
    spec = parse_shot_list({"version": 1, "width": 32, "height": 32, "shots": [{"clip": 0, "frames": 4}]})
    with pytest.raises(ValueError, match="clip 0 has 2 frames"):
        render_shot_list(spec, clips=[torch.zeros(2, 8, 8, 3)])


def test_total_frames_rule():
    spec = parse_shot_list(_spec("crossfade", 5, frames=20))
    assert spec.total_frames == 60 - 10
    assert np.isclose(spec.fps, 12)


def test_image_names_go_through_the_resolver_when_one_is_given(tmp_path):
    """The node passes a resolver (ComfyUI's input folder); its answer is what is read, its refusal is the error.
    Without one, a name is a local path relative to the spec's folder (CLI)."""
    spec = {"version": 1, "shots": [{"image": "a.png", "frames": 2}, {"image": 0, "frames": 2}]}
    seen = []

    def resolve(name, what):
        seen.append((name, what))
        return "/resolved/" + name

    assert parse_shot_list(spec, resolve=resolve).shots[0].image == "/resolved/a.png"
    assert seen == [("a.png", "shot 0 image")]  # indices are not names

    def refuse(name, what):
        raise ValueError(f"{what} {name!r} is not a file in ComfyUI's input folder")

    with pytest.raises(ValueError, match="shot 0 image 'a.png' is not a file"):
        parse_shot_list(spec, resolve=refuse)
    assert parse_shot_list(spec, base_dir=tmp_path).shots[0].image == str(tmp_path / "a.png")
