"""Start and drive a real ComfyUI server with this pack loaded (integration tier).

Where ComfyUI is found: ``COMFYUI_DIR``, or the repo itself sitting in ``<ComfyUI>/custom_nodes/``.
The server runs with ``COMFYUI_PYTHON`` (default: this interpreter), ``--cpu``, on a free loopback port,
with a temporary ``--base-directory`` whose ``custom_nodes/draw_to_video`` links to this repo, so the
user's ComfyUI checkout is never modified.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACK_FOLDER = "draw_to_video"


def find_comfyui() -> Path | None:
    env = os.environ.get("COMFYUI_DIR")
    if env:
        p = Path(env).expanduser().resolve()
        return p if (p / "main.py").is_file() else None
    parent = REPO.parent
    if parent.name == "custom_nodes" and (parent.parent / "main.py").is_file():
        return parent.parent
    return None


SKIP_REASON = ("no ComfyUI checkout found: set COMFYUI_DIR=/path/to/ComfyUI (and COMFYUI_PYTHON to its "
               "interpreter if it is not this one), or clone this repo into <ComfyUI>/custom_nodes/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ComfyServer:
    """A running ComfyUI. ``url`` is its base address; ``base_dir`` holds input/, output/, temp/, models/."""

    def __init__(self, comfy_dir: Path, python: str | None = None, extra_args: list[str] | None = None):
        self.comfy_dir = comfy_dir
        self.python = python or os.environ.get("COMFYUI_PYTHON") or sys.executable
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base_dir = Path(tempfile.mkdtemp(prefix="d2v-comfy-"))
        for sub in ("custom_nodes", "input", "output", "temp", "user", "models"):
            (self.base_dir / sub).mkdir()
        (self.base_dir / "custom_nodes" / PACK_FOLDER).symlink_to(REPO, target_is_directory=True)
        self.log_path = self.base_dir / "server.log"
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> ComfyServer:
        cmd = [self.python, "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(self.port),
               "--base-directory", str(self.base_dir), "--database-url", "sqlite:///:memory:",
               "--disable-auto-launch", *self.extra_args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "DO_NOT_TRACK": "1"}
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=self.comfy_dir, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ComfyUI exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            try:
                self.get_json("/system_stats", timeout=2)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"ComfyUI did not answer within {timeout:.0f}s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- HTTP -------------------------------------------------------------------------------------------------
    def get_json(self, route: str, timeout: float = 30):
        with urllib.request.urlopen(self.url + route, timeout=timeout) as r:
            return json.loads(r.read())

    def get_bytes(self, route: str, timeout: float = 60) -> bytes:
        with urllib.request.urlopen(self.url + route, timeout=timeout) as r:
            return r.read()

    def post_json(self, route: str, payload: dict, timeout: float = 30) -> tuple[int, dict]:
        req = urllib.request.Request(self.url + route, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def object_info(self) -> dict:
        return self.get_json("/object_info", timeout=120)

    def queue(self, prompt: dict) -> tuple[int, dict]:
        """POST /prompt; returns (status, body). A 400 body holds ComfyUI's validation errors."""
        return self.post_json("/prompt", {"prompt": prompt, "client_id": uuid.uuid4().hex})

    def wait(self, prompt_id: str, timeout: float = 600) -> dict:
        """Poll /history until the prompt finished; return its history entry."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            hist = self.get_json(f"/history/{prompt_id}")
            if prompt_id in hist and hist[prompt_id].get("status", {}).get("completed") is not None:
                entry = hist[prompt_id]
                if entry["status"].get("status_str") in ("success", "error"):
                    return entry
            if self.proc.poll() is not None:
                raise RuntimeError(f"ComfyUI died while running the prompt:\n{self.log()[-4000:]}")
            time.sleep(0.3)
        raise TimeoutError(f"prompt {prompt_id} did not finish in {timeout}s")

    def run(self, prompt: dict, timeout: float = 600) -> dict:
        """Queue ``prompt`` (API format), wait, and return its history entry; raise with ComfyUI's own error."""
        status, body = self.queue(prompt)
        if status != 200:
            raise AssertionError(f"/prompt refused the graph ({status}): {json.dumps(body)[:3000]}")
        entry = self.wait(body["prompt_id"], timeout)
        if entry["status"]["status_str"] != "success":
            raise AssertionError(f"prompt failed: {json.dumps(entry['status'])[:3000]}")
        return entry

    def error_of(self, prompt: dict, timeout: float = 600) -> str:
        """Run a prompt that is expected to fail; return the error text (validation or execution)."""
        status, body = self.queue(prompt)
        if status != 200:
            return json.dumps(body)
        entry = self.wait(body["prompt_id"], timeout)
        assert entry["status"]["status_str"] == "error", "the prompt was expected to fail but succeeded"
        return json.dumps(entry["status"]["messages"])

    def view(self, file_info: dict) -> bytes:
        """Download an output described by a history entry ({filename, subfolder, type})."""
        q = urllib.parse.urlencode({k: file_info.get(k, "") for k in ("filename", "subfolder", "type")})
        return self.get_bytes(f"/view?{q}")


MODEL_INPUTS = {"ckpt_name": "checkpoints", "unet_name": "diffusion_models", "vae_name": "vae"}
"""Loader input -> models/ folder; ``clip_name`` depends on the loader (:data:`CLIP_FOLDERS`)."""
CLIP_FOLDERS = {"CLIPLoader": "text_encoders", "CLIPVisionLoader": "clip_vision"}


def model_files(graph: dict) -> dict[str, str]:
    """file name -> models/ folder of every model an API graph's loaders read."""
    out = {}
    for node in graph.values():
        folders = {**MODEL_INPUTS, "clip_name": CLIP_FOLDERS.get(node["class_type"])}
        for key, folder in folders.items():
            if key in node["inputs"] and folder:
                out[node["inputs"][key]] = folder
    return out


def with_random_text(graph: dict, updates: dict[str, dict]) -> dict:
    """An API graph (changed in place and returned) with its text encoder replaced by the test-only random
    conditioning (CLIPLoader removed, each CLIPTextEncode a ``D2VTest_RandomConditioning`` seeded by its id) and
    ``updates`` (class_type -> inputs) applied to every node of that class: the slow Wan tests' tiny graphs."""
    for nid, node in list(graph.items()):
        if node["class_type"] == "CLIPLoader":
            del graph[nid]
        elif node["class_type"] == "CLIPTextEncode":
            graph[nid] = {"class_type": "D2VTest_RandomConditioning",
                          "inputs": {"tokens": 16, "dim": 4096, "seed": int(nid)}}
        elif node["class_type"] in updates:
            node["inputs"].update(updates[node["class_type"]])
    return graph


@contextmanager
def placeholder_models(server: ComfyServer, files: dict[str, str]):
    """Empty files under ``files`` (name -> models/ folder) in the server's own models folder, so a graph passes
    ``/prompt`` validation (execution then stops at the loader: a placeholder is not a model). Files that already
    exist are left alone; the ones made are removed afterwards."""
    made = []
    try:
        for name, folder in files.items():
            p = server.base_dir / "models" / folder / name
            if not p.exists():
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(b"")
                made.append(p)
        yield
    finally:
        for p in made:
            p.unlink(missing_ok=True)


def models_present(server: ComfyServer, files: dict[str, str]) -> bool:
    """Whether any of ``files`` (name -> models/ folder) is in the server's models folder (a slow test links
    random-weight files under the shipped workflows' names into the shared server)."""
    return any((server.base_dir / "models" / folder / f).exists() for f, folder in files.items())


def check_refused_until_models_exist(server: ComfyServer, graph: dict, loaders: tuple[str, ...]) -> dict[str, str]:
    """A shipped workflow needing model files: without them ``/prompt`` refuses it naming every file; with empty
    placeholders of those names it validates and execution stops at one of ``loaders``. Returns the files (name ->
    folder); skips when another test left files of these names."""
    import pytest

    files = model_files(graph)
    if models_present(server, files):
        pytest.skip("another test left model files of these names")
    status, body = server.queue(graph)
    assert status == 400, "without the model files the workflow must be refused, not run partly"
    text = json.dumps(body)
    for f in files:
        assert f in text, f"the refusal names {f}"
    with placeholder_models(server, files):
        status, body = server.queue(graph)
        assert status == 200 and not body.get("node_errors"), json.dumps(body)[:2000]
        entry = server.wait(body["prompt_id"], timeout=600)
        assert entry["status"]["status_str"] == "error"  # a placeholder is not a model
        failed = [m[1] for m in entry["status"]["messages"] if m[0] == "execution_error"]
        assert failed and failed[0]["node_type"] in loaders, failed
    return files


def link_random_fixtures(server: ComfyServer, comfy_dir: Path, fixtures: dict, cache: Path, here: Path) -> None:
    """Build (once, cached under ``cache``) and link random-weight model files into the server's models folder.

    ``fixtures``: (models/ folder, file name) -> (generator script in ``here``, its arguments, cached file stem)."""
    for (folder, name), (script, args, cached) in fixtures.items():
        path = cache / f"{cached}.safetensors"
        if not path.exists():
            t0 = time.time()
            subprocess.run([server.python, str(here / script), "--comfyui", str(comfy_dir), "--out", str(path),
                            *args], check=True, cwd=comfy_dir)
            print(f"\n[fixture] built {path} in {time.time() - t0:.0f}s")
        link = server.base_dir / "models" / folder / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)
