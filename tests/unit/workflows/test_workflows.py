"""Every shipped workflow is checked against real node schemas, with no ComfyUI running."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from workflow_check import (  # noqa: E402
    PACK_SCHEMAS,
    check_api_workflow,
    check_ui_workflow,
    load_schemas,
    model_loaders,
    outputs_that_skip_a_model,
)
from workflow_convert import ui_to_api  # noqa: E402

from draw_to_video.pipelines.inputs import (  # noqa: E402
    EXAMPLE_CLIP,
    EXAMPLE_CLIP_NAME,
    EXAMPLE_IMAGE,
    EXAMPLE_INPUT_NAME,
)

ROOT = Path(__file__).resolve().parents[3]
UI = sorted((ROOT / "workflows").glob("*.json"))
API = sorted((ROOT / "workflows" / "api").glob("*.json"))


def test_pack_schemas_recorded():
    info = json.loads(PACK_SCHEMAS.read_text())
    assert info and all(k.startswith("D2V_") for k in info)


@pytest.mark.parametrize("path", API, ids=[p.name for p in API])
def test_api_workflow_matches_schemas(path):
    errors = check_api_workflow(json.loads(path.read_text()), load_schemas())
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("path", UI, ids=[p.name for p in UI])
def test_ui_workflow_matches_schemas(path):
    errors = check_ui_workflow(json.loads(path.read_text()), load_schemas())
    assert not errors, "\n".join(errors)
    assert (ROOT / "workflows" / "api" / path.name).exists(), "every UI workflow has an API-format twin"


@pytest.mark.parametrize("path", API, ids=[p.name for p in API])
def test_every_output_needs_every_model(path):
    """Without its checkpoint a shipped workflow must be refused, not end "success" with only previews run."""
    assert not outputs_that_skip_a_model(json.loads(path.read_text()), load_schemas())


def test_the_model_check_sees_a_preview_that_skips_the_model():
    schemas = load_schemas()
    prompt = json.loads((ROOT / "workflows" / "api" / "svd_draw_to_video.json").read_text())
    assert model_loaders(prompt, schemas) == {"2"}
    prompt["99"] = {"class_type": "PreviewImage", "inputs": {"images": ["5", 1]}}  # the trajectory preview
    assert [e.split(" (")[0] for e in outputs_that_skip_a_model(prompt, schemas)] == ["output node 99"]


def test_checker_catches_mistakes():
    schemas = load_schemas()
    bad = {"1": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 64, "batch_size": 1, "color": 0}},
           "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 3], "filename_prefix": "x", "bogus": 1}},
           "3": {"class_type": "NoSuchNode", "inputs": {}}}
    errors = "\n".join(check_api_workflow(bad, schemas))
    assert "width" in errors and "out of range" in errors and "bogus" in errors and "NoSuchNode" in errors


@pytest.mark.parametrize("path", UI, ids=[p.name for p in UI])
def test_api_twin_is_the_converted_ui_workflow(path):
    """The twin is what the frontend queues for the UI workflow; regenerate both with make_workflow.mjs."""
    twin = json.loads((ROOT / "workflows" / "api" / path.name).read_text())
    assert ui_to_api(json.loads(path.read_text()), load_schemas()) == twin


def test_converter_sees_a_drifted_twin():
    schemas = load_schemas()
    ui = json.loads((ROOT / "workflows" / "draw_to_video.json").read_text())
    twin = json.loads((ROOT / "workflows" / "api" / "draw_to_video.json").read_text())
    interp = next(n for n in ui["nodes"] if n["type"] == "D2V_FrameInterpolate")
    interp["widgets_values"][0] = 3  # multiplier changed in the UI file only
    assert ui_to_api(ui, schemas) != twin
    effects = next(n for n in ui["nodes"] if n["type"] == "D2V_ExclusiveEffects")
    effects["mode"] = 0  # effects turned on: now it is in the prompt and feeds Create Video
    api = ui_to_api(ui, schemas)
    create = next(v for v in api.values() if v["class_type"] == "CreateVideo")
    assert api[create["inputs"]["images"][0]]["class_type"] == "D2V_ExclusiveEffects"


def _chain(api: dict) -> list[str]:
    """Class types from Save Video back up its ``video`` / ``images`` / ``frames`` inputs."""
    out, nid = [], next(k for k, v in api.items() if v["class_type"] == "SaveVideo")
    while nid is not None:
        node = api[nid]
        out.append(node["class_type"])
        link = next((node["inputs"][k] for k in ("video", "images", "frames") if isinstance(node["inputs"].get(k),
                                                                                            list)), None)
        nid = link[0] if link else None
    return out


WAN_FUN_CAMERA = {
    "wan_fun_camera_draw": {"wan2.1_fun_camera_v1.1_1.3B_bf16.safetensors", "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
                            "wan_2.1_vae.safetensors", "clip_vision_h.safetensors"},
    "wan22_fun_camera_draw": {"wan2.2_fun_camera_high_noise_14B_fp8_scaled.safetensors",
                              "wan2.2_fun_camera_low_noise_14B_fp8_scaled.safetensors",
                              "umt5_xxl_fp8_e4m3fn_scaled.safetensors", "wan_2.1_vae.safetensors"},
}
"""Core's Fun Camera templates (video_wan2.1_fun_camera_v1.1_1.3B, video_wan2_2_14B_fun_camera) with the drawn
camera: they keep core's graph and its model file names, and end like core's (VAE Decode -> Create Video -> Save)."""
CORE_TEMPLATES = {"wan_ati_draw.json": "video_wan_ati.json"}
"""Workflows that are one of core's model templates with the camera part replaced: they keep the template's own
finish (VAE Decode -> Create Video -> Save Video at the model's frame rate)."""
WAN_GUIDE = {
    "wan_vace_draw": {"wan2.1_vace_1.3B_fp16.safetensors", "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
                      "wan_2.1_vae.safetensors"},
    "wan22_fun_control_draw": {"wan2.2_fun_control_5B_bf16.safetensors", "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
                               "wan2.2_vae.safetensors"},
}
"""Render-guided Wan graphs (core's video_wan_vace_14B_v2v with the 1.3B model, video_wan2_2_5B_fun_control): the
control video comes from Render Guide; they end like core's templates."""
FINISHED = [p for p in UI if p.stem not in WAN_FUN_CAMERA and p.name not in CORE_TEMPLATES and p.stem != "multi_shot"
            and p.stem not in WAN_GUIDE]
"""multi_shot's clip is finished by its Shot List: deflicker and interpolation would smear its cuts."""


def _wan_graph(name: str, model_files: set[str]) -> tuple[dict, dict]:
    """The shipped Wan workflow ``name`` as (API graph, node id -> class type), after checking that it loads exactly
    ``model_files`` and that its Read me note names each of them and the models/ folders they go in."""
    api = json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())
    ui = json.loads((ROOT / "workflows" / f"{name}.json").read_text())
    files = {v["inputs"][k] for v in api.values() for k in ("unet_name", "clip_name", "vae_name") if k in v["inputs"]}
    assert files == model_files
    note = next(n for n in ui["nodes"] if n["type"] == "Note")["widgets_values"][0]
    assert all(f in note for f in files), "the note names every model file"
    for folder in ("diffusion_models", "text_encoders", "vae"):
        assert f"models/{folder}/" in note
    return api, {nid: v["class_type"] for nid, v in api.items()}


@pytest.mark.parametrize("name", sorted(WAN_FUN_CAMERA))
def test_wan_fun_camera_workflows_are_cores_templates_with_the_drawn_camera(name):
    api, kind = _wan_graph(name, WAN_FUN_CAMERA[name])
    assert "WanCameraEmbedding" not in kind.values()
    i2v = next(v for v in api.values() if v["class_type"] == "WanCameraImageToVideo")["inputs"]
    emb_id = i2v["camera_conditions"][0]
    assert kind[emb_id] == "D2V_WanCameraEmbedding"
    assert [i2v[k] for k in ("width", "height", "length")] == [[emb_id, 1], [emb_id, 2], [emb_id, 3]]
    traj = api[emb_id]["inputs"]["camera"][0]
    assert kind[traj] == "D2V_CinematicCameraTrajectory" and kind[api[traj]["inputs"]["path"][0]] == "D2V_DrawPathInput"
    assert (api[emb_id]["inputs"]["length"] - 1) % 4 == 0
    assert ("clip_vision_output" in i2v) == (name == "wan_fun_camera_draw")  # as in core's templates
    assert _chain(api)[:3] == ["SaveVideo", "CreateVideo", "VAEDecode"]


@pytest.mark.parametrize("name", sorted(WAN_GUIDE))
def test_wan_guide_workflows_feed_the_render_guide_to_the_model(name):
    api, kind = _wan_graph(name, WAN_GUIDE[name])
    guide_id = next(nid for nid, k in kind.items() if k == "D2V_WanRenderGuide")
    guide = api[guide_id]["inputs"]
    traj = guide["camera"][0]
    assert kind[traj] == "D2V_CinematicCameraTrajectory" and kind[api[traj]["inputs"]["path"][0]] == "D2V_DrawPathInput"
    assert (guide["length"] - 1) % 4 == 0 and guide["width"] % 16 == 0 and guide["height"] % 16 == 0
    assert api[traj]["inputs"]["frames"] == guide["length"]
    # outputs: control_video 0, control_masks 1, depth_video 2, reference_image 3, width 4, height 5, length 6
    if name == "wan_vace_draw":
        cond = next(v for v in api.values() if v["class_type"] == "WanVaceToVideo")["inputs"]
        assert [cond[k] for k in ("control_video", "control_masks", "reference_image")] == [
            [guide_id, 0], [guide_id, 1], [guide_id, 3]]
        assert _chain(api)[:3] == ["SaveVideo", "CreateVideo", "VAEDecode"]
        decode = next(v for v in api.values() if v["class_type"] == "VAEDecode")["inputs"]
        trim = api[decode["samples"][0]]
        assert trim["class_type"] == "TrimVideoLatent" and kind[trim["inputs"]["trim_amount"][0]] == "WanVaceToVideo"
    else:
        cond = next(v for v in api.values() if v["class_type"] == "Wan22FunControlToVideo")["inputs"]
        assert [cond[k] for k in ("control_video", "ref_image")] == [[guide_id, 2], [guide_id, 3]]
        assert _chain(api)[:3] == ["SaveVideo", "CreateVideo", "VAEDecode"]
    assert [cond[k] for k in ("width", "height", "length")] == [[guide_id, 4], [guide_id, 5], [guide_id, 6]]


def test_multi_shot_saves_the_shot_list_at_its_fps():
    api = json.loads((ROOT / "workflows" / "api" / "multi_shot.json").read_text())
    assert _chain(api) == ["SaveVideo", "CreateVideo", "D2V_ShotList", "LoadImage"]
    create = next(v for v in api.values() if v["class_type"] == "CreateVideo")
    assert api[create["inputs"]["fps"][0]]["class_type"] == "D2V_ShotList"
    from draw_to_video.pipelines.shots import parse_shot_list

    shots = next(v for v in api.values() if v["class_type"] == "D2V_ShotList")
    assert len(parse_shot_list(shots["inputs"]["spec"]).shots) == 3


@pytest.mark.parametrize("path", FINISHED, ids=[p.name for p in FINISHED])
def test_every_workflow_finishes_the_clip(path):
    """Temporal Consistency -> Frame Interpolate (its fps into Create Video) -> Exclusive Effects (present,
    bypassed, so absent from the twin) -> Create Video -> Save Video; stable titles; the example image exists."""
    ui = json.loads(path.read_text())
    api = json.loads((ROOT / "workflows" / "api" / path.name).read_text())
    assert _chain(api)[:4] == ["SaveVideo", "CreateVideo", "D2V_FrameInterpolate", "D2V_TemporalConsistency"]
    create = next(v for v in api.values() if v["class_type"] == "CreateVideo")
    assert api[create["inputs"]["fps"][0]]["class_type"] == "D2V_FrameInterpolate"
    effects = [n for n in ui["nodes"] if n["type"] == "D2V_ExclusiveEffects"]
    assert len(effects) == 1 and effects[0]["mode"] == 4
    assert not any(v["class_type"] == "D2V_ExclusiveEffects" for v in api.values())
    assert any(n["type"] == "Note" for n in ui["nodes"])
    titles = [v["_meta"]["title"] for v in api.values()]
    assert len(titles) == len(set(titles)) and {"Save Video", "Create Video", "Frame Interpolate"} <= set(titles)
    temporal = next(v for v in api.values() if v["class_type"] == "D2V_TemporalConsistency")
    if any(v["class_type"] == "D2V_CinematicCameraTrajectory" for v in api.values()):
        assert api[temporal["inputs"]["reference"][0]]["class_type"] == "D2V_CameraMotionRender"
    for v in api.values():
        if v["class_type"] == "LoadImage":
            assert v["inputs"]["image"] == EXAMPLE_INPUT_NAME and EXAMPLE_IMAGE.is_file()
        if v["class_type"] == "LoadVideo":
            assert v["inputs"]["file"] == EXAMPLE_CLIP_NAME and EXAMPLE_CLIP.is_file()


def _same(a: list, b: list) -> bool:
    """Widget values equal, numbers to 1e-9 (the frontend writes core's 8.000000000000002 as 8)."""
    return len(a) == len(b) and all(x == y or isinstance(x, (int, float)) and isinstance(y, (int, float))
                                    and abs(x - y) <= 1e-9 * max(1.0, abs(y)) for x, y in zip(a, b))


def _core_template(name: str) -> dict:
    templates = pytest.importorskip("comfyui_workflow_templates")
    return json.loads((Path(templates.__file__).parent / "templates" / name).read_text())


@pytest.mark.parametrize("name", sorted(CORE_TEMPLATES))
def test_core_template_workflows_keep_the_template(name):
    """Same model files, loaders, sampler and video settings as core's template; the tracks come from Camera Tracks
    driven by the drawn camera, and its width / height / length drive WanTrackToVideo."""
    api = json.loads((ROOT / "workflows" / "api" / name).read_text())
    core = _core_template(CORE_TEMPLATES[name])
    by_type = {}
    for v in api.values():
        by_type.setdefault(v["class_type"], []).append(v)
    core_nodes = {n["type"]: n for n in core["nodes"] if n["type"] not in ("MarkdownNote", "Note", "LoadImage")
                  and not n["type"].startswith("Primitive") and n["type"] != "CLIPTextEncode"}
    for kind, node in core_nodes.items():
        assert kind in by_type, f"{name} lacks core's {kind}"
        ours = by_type[kind][0]["inputs"]
        widgets = [v for v in ours.values() if not isinstance(v, list)]
        if kind == "WanTrackToVideo":  # tracks, width, height, length are linked from Camera Tracks
            assert _same(widgets, [v for v in node["widgets_values"][4:] if v != "fixed"]), (widgets, node)
            continue
        core_values = [v for v in node["widgets_values"] if v not in ("fixed", "randomize")]
        if kind == "SaveVideo":
            core_values = core_values[1:]  # our filename prefix
            widgets = widgets[1:]
        assert _same(widgets, core_values), (kind, widgets, core_values)
    note = next(n for n in json.loads((ROOT / "workflows" / name).read_text())["nodes"] if n["type"] == "Note")
    for kind in ("UNETLoader", "CLIPLoader", "VAELoader", "CLIPVisionLoader"):
        for v in by_type[kind]:
            file = next(x for k, x in v["inputs"].items() if k.endswith("_name"))
            assert file in note["widgets_values"][0], f"the note does not name {file}"
    wan = by_type["WanTrackToVideo"][0]["inputs"]
    tracks_id = wan["tracks"][0]
    assert api[tracks_id]["class_type"] == "D2V_CameraTracks"
    assert [wan[k] for k in ("width", "height", "length")] == [[tracks_id, 1], [tracks_id, 2], [tracks_id, 3]]
    camera = api[api[tracks_id]["inputs"]["camera"][0]]
    assert camera["class_type"] == "D2V_CinematicCameraTrajectory"
    assert api[camera["inputs"]["path"][0]]["class_type"] == "D2V_DrawPathInput"
