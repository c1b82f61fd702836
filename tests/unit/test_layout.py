"""The layout's rules (docs/architecture.md), checked on the source: imports point down only, and nothing outside
nodes/ imports ComfyUI."""

from __future__ import annotations

import ast
import functools
import json
import os
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
        if top in ("nodes", "tests", "benchmarks", "tools", "node_modules") or top.startswith("."):
            continue
        bad += [f"{path.relative_to(ROOT)}:{line} imports {m}" for line, m in _absolute_imports(path)
                if m in COMFY_MODULES]
    assert not bad, "only nodes/ may import ComfyUI:\n" + "\n".join(bad)


def test_every_package_folder_is_in_the_rules():
    folders = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "node_modules"}
    assert folders == set(MAY_IMPORT), "add the new folder to MAY_IMPORT and docs/architecture.md"


def _validate_inputs_problems(path: Path, schemas: dict) -> list[str]:
    """What is wrong with each ``validate_inputs`` in the node module ``path`` against ComfyUI 0.3.64's contract
    (``execution.validate_inputs``): it reads the function's argument names and hands it only those inputs (a
    linked one as None, an unset optional one not at all: every argument needs a default); with ``**kwargs`` it
    hands it all of them, skips their min/max checks and reports a failed check once per input."""
    out = []
    for cls in [n for n in ast.walk(_parsed(path)) if isinstance(n, ast.ClassDef)]:
        fn = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "validate_inputs"), None)
        if fn is None:
            continue
        where = f"{path.relative_to(ROOT)}:{cls.name}.validate_inputs"
        node_id = next((k.value.value for k in ast.walk(cls) if isinstance(k, ast.keyword) and k.arg == "node_id"
                        and isinstance(k.value, ast.Constant)), None)
        inputs = schemas.get(node_id, {}).get("input", {})
        known = {*inputs.get("required", {}), *inputs.get("optional", {}), "input_types"}
        args, a = [x.arg for x in fn.args.args[1:] + fn.args.kwonlyargs], fn.args
        if a.kwarg or a.vararg:
            out.append(f"{where} takes *args/**kwargs: name the inputs it checks")
        if len(a.defaults) < len(a.args) - 1 or None in a.kw_defaults:
            out.append(f"{where}: give every argument a default (None: an unset optional input is not passed)")
        out += [f"{where}: {name!r} is not an input of {node_id}" for name in args if name not in known]
    return out


def test_validate_inputs_names_the_inputs_it_checks():
    schemas = json.loads((ROOT / "tests" / "data" / "object_info-pack.json").read_text())
    bad = [p for path in sorted((ROOT / "nodes").glob("*.py")) for p in _validate_inputs_problems(path, schemas)]
    assert not bad, "\n".join(bad)


# ---- rooms a newcomer can read (issue 28): short functions, no private names borrowed from other modules ---------
# The lists below name the accepted exceptions, each by file:function (or file:name); the checks fail when a NEW one
# appears and when a listed one is gone (then delete its line). No function is over the limit today.

MAX_FUNCTION_LINES = 80
"""A function's lines from its ``def`` to its last line (decorators aside, docstring and comments included)."""

LONG_FUNCTIONS_ALLOWED: set[str] = set()
PRIVATE_IMPORTS_ALLOWED = {
    # diffusers has no public name for the resize SVD's reference pipeline uses on the CLIP input (bit-exact match)
    "pipelines/svd_diffusers.py:diffusers.pipelines.stable_video_diffusion.pipeline_stable_video_diffusion"
    "._resize_with_antialiasing",
}


def python_files(tests: bool = True) -> list[Path]:
    """The repository's Python files (the package; with ``tests``, also tests/, benchmarks/ and tools/), dot folders and
    node_modules left out."""
    skip = {"node_modules", "__pycache__"} | (set() if tests else {"tests", "benchmarks", "tools"})
    out = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith(".")]
        out += [Path(folder, f) for f in files if f.endswith(".py")]
    return sorted(out)


@functools.cache
def _parsed(path: Path) -> ast.Module:
    """``path``'s syntax tree, parsed once per test session (the checks below read every file twice)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def long_functions(paths: list[Path], limit: int = MAX_FUNCTION_LINES, root: Path = ROOT) -> dict[str, int]:
    """``{"file:qualified.name": lines}`` for every function or method in ``paths`` longer than ``limit`` lines
    (``def`` line to last line). Nested functions and methods are named through their parents (``Class.method``,
    ``outer.inner``)."""
    out = {}

    def visit(node, prefix, rel):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef) and child.end_lineno - child.lineno + 1 > limit:
                    out[f"{rel}:{name}"] = child.end_lineno - child.lineno + 1
                visit(child, name + ".", rel)
            else:
                visit(child, prefix, rel)

    for path in paths:
        visit(_parsed(path), "", path.relative_to(root).as_posix())
    return out


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(paths: list[Path], root: Path = ROOT) -> set[str]:
    """``"file:module.name"`` for every private name (one leading underscore) a file takes from another module:
    ``from .mod import _name`` (anywhere, function bodies too) and ``mod._name`` on a name bound by an import."""
    out = set()
    for path in paths:
        rel, tree = path.relative_to(root).as_posix(), _parsed(path)
        bound = {}  # name bound by an import -> where it came from
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = "." * node.level + (node.module or "")
                for a in node.names:
                    if _is_private(a.name):
                        out.add(f"{rel}:{source}{'' if source.endswith('.') else '.'}{a.name}")
                    else:
                        bound[a.asname or a.name] = a.name
            elif isinstance(node, ast.Import):
                for a in node.names:
                    bound[a.asname or a.name.split(".")[0]] = a.asname or a.name.split(".")[0]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _is_private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in bound):
                out.add(f"{rel}:{bound[node.value.id]}.{node.attr}")
    return out


def test_no_new_function_over_80_lines():
    found = long_functions(python_files())
    new = sorted(f"{name} ({n} lines)" for name, n in found.items() if name not in LONG_FUNCTIONS_ALLOWED)
    assert not new, (f"functions over {MAX_FUNCTION_LINES} lines (split them into named steps):\n" + "\n".join(new))


def test_no_new_private_name_taken_from_another_module():
    new = sorted(private_imports(python_files(tests=False)) - PRIVATE_IMPORTS_ALLOWED)
    assert not new, ("private names used outside their module (make the name public where it lives, or move the "
                     "code):\n" + "\n".join(new))


def test_the_allowed_offenders_are_still_offenders():
    gone = sorted(LONG_FUNCTIONS_ALLOWED - set(long_functions(python_files())))
    gone += sorted(PRIVATE_IMPORTS_ALLOWED - private_imports(python_files(tests=False)))
    assert not gone, "fixed (or renamed): delete from the allow-lists in test_layout.py:\n" + "\n".join(gone)


def test_the_checks_find_what_they_look_for(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))  # def + 80 lines = 81
    (tmp_path / "a.py").write_text(f"class K:\n    def m(self):\n    {body.replace(chr(10), chr(10) + '    ')}\n"
                                   f"def f():\n{body}\n\ndef g():\n{body[: body.rindex(chr(10))]}\n")
    (tmp_path / "b.py").write_text("from .a import _helper, public\nfrom . import a\nimport os.path as osp\n"
                                   "def h():\n    from .c import _inner\n    return a._thing, osp._x, public._y\n")
    assert long_functions([tmp_path / "a.py"], root=tmp_path) == {"a.py:K.m": 81, "a.py:f": 81}
    assert private_imports([tmp_path / "b.py"], root=tmp_path) == {
        "b.py:.a._helper", "b.py:.c._inner", "b.py:a._thing", "b.py:osp._x", "b.py:public._y"}


TOP_LEVEL_TESTS = {"test_layout.py": "the repository's layout", "test_smoke_import.py": "importing the package"}
"""Unit test files that stay in tests/unit/ itself, and what they test instead of one module."""


def misnamed_tests(unit: Path, root: Path = ROOT) -> list[str]:
    """Unit test files (below ``unit``) whose folder and name do not name what they test: ``<folder>/test_<name>.py``
    must sit in a folder named like a top-level folder of ``root``; in a package folder (one with ``__init__.py``)
    ``<name>`` starts with one of its modules (``test_interchange_blender`` -> ``interchange.py``) or is the folder's
    own name. A file directly in ``unit`` tests a top-level module (``test_cli.py`` -> ``cli.py``) or is listed in
    ``TOP_LEVEL_TESTS``."""
    bad = []
    for path in sorted(unit.rglob("test_*.py")):
        rel = path.relative_to(unit)
        name = rel.stem[len("test_"):]
        heads = ["_".join(name.split("_")[:i]) for i in range(1, name.count("_") + 2)]
        if len(rel.parts) == 1:
            ok = rel.name in TOP_LEVEL_TESTS or (root / f"{name}.py").exists()
        else:
            folder = root / rel.parts[0]
            ok = len(rel.parts) == 2 and folder.is_dir() and (
                not (folder / "__init__.py").exists() or name == rel.parts[0]
                or any((folder / f"{h}.py").exists() for h in heads))
        if not ok:
            bad.append(rel.as_posix())
    return bad


def test_every_unit_test_file_names_the_module_it_tests():
    bad = misnamed_tests(ROOT / "tests" / "unit")
    assert not bad, ("unit tests go to tests/unit/<package>/test_<module>[_aspect].py (helpers to tests/support/):\n"
                     + "\n".join(bad))


def test_the_naming_check_finds_misnamed_files(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "flow.py").write_text("")
    (tmp_path / "top.py").write_text("")
    unit = tmp_path / "tests" / "unit"
    for rel in ("pkg/test_flow.py", "pkg/test_flow_speed.py", "pkg/test_pkg.py", "test_top.py", "test_layout.py",
                "pkg/test_other.py", "nowhere/test_flow.py", "test_misc.py"):
        (unit / rel).parent.mkdir(parents=True, exist_ok=True)
        (unit / rel).write_text("")
    assert misnamed_tests(unit, tmp_path) == ["nowhere/test_flow.py", "pkg/test_other.py", "test_misc.py"]
