"""Integration tier: a real ComfyUI server with the pack loaded, shared by all tests of a run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from comfy_server import SKIP_REASON, ComfyServer, find_comfyui  # noqa: E402


def pytest_collection_modifyitems(config, items):
    if find_comfyui() is None:
        skip = pytest.mark.skip(reason=SKIP_REASON)
        for item in items:
            if "tests/integration" in str(item.fspath).replace("\\", "/"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def comfy() -> ComfyServer:
    comfy_dir = find_comfyui()
    if comfy_dir is None:
        pytest.skip(SKIP_REASON)
    server = ComfyServer(comfy_dir).start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def object_info(comfy) -> dict:
    return comfy.object_info()
