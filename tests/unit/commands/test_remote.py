"""The command line and the client tell the truth (issue 24 items 5-6, issue 29): one-line errors with the closest
valid name, ``--out`` checked before any work, a note when a video is read as a picture, the CLI importing only the
command asked for, and the client encoding JSON values for text inputs once and reporting ComfyUI's own reasons."""

import importlib
import json

import numpy as np
import pytest
from cli_run import cli, one_error_line
from PIL import Image

from draw_to_video import cli as cli_module
from draw_to_video import client


def test_a_wrong_choice_is_one_line_with_the_closest_name(capsys):
    code, _, err = cli(["render", "--image", "x.png", "--preset", "orbit_lefft", "--out", "o.mp4"], capsys)
    assert code == 2 and one_error_line(err), err
    assert "did you mean orbit_left" in err and "usage:" not in err and len(err) < 300, err
    code, _, err = cli(["rendr"], capsys)
    assert code == 2 and one_error_line(err) and "did you mean render" in err, err


def test_a_choice_nothing_like_the_names_lists_them_in_one_line(capsys):
    code, _, err = cli(["render", "--image", "x.png", "--preset", "qqqq", "--out", "o.mp4"], capsys)
    assert code == 2 and one_error_line(err) and "choose from auto, static" in err and len(err) < 500, err


def test_missing_arguments_are_one_line_too(capsys):
    code, _, err = cli(["render", "--out", "o.mp4"], capsys)
    assert code == 2 and one_error_line(err) and "--image" in err, err


@pytest.mark.parametrize("out, says", [("/proc/o.mp4", "not writable"), ("/missing/dir/o.mp4", "does not exist")])
def test_out_that_cannot_be_written_is_refused_before_any_work(tmp_path, monkeypatch, capsys, out, says):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(["render", "--image", "missing.png", "--preset", "dolly_in", "--out", out], capsys)
    assert code == 2 and one_error_line(err) and says in err and out in err, err
    assert "missing.png" not in err  # refused before the inputs were looked at


def test_folders_are_created_only_when_asked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    img = (np.random.default_rng(0).random((32, 48, 3)) * 255).astype(np.uint8)
    Image.fromarray(img).save("img.png")
    argv = ["render", "--image", "img.png", "--preset", "dolly_in", "--frames", "2", "--out", "new/sub/o.mp4"]
    code, _, err = cli(argv, capsys)
    assert code == 2 and "add --mkdir" in err and not (tmp_path / "new").exists(), err
    code, _, err = cli([*argv, "--mkdir"], capsys)
    assert code == 0, err
    assert (tmp_path / "new" / "sub" / "o.mp4").stat().st_size > 0


def test_a_video_given_as_the_picture_gets_a_note(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frames = [Image.fromarray(np.full((32, 48, 3), v, np.uint8)) for v in (40, 200)]
    frames[0].save("clip.gif", save_all=True, append_images=frames[1:])
    code, _, err = cli(["render", "--image", "clip.gif", "--preset", "dolly_in", "--frames", "2", "--out", "o.mp4"],
                       capsys)
    assert code == 0, err
    assert "note: --image 'clip.gif' is a video: its first frame (frame 0) is used" in err, err


def test_the_command_index_is_what_the_modules_register():
    for module, names in cli_module.COMMAND_MODULES.items():
        before = set(cli_module.COMMANDS)
        importlib.import_module(f"draw_to_video.commands.{module}")
        assert {n for n, (_, fn) in cli_module.COMMANDS.items() if fn.__module__.endswith(f".{module}")} == set(names)
        assert set(names) >= set(cli_module.COMMANDS) - before


def test_remote_help_lists_every_shipped_workflow(capsys):
    code, out, _ = cli(["remote", "--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    for name in client.workflow_names():
        assert name in text, name
    assert {"multi_shot", "wan_ati_draw", "wan_fun_camera_draw", "wan22_fun_camera_draw"} <= set(
        client.workflow_names())


# --- the client ---------------------------------------------------------------------------------------------------
def test_json_values_for_text_inputs_are_encoded_once():
    spec = {"version": 1, "shots": [{"image": 0, "preset": "dolly_in", "frames": 4}]}
    prompt = client.load_workflow("multi_shot")
    client.set_input(prompt, "Shots.spec", spec)  # a dict from Python
    assert json.loads(prompt["2"]["inputs"]["spec"]) == spec
    client.set_text(prompt, "Shots.spec", json.dumps(spec, indent=2))  # remote --set "Shots.spec=$(cat spec.json)"
    assert prompt["2"]["inputs"]["spec"] == json.dumps(spec, indent=2)
    client.set_text(prompt, "Save Video.filename_prefix", '"video/x"')
    assert prompt["4"]["inputs"]["filename_prefix"] == "video/x"
    client.set_text(prompt, "Save Video.filename_prefix", "42")
    assert prompt["4"]["inputs"]["filename_prefix"] == "42"
    draw = client.prepare("draw_to_video", path_json={"version": 1, "strokes": []}, sets={"Camera.frames": 3})
    assert json.loads(draw["2"]["inputs"]["path_json"]) == {"version": 1, "strokes": []}
    assert draw["3"]["inputs"]["frames"] == 3
    client.set_text(draw, "Camera.frames", "5")
    assert draw["3"]["inputs"]["frames"] == 5


def test_a_rejection_quotes_comfyuis_own_reason():
    # the shape of ComfyUI 0.3.64's /prompt answer (execution.validate_inputs)
    answer = {"prompt_id": "p", "node_errors": {"3": {"class_type": "D2V_CinematicCameraTrajectory", "errors": [
        {"type": "value_smaller_than_min", "message": "Value 0 smaller than min of 1", "details": "frames"}]},
        "2": {"class_type": "D2V_ShotList", "errors": [
            {"type": "custom_validation_failed", "message": "Custom validation failed for node",
             "details": "spec - shot 0: camera JSON version 2 is not supported; use 1"}]}}}
    text = client.Client._describe_rejection(answer, {"3": "Camera", "2": "Shots"})
    assert "node 'Camera' (D2V_CinematicCameraTrajectory): frames: Value 0 smaller than min of 1" in text
    assert "node 'Shots' (D2V_ShotList): spec - shot 0: camera JSON version 2" in text
    assert "\n" not in text
