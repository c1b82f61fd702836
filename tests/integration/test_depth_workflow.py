"""workflows/api/draw_to_video_depth.json (core's Lotus depth feeding the 2.5D render) on a real ComfyUI.

No Lotus weights here: without the model files the prompt is refused naming them; with placeholder files of the
template's names it passes ``/prompt`` validation, and execution then stops cleanly at the loader (a placeholder is
not a model), before any frame is rendered.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from comfy_server import placeholder_models

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "workflows" / "api" / "draw_to_video_depth.json"
MODELS = {"diffusion_models": "lotus-depth-d-v1-1.safetensors", "vae": "vae-ft-mse-840000-ema-pruned.safetensors"}


def test_lotus_depth_workflow_validates_with_the_template_model_names(comfy):
    graph = json.loads(WORKFLOW.read_text())
    shutil.copy(ROOT / "assets" / "example.jpg", comfy.base_dir / "input" / graph["1"]["inputs"]["image"])

    status, body = comfy.queue(graph)
    assert status == 400, "without the Lotus files the workflow must be refused, not run partly"
    text = json.dumps(body)
    assert "lotus-depth-d-v1-1.safetensors" in text and "vae-ft-mse-840000-ema-pruned.safetensors" in text

    with placeholder_models(comfy, {name: folder for folder, name in MODELS.items()}):
        status, body = comfy.queue(graph)
        assert status == 200 and not body.get("node_errors"), json.dumps(body)[:2000]
        entry = comfy.wait(body["prompt_id"], timeout=300)
        assert entry["status"]["status_str"] == "error"  # a placeholder is not a model
        failed = [m[1] for m in entry["status"]["messages"] if m[0] == "execution_error"]
        assert failed and failed[0]["node_type"] in ("UNETLoader", "VAELoader"), failed
        save = next(k for k, v in graph.items() if v["class_type"] == "SaveVideo")
        assert save not in entry.get("outputs", {}), "no video without depth"
