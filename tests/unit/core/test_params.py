"""core/params is the single source of every choice list and range: the node schemas (as recorded from a real
ComfyUI in tests/data/object_info-pack.json), the CLI parsers, the pure functions and the widget's generated module
all agree with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import cli

from draw_to_video.core import params

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = json.loads((ROOT / "tests" / "data" / "object_info-pack.json").read_text())

NODE_TABLES = {
    "D2V_CinematicCameraTrajectory": params.TRAJECTORY,
    "D2V_CameraMotionRender": params.RENDER,
    "D2V_FrameInterpolate": params.INTERPOLATE,
    "D2V_KeyframeInterpolate": params.KEYFRAMES,
    "D2V_TemporalConsistency": params.TEMPORAL,
    "D2V_ExclusiveEffects": params.EFFECT,
    "D2V_SVDImageEncodeWithMotion": params.SVD,
    "D2V_PromptTemplate": params.PROMPT,
}
NOT_A_NODE_INPUT = {("D2V_CinematicCameraTrajectory", "aperture"), ("D2V_KeyframeInterpolate", "fps")}
"""Table entries a node does not show (the trajectory's f-number, the keyframes video's fps: the CLI and Python API
only; the node's frames go to Create Video, which sets the fps)."""
NODE_WORDED_TOOLTIPS = {
    ("D2V_CameraMotionRender", "fill"), ("D2V_CameraMotionRender", "depth_of_field"),
    *(("D2V_SVDImageEncodeWithMotion", n) for n in ("video_frames", "motion_bucket_id", "guidance", "strength",
                                                     "release", "depth_kind", "recipe")),
}
"""Inputs whose tooltip a node words for its own context; every other tooltip is the table's help."""


def _inputs(node_id: str) -> dict:
    spec = SCHEMAS[node_id]["input"]
    return {**spec.get("required", {}), **spec.get("optional", {})}


def _expected(spec) -> tuple[str, dict]:
    """The /object_info entry a spec must produce: (type, options)."""
    if isinstance(spec, params.Range):
        opts = {"default": spec.default, "min": spec.lo, "max": spec.hi}
        if spec.step is not None:
            opts["step"] = spec.step
        return ("INT" if spec.kind == "int" else "FLOAT"), opts
    if isinstance(spec, params.Choice):
        return "COMBO", {"default": spec.default, "options": list(spec.options)}
    return "BOOLEAN", {"default": spec.default}


@pytest.mark.parametrize("node_id", sorted(NODE_TABLES))
def test_recorded_node_schemas_are_the_tables(node_id):
    inputs = _inputs(node_id)
    table = NODE_TABLES[node_id]
    for name, spec in table.items():
        if (node_id, name) in NOT_A_NODE_INPUT:
            assert name not in inputs
            continue
        assert name in inputs, f"{node_id} has no input {name!r} although core/params has it"
        kind, opts = inputs[name][0], inputs[name][1]
        want_kind, want = _expected(spec)
        assert kind == want_kind, (node_id, name)
        for key, value in want.items():
            assert opts.get(key) == value and type(opts.get(key)) is type(value), (node_id, name, key, opts)
        if isinstance(spec, params.Range):
            assert ("step" in opts) == (spec.step is not None), (node_id, name)
        if (node_id, name) not in NODE_WORDED_TOOLTIPS:
            assert opts.get("tooltip") == (spec.help or None), (node_id, name)


def test_data_owned_choice_lists_are_read_from_their_homes():
    from draw_to_video.camera.presets import AUTO, PRESETS
    from draw_to_video.effects.registry import EFFECTS

    assert _inputs("D2V_CinematicCameraTrajectory")["preset"][1]["options"] == [AUTO, *PRESETS]
    assert _inputs("D2V_ExclusiveEffects")["effect"][1]["options"] == list(EFFECTS)


def test_every_output_has_a_display_name_and_the_shipped_workflows_show_it():
    types = {"IMAGE", "MASK", "STRING", "INT", "FLOAT", "LATENT", "MODEL", "CONDITIONING", "D2V_CAMERA", "D2V_PATH"}
    for node_id, info in SCHEMAS.items():
        assert not set(info["output_name"]) & types, (node_id, info["output_name"])
    for path in sorted((ROOT / "workflows").glob("*.json")):
        for node in json.loads(path.read_text())["nodes"]:
            if node["type"] in SCHEMAS:
                names = [o["name"] for o in node.get("outputs", [])]
                assert names == SCHEMAS[node["type"]]["output_name"][:len(names)], (path.name, node["type"])


# --- the CLI ----------------------------------------------------------------------------------------------------
def _parser_actions():
    """(command, action) for every argument of every subcommand."""
    import argparse
    import importlib

    from draw_to_video import cli as cli_module

    for module in cli_module.COMMAND_MODULES:
        importlib.import_module(f"draw_to_video.commands.{module}")
    parser = cli_module.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for action in p._actions:
            yield name, action


OPTIONAL_BY_DESIGN = {("interpolate", "--multiplier"), ("interpolate", "--target-fps"), ("interpolate", "--fps"),
                      ("finish", "--multiplier"), ("finish", "--target-fps"), ("finish", "--fps"), ("effect", "--fps"),
                      ("render", "--fps"), ("render", "--width"), ("render", "--height"),
                      ("track", "--fps")}
"""Options whose absence means something (exactly one of multiplier / target fps; fps read from the video; the
render's fps and size depend on the backend)."""


def test_cli_choices_and_defaults_are_the_tables():
    specs = {id(s) for table in params.TABLES.values() for s in table.values()}
    tagged = []
    for command, action in _parser_actions():
        spec = getattr(action, "d2v_param", (None, None))[1]
        if spec is None:
            continue
        flag = action.option_strings[0]
        tagged.append((command, flag))
        assert id(spec) in specs, (command, flag)
        if (command, flag) in OPTIONAL_BY_DESIGN:
            assert action.default is None
        else:
            assert action.default == spec.default, (command, flag, action.default)
        if isinstance(spec, params.Choice):
            assert action.choices == list(spec.options), (command, flag)
    expected = {("trajectory", "--frames"), ("trajectory", "--seed"), ("render", "--fill"), ("render", "--depth-kind"),
                ("render", "--depth-of-field"), ("interpolate", "--quality"), ("stabilize", "--sigma"),
                ("effect", "--intensity"), ("effect", "--seed"), ("finish", "--quality"), ("demo", "--frames")}
    assert expected <= set(tagged), expected - set(tagged)
    untagged = {(c, a.option_strings[0]) for c, a in _parser_actions() if a.option_strings and
                a.option_strings[0] in {"--frames", "--fps", "--intensity", "--seed", "--quality", "--fill"}
                and not hasattr(a, "d2v_param")}
    assert not untagged, f"options that bypass core/params: {untagged}"


def test_params_command_prints_the_tables_and_writes_the_widget_module(capsys, tmp_path):
    code, out, _ = cli(["params"], capsys)
    assert code == 0 and json.loads(out) == params.export_tables()
    target = tmp_path / "d2v_params.js"
    code, out, _ = cli(["params", "--write-widget", target], capsys)
    assert code == 0 and target.read_text() == params.widget_module_source()


def test_the_widget_module_is_generated_from_the_tables():
    shipped = (ROOT / "web" / "js" / "d2v_params.js").read_text(encoding="utf-8")
    assert shipped == params.widget_module_source(), "regenerate: python -m draw_to_video params --write-widget"


# --- the pure functions -----------------------------------------------------------------------------------------
def test_easing_curves_are_the_easing_names():
    from draw_to_video.camera.easing import EASINGS

    assert tuple(EASINGS) == params.EASINGS
    assert params.TRAJECTORY["easing"].options == ("auto", *params.EASINGS)


def test_guidance_modes_and_interpolation_qualities_are_the_params_lists():
    from draw_to_video.conditioning import svd
    from draw_to_video.video.interpolate import QUALITY, quality_settings

    assert svd.GUIDANCE_MODES is params.GUIDANCE_MODES
    assert params.SVD["guidance"].options == params.GUIDANCE_MODES
    assert tuple(QUALITY) == params.INTERPOLATION_QUALITIES == params.INTERPOLATE["quality"].options
    with pytest.raises(ValueError, match="unknown quality"):
        quality_settings("best")


def test_the_renderer_takes_exactly_the_fill_modes_and_depth_kinds_of_params():
    import torch

    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.render import depth as depth_mod
    from draw_to_video.render.reproject import render_views

    image = torch.rand(12, 16, 3)
    camera = build_trajectory("truck_right", frames=2)
    for fill in params.FILL_MODES:
        assert render_views(image, camera, fill=fill).frames.shape == (2, 12, 16, 3)
    with pytest.raises(ValueError, match="fill"):
        render_views(image, camera, fill="blur")
    assert set(depth_mod.DEPTH_KINDS) == set(params.DEPTH_KINDS)
    ramp = torch.linspace(1.0, 2.0, 12 * 16).reshape(12, 16)
    for kind in params.DEPTH_KINDS:
        assert depth_mod.normalize_depth(ramp, kind).shape == (12, 16)
    with pytest.raises(ValueError, match="depth kind"):
        depth_mod.normalize_depth(ramp, "height")


def test_range_checks_are_exact_and_say_what_is_wrong():
    import numpy as np

    seed = params.EFFECT["seed"]
    assert seed.check(2**64 - 2, "seed") == 2**64 - 2  # exact: a 64-bit seed never passes through a float
    assert seed.check(np.uint64(2**64 - 1), "seed") == 2**64 - 1
    for bad, words in ((2**64, "between 0 and 18446744073709551615"), (1.5, "whole number"),
                       (float("nan"), "finite"), ("7", "a number"), (True, "a number")):
        with pytest.raises(ValueError, match=words):
            seed.check(bad, "seed")
    assert params.TRAJECTORY["fps"].check(np.float32(12.0), "fps") == 12.0
    with pytest.raises(ValueError, match="unknown easing 'bounce'"):
        params.TRAJECTORY["easing"].check("bounce", "easing")


def test_check_all_checks_each_value_in_order_and_types_it():
    from draw_to_video.core.params import TRAJECTORY, check_all

    frames, fps, seed, easing = check_all(TRAJECTORY, frames=25, fps=24, seed=2**31 - 1, easing="linear")
    assert (frames, fps, seed, easing) == (25, 24.0, 2**31 - 1, "linear")
    assert isinstance(fps, float) and isinstance(frames, int) and isinstance(seed, int)
    with pytest.raises(ValueError, match="intensity must be between"):
        check_all(TRAJECTORY, frames=25, intensity=99.0)
    with pytest.raises(ValueError, match="easing"):
        check_all(TRAJECTORY, easing="wobbly")
