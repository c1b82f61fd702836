"""The layout's rules (docs/architecture.md), checked on the source: imports point down only, and nothing outside
nodes/ imports ComfyUI."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# folder -> the package folders it may import (besides itself)
MAY_IMPORT = {
    "core": set(),
    "camera": {"core"},
    "render": {"core", "camera"},
    "conditioning": {"core", "camera", "render"},
    "video": {"core", "camera"},
    "effects": {"core", "camera", "render", "video"},
    "pipelines": {"core", "camera", "render", "conditioning", "video", "effects"},
    "nodes": {"core", "camera", "render", "conditioning", "video", "effects", "pipelines"},
    "commands": {"core", "camera", "render", "conditioning", "video", "effects", "pipelines", "cli", "client"},
    # client/ (the HTTP client for other apps) is standard library only: it imports nothing of the package.
    "client": set(),
}
COMFY_MODULES = {"comfy", "comfy_api", "comfy_extras", "comfy_execution", "server", "nodes", "folder_paths",
                 "execution", "latent_preview", "node_helpers"}


def _package_imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package folder) of every relative import in ``path`` that leaves its own folder."""
    folder = path.relative_to(ROOT).parts[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            if node.level == 1:
                continue  # same folder
            target = (node.module or "").split(".")[0]
            if node.level == 2 and target:
                out.append((node.lineno, target))
            elif node.level == 2:  # "from .. import x": each name is a folder or module
                out.extend((node.lineno, a.name) for a in node.names)
    return [(line, t) for line, t in out if t != folder]


def _absolute_imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name.split(".")[0]) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


@pytest.mark.parametrize("folder", sorted(MAY_IMPORT))
def test_imports_point_down(folder):
    bad = []
    for path in sorted((ROOT / folder).glob("*.py")):
        for line, target in _package_imports(path):
            if target not in MAY_IMPORT[folder]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}/")
    assert not bad, f"{folder}/ may import only {sorted(MAY_IMPORT[folder])}:\n" + "\n".join(bad)


def test_the_client_needs_only_the_standard_library():
    bad = [f"{path.relative_to(ROOT)}:{line} imports {m}" for path in sorted((ROOT / "client").glob("*.py"))
           for line, m in _absolute_imports(path) if m not in sys.stdlib_module_names and m != "__future__"]
    assert not bad, "client/ runs on the standard library alone (remote, other apps):\n" + "\n".join(bad)


def test_only_nodes_import_comfyui():
    bad = []
    for path in sorted(ROOT.glob("*/*.py")) + sorted(ROOT.glob("*.py")):
        top = path.relative_to(ROOT).parts[0]
        if top in ("nodes", "tests", "benchmarks", "node_modules") or top.startswith("."):
            continue
        bad += [f"{path.relative_to(ROOT)}:{line} imports {m}" for line, m in _absolute_imports(path)
                if m in COMFY_MODULES]
    assert not bad, "only nodes/ may import ComfyUI:\n" + "\n".join(bad)


def test_every_package_folder_is_in_the_rules():
    folders = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "node_modules"}
    assert folders == set(MAY_IMPORT), "add the new folder to MAY_IMPORT and docs/architecture.md"
