"""The shipped SVD workflows: UI format and API twin describe the same graph, widget values in schema order.

Schemas: the recorded core 0.3.64 ``/object_info`` and the pack's recorded schemas (``tests/workflow_check.py``; the
integration tier keeps the record in sync with the live server). ``test_workflows.py`` runs the generic checks on
every workflow; this file adds the twin/ordering checks and what the SVD workflows must contain.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))
from workflow_check import load_schemas  # noqa: E402

WORKFLOWS = ["svd_image_to_video", "svd_draw_to_video", "text_to_video"]
USER_FILES = {("LoadImage", "image"), ("ImageOnlyCheckpointLoader", "ckpt_name"),
              ("CheckpointLoaderSimple", "ckpt_name")}  # lists that depend on the user's files
WIDGET_TYPES = {"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"}


def schemas() -> dict:
    return load_schemas()


def all_inputs(info: dict) -> dict:
    return {**info["input"].get("required", {}), **info["input"].get("optional", {})}


def combo_options(spec) -> list | None:
    if isinstance(spec[0], list):
        return spec[0]
    if spec[0] == "COMBO":
        return spec[1].get("options")
    return None


def is_widget(spec) -> bool:
    return isinstance(spec[0], list) or spec[0] in WIDGET_TYPES


def widget_slots(info: dict) -> list[str]:
    """Widget values in the order the frontend saves them (seed widgets add their control value)."""
    order = info.get("input_order", {})
    out = []
    for sec in ("required", "optional"):
        for name in order.get(sec, info["input"].get(sec, {})):
            spec = info["input"][sec][name]
            if is_widget(spec):
                out.append(name)
                if len(spec) > 1 and spec[1].get("control_after_generate"):
                    out.append(f"{name}:control")
    return out


@pytest.mark.parametrize("name", WORKFLOWS)
def test_api_workflow_matches_schemas(name):
    sch = schemas()
    graph = json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())
    for nid, node in graph.items():
        ct = node["class_type"]
        assert ct in sch, f"{name}: node {nid} has unknown type {ct}"
        ins = all_inputs(sch[ct])
        for inp, val in node["inputs"].items():
            assert inp in ins, f"{name}: {ct} has no input {inp!r}"
            spec = ins[inp]
            if isinstance(val, list):  # a link [node_id, slot]
                src = graph[val[0]]
                out_types = sch[src["class_type"]]["output"]
                assert val[1] < len(out_types), f"{name}: link to {src['class_type']} slot {val[1]}"
                want = "COMBO" if isinstance(spec[0], list) else spec[0]
                assert out_types[val[1]] == want, f"{name}: {ct}.{inp} wants {want}, gets {out_types[val[1]]}"
                continue
            opts = combo_options(spec)
            if opts is not None and (ct, inp) not in USER_FILES:
                assert val in opts, f"{name}: {ct}.{inp}={val!r} not in {opts}"
            elif spec[0] in ("INT", "FLOAT"):
                lo, hi = spec[1].get("min", -float("inf")), spec[1].get("max", float("inf"))
                assert lo <= val <= hi, f"{name}: {ct}.{inp}={val} outside [{lo}, {hi}]"
        for req in sch[ct]["input"].get("required", {}):
            assert req in node["inputs"], f"{name}: {ct} (node {nid}) misses required input {req!r}"


def test_the_svd_workflows_use_the_node_as_documented():
    api = {n: json.loads((ROOT / "workflows" / "api" / f"{n}.json").read_text()) for n in WORKFLOWS}
    for name, graph in api.items():
        types = [n["class_type"] for n in graph.values()]
        for t in ("ImageOnlyCheckpointLoader", "D2V_SVDImageEncodeWithMotion", "KSampler", "VAEDecode", "CreateVideo",
                  "SaveVideo"):
            assert t in types, f"{name} lacks {t}"
        ckpt = next(n for n in graph.values() if n["class_type"] == "ImageOnlyCheckpointLoader")
        assert ckpt["inputs"]["ckpt_name"] == "svd_xt.safetensors"
        enc = next(n for n in graph.values() if n["class_type"] == "D2V_SVDImageEncodeWithMotion")
        ks = next(n for n in graph.values() if n["class_type"] == "KSampler" and n["inputs"]["positive"][0] in
                  {k for k, v in graph.items() if v["class_type"] == "D2V_SVDImageEncodeWithMotion"})
        if enc["inputs"].get("guidance") == "dual_clock":  # the patched model must reach the sampler
            assert ks["inputs"]["model"][1] == 3 and "model" in enc["inputs"]
    assert "D2V_DrawPathInput" in [n["class_type"] for n in api["svd_draw_to_video"].values()]
    assert "CheckpointLoaderSimple" in [n["class_type"] for n in api["text_to_video"].values()]
