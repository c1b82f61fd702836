"""Every shipped workflow is checked against real node schemas, with no ComfyUI running."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow_check import (  # noqa: E402
    PACK_SCHEMAS,
    check_api_workflow,
    check_ui_workflow,
    load_schemas,
    model_loaders,
    outputs_that_skip_a_model,
)

ROOT = Path(__file__).resolve().parents[2]
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
    assert model_loaders(prompt, schemas) == {"1"}
    prompt["6"] = {"class_type": "PreviewImage", "inputs": {"images": ["5", 1]}}  # the trajectory preview
    assert [e.split(" (")[0] for e in outputs_that_skip_a_model(prompt, schemas)] == ["output node 6"]


def test_checker_catches_mistakes():
    schemas = load_schemas()
    bad = {"1": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 64, "batch_size": 1, "color": 0}},
           "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 3], "filename_prefix": "x", "bogus": 1}},
           "3": {"class_type": "NoSuchNode", "inputs": {}}}
    errors = "\n".join(check_api_workflow(bad, schemas))
    assert "width" in errors and "out of range" in errors and "bogus" in errors and "NoSuchNode" in errors
