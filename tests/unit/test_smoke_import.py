"""Import hygiene, each check in a fresh interpreter (so nothing imported by other tests can hide a problem).

- ``import draw_to_video`` is what ComfyUI does for every pack at start-up and what library users do first: it must
  load nothing heavy (no torch, OpenCV, diffusers) and nothing of ComfyUI, and still offer the V3 entry point.
- Every package module outside ``nodes/`` (the only ComfyUI glue) imports with ComfyUI absent and never even tries
  to import it, so the library, the CLI and the unit tests run without ComfyUI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Top-level modules that only exist inside a ComfyUI process.
COMFY_MODULES = ("comfy", "comfy_api", "comfy_extras", "comfy_execution", "server", "folder_paths", "nodes",
                 "execution", "latent_preview", "node_helpers")
HEAVY_MODULES = ("torch", "cv2", "scipy", "diffusers", "av", "PIL")


def _run(code: str, env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_package_import_is_light_and_has_the_comfy_entry_point(package_env):
    out = _run(f"""
        import inspect, json, sys
        import draw_to_video as d
        roots = sorted({{m.split(".")[0] for m in sys.modules}})
        print(json.dumps({{"file": d.__file__, "web": d.WEB_DIRECTORY, "version": d.__version__,
                          "entry": inspect.iscoroutinefunction(getattr(d, "comfy_entrypoint", None)),
                          "v1": hasattr(d, "NODE_CLASS_MAPPINGS"),
                          "loaded": [m for m in roots if m in {COMFY_MODULES + HEAVY_MODULES!r}]}}))
    """, package_env)
    assert out["loaded"] == [], f"import draw_to_video loaded {out['loaded']}"
    assert out["web"] == "./web" and out["entry"] and not out["v1"]
    assert out["version"]


def test_every_module_outside_nodes_imports_without_comfyui(package_env):
    out = _run(f"""
        import importlib, importlib.abc, json, pkgutil, sys

        BLOCKED = {COMFY_MODULES!r}
        attempts = []

        class NoComfy(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    attempts.append(name)
                    raise ImportError(f"{{name}}: ComfyUI is not available in this test")
                return None

        sys.meta_path.insert(0, NoComfy())
        import draw_to_video

        names, failed = [], {{}}
        SKIP = {{"draw_to_video.nodes", "draw_to_video.__main__"}}  # ComfyUI glue; __main__ runs the CLI

        def walk(path, prefix):  # like pkgutil.walk_packages, without importing what is skipped
            for info in pkgutil.iter_modules(path, prefix):
                if info.name in SKIP:
                    continue
                names.append(info.name)
                try:
                    module = importlib.import_module(info.name)
                except Exception as e:
                    failed[info.name] = f"{{type(e).__name__}}: {{e}}"
                    continue
                if info.ispkg:
                    walk(module.__path__, info.name + ".")

        walk(draw_to_video.__path__, "draw_to_video.")
        print(json.dumps({{"names": names, "failed": failed, "attempts": sorted(set(attempts))}}))
    """, package_env)
    assert out["failed"] == {}, out["failed"]
    assert out["attempts"] == [], f"modules outside nodes/ tried to import ComfyUI: {out['attempts']}"
    names = set(out["names"])
    # the walk really covered the package (a broken walk would pass vacuously)
    for expected in ("draw_to_video.cli", "draw_to_video.core.params", "draw_to_video.core.frames",
                     "draw_to_video.camera.path", "draw_to_video.camera.trajectory", "draw_to_video.render.depth",
                     "draw_to_video.video.flow", "draw_to_video.effects.registry", "draw_to_video.conditioning.svd",
                     "draw_to_video.pipelines", "draw_to_video.commands"):
        assert expected in names, f"{expected} was not imported (walked: {sorted(names)})"
    assert not any(n.startswith("draw_to_video.tests") or n.startswith("draw_to_video.benchmarks") for n in names)
