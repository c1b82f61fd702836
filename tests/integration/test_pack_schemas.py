"""The live server's schemas of the pack equal the recorded ones the unit tier checks workflows against.

Refresh the record after changing a node: ``D2V_RECORD_SCHEMAS=1 COMFYUI_DIR=... pytest tests/integration -k schemas``.
"""

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow_check import PACK_SCHEMAS, check_api_workflow  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _pack(object_info: dict) -> dict:
    return {k: v for k, v in sorted(object_info.items()) if k.startswith("D2V_")}


# Every node of the pack (ARCHITECTURE.md's table plus the quality report).
PACK_NODE_IDS = {
    "D2V_DrawPathInput", "D2V_CinematicCameraTrajectory", "D2V_CameraMotionRender", "D2V_SVDImageEncodeWithMotion",
    "D2V_TemporalConsistency", "D2V_FrameInterpolate", "D2V_ExclusiveEffects", "D2V_VideoQualityReport",
    "D2V_PromptTemplate", "D2V_WanCameraEmbedding", "D2V_DirectorStyle", "D2V_ShotList",
    "D2V_KeyframeInterpolate", "D2V_CameraTracks", "D2V_WanRenderGuide",
    "D2V_CameraFromVideo",
}


def test_every_pack_node_is_served(comfy, object_info):
    assert PACK_NODE_IDS <= set(_pack(object_info)), PACK_NODE_IDS - set(_pack(object_info))
    assert set(_pack(object_info)) <= PACK_NODE_IDS, "a new node: add it to PACK_NODE_IDS and the README"
    failed = [line for line in comfy.log().splitlines() if "IMPORT FAILED" in line and "draw_to_video" in line]
    assert not failed
    for node_id, info in _pack(object_info).items():
        assert info["category"].startswith("Draw to Video"), node_id
        assert info["display_name"] and not info["display_name"].startswith("D2V_"), node_id


def test_recorded_pack_schemas_are_current(object_info):
    live = _pack(object_info)
    if os.environ.get("D2V_RECORD_SCHEMAS"):
        PACK_SCHEMAS.write_text(json.dumps(live, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(PACK_SCHEMAS.read_text())
    assert live == recorded, "node schemas changed: re-record with D2V_RECORD_SCHEMAS=1 (see this file's docstring)"


@pytest.mark.parametrize("path", sorted((ROOT / "workflows" / "api").glob("*.json")), ids=lambda p: p.name)
def test_api_workflows_against_live_server(object_info, path):
    errors = check_api_workflow(json.loads(path.read_text()), object_info)
    assert not errors, "\n".join(errors)
