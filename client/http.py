"""The HTTP side of the client: :class:`Client` (upload, queue, follow on the websocket, read ``/history``,
download, interrupt, cancel) and :func:`run_workflow`, the whole run in one call."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import (
    ClientError,
    ExecutionFailed,
    Interrupted,
    NoVideo,
    PromptRejected,
    ServerDown,
    WorkflowError,
    one_line,
)
from .websocket import WebSocket
from .workflow import prepare

VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".gif", ".webp")


@dataclass
class RunResult:
    """A finished run: its prompt id, the files its output nodes wrote (``/history`` entries: filename, subfolder,
    type), the first video among them and, when downloaded, where it was saved."""

    prompt_id: str
    files: list[dict] = field(default_factory=list)
    video: dict | None = None
    saved: Path | None = None


def _reason(error: dict) -> str:
    """One ComfyUI validation error as its reason: the input and ComfyUI's own words ("frames: Value 0 smaller
    than min of 1"), or a node's own check as it said it ("spec - the shot list ...")."""
    message, details = str(error.get("message", "")), str(error.get("details", ""))
    if not details or error.get("type") == "custom_validation_failed":
        return details or message
    if error.get("type") == "value_not_in_list" or message in details:
        return details
    return f"{details}: {message}"


class Client:
    """One ComfyUI server (``server``: its base URL, e.g. ``http://127.0.0.1:8188``)."""

    def __init__(self, server: str, timeout: float = 30.0):
        if not server.startswith(("http://", "https://")):
            server = "http://" + server
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.client_id = uuid.uuid4().hex
        self.prompt_id: str | None = None
        """The last prompt this client queued (what :meth:`cancel` stops on Ctrl+C)."""

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.server + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ServerDown(f"ComfyUI at {self.server} is not answering ({one_line(reason, 120)}): start it or "
                             "check --server") from None

    def _json(self, method: str, path: str, payload=None, titles: dict | None = None) -> dict:
        body = None if payload is None else json.dumps(payload).encode()
        status, data = self._request(method, path, body, {"Content-Type": "application/json"} if body else None)
        try:
            out = json.loads(data or b"{}")
        except ValueError:
            raise ClientError(f"{method} {path}: HTTP {status}, not JSON: {one_line(data[:200])}") from None
        if status == 400 and path == "/prompt":
            raise PromptRejected(self._describe_rejection(out, titles or {}))
        if status >= 400:
            raise ClientError(f"{method} {path}: HTTP {status}: {one_line(out)}")
        return out

    @staticmethod
    def _describe_rejection(answer: dict, titles: dict) -> str:
        err = answer.get("error", {}) if isinstance(answer, dict) else {}
        err = err if isinstance(err, dict) else {"message": str(err)}
        parts = []
        for nid, ne in (answer.get("node_errors") or {}).items():
            for e in ne.get("errors", []):
                name = f"'{titles[nid]}'" if nid in titles else nid
                parts.append(f"node {name} ({ne.get('class_type')}): {_reason(e)}")
        text = "; ".join(parts[:3]) or err.get("details") or err.get("message") or str(answer)
        if any(w in text for w in ("ckpt_name", "unet_name", "vae_name", "clip_name")) and " not in " in text:
            text += " (a model file is missing: put it in ComfyUI's models folder, see the workflow's Read me note)"
        return "the server refused the workflow: " + one_line(text)

    def upload_image(self, path: str | Path, overwrite: bool = True) -> str:
        """Upload a picture to the server's input folder; returns the name to give Load Image."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise WorkflowError(f"cannot read image {path}: {e.strerror or e}") from None
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{path.name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + (
            f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\n"
            f"{'true' if overwrite else 'false'}\r\n--{boundary}--\r\n").encode()
        status, answer = self._request("POST", "/upload/image", body,
                                       {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status != 200:
            raise ClientError(f"upload of {path.name} refused: HTTP {status} {one_line(answer[:200])}")
        info = json.loads(answer)
        return f"{info['subfolder']}/{info['name']}" if info.get("subfolder") else info["name"]

    def queue(self, prompt: dict) -> str:
        """``POST /prompt``; returns the prompt id. :class:`PromptRejected` when validation fails: a 400, or a 200
        whose ``node_errors`` is not empty (ComfyUI queues a prompt when some of its outputs validate and runs
        only those; the client then takes it off the queue, or stops it, and reports the refusal)."""
        titles = {nid: n.get("_meta", {}).get("title") for nid, n in prompt.items() if n.get("_meta", {}).get("title")}
        answer = self._json("POST", "/prompt", {"prompt": prompt, "client_id": self.client_id}, titles)
        self.prompt_id = answer["prompt_id"]
        if answer.get("node_errors"):
            self.cancel(answer["prompt_id"])
            raise PromptRejected(self._describe_rejection(answer, titles))
        return answer["prompt_id"]

    def interrupt(self, prompt_id: str | None = None) -> None:
        """``POST /interrupt``: stop ``prompt_id`` if it is the one running (every run when None)."""
        body = json.dumps({"prompt_id": prompt_id} if prompt_id else {}).encode()
        self._request("POST", "/interrupt", body, {"Content-Type": "application/json"})

    def cancel(self, prompt_id: str) -> None:
        """Take ``prompt_id`` off the queue if it waits there, and stop it if it runs (nobody else's run)."""
        self._request("POST", "/queue", json.dumps({"delete": [prompt_id]}).encode(),
                      {"Content-Type": "application/json"})
        self.interrupt(prompt_id)

    def connect(self) -> WebSocket:
        ws_url = self.server.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}"
        try:
            return WebSocket(ws_url, self.timeout)
        except OSError as e:
            raise ServerDown(f"ComfyUI at {self.server}: no websocket ({one_line(e, 120)})") from None

    def wait(self, ws: WebSocket, prompt_id: str, on_progress: Callable[[dict], None] | None = None,
             timeout: float = 3600.0) -> None:
        """Follow ``prompt_id`` on the websocket until it ends. ``on_progress`` gets each message's ``data``
        (``type`` added) that belongs to it. Raises :class:`ExecutionFailed` or :class:`Interrupted`."""
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise ExecutionFailed(f"prompt {prompt_id} did not finish within {timeout:.0f} s")
            try:
                text = ws.recv()
            except TimeoutError:
                continue  # long nodes send nothing for a while
            except OSError as e:
                raise ServerDown(f"lost the connection to {self.server} ({one_line(e, 120)})") from None
            if text is None:
                raise ServerDown(f"ComfyUI at {self.server} closed the websocket during the run")
            msg = json.loads(text)
            data = msg.get("data") or {}
            if data.get("prompt_id") not in (None, prompt_id):
                continue
            kind = msg.get("type")
            if on_progress is not None and ("prompt_id" in data or kind == "progress"):
                on_progress({**data, "type": kind})
            if kind == "execution_error":
                raise ExecutionFailed(f"node {data.get('node_id')} ({data.get('node_type')}) failed: "
                                      f"{one_line(data.get('exception_message', ''))}")
            if kind == "execution_interrupted":
                raise Interrupted(f"the run was interrupted at node {data.get('node_id')} ({data.get('node_type')})")
            if kind == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                return

    def outputs(self, prompt_id: str) -> list[dict]:
        """The files (``{filename, subfolder, type}``) the run's output nodes wrote, from ``/history``."""
        hist = self._json("GET", f"/history/{prompt_id}").get(prompt_id, {})
        files = []
        for nid, out in (hist.get("outputs") or {}).items():
            for key in ("images", "videos", "gifs", "animated"):
                for f in out.get(key, []) if isinstance(out.get(key), list) else []:
                    if isinstance(f, dict) and "filename" in f:
                        files.append({**f, "node": nid})
        return files

    def download(self, file: dict, dest: str | Path) -> Path:
        """Fetch one output file (``/view``) to ``dest``."""
        q = urllib.parse.urlencode({k: file.get(k, "") for k in ("filename", "subfolder", "type")})
        status, data = self._request("GET", f"/view?{q}")
        if status != 200:
            raise ClientError(f"download of {file.get('filename')} failed: HTTP {status}")
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        return dest

    def run(self, prompt: dict, out: str | Path | None = None, on_progress=None, timeout: float = 3600.0,
            need_video: bool = True) -> RunResult:
        """Queue ``prompt``, follow it, and download its video to ``out`` (if given). :class:`NoVideo` when it
        ended without one and ``need_video``."""
        ws = self.connect()  # before queueing, so no message of the run is missed
        try:
            prompt_id = self.queue(prompt)
            self.wait(ws, prompt_id, on_progress, timeout)
        finally:
            ws.close()
        result = RunResult(prompt_id, self.outputs(prompt_id))
        result.video = next((f for f in result.files if f["filename"].lower().endswith(VIDEO_SUFFIXES)), None)
        if result.video is None and need_video:
            ran = ", ".join(sorted({f["node"] for f in result.files})) or "none"
            raise NoVideo(f"the run ended without a video (output files from nodes: {ran}): the workflow's video "
                          "branch did not run; check its model files and Save Video node")
        if out is not None and result.video is not None:
            result.saved = self.download(result.video, out)
        return result


def run_workflow(server: str, workflow: str | dict, image: str | Path | None = None, path_json: str | None = None,
                 preset: str | None = None, sets: dict | None = None, out: str | Path | None = None,
                 on_progress=None, timeout: float = 3600.0) -> RunResult:
    """Upload ``image`` (a local file), fill the workflow (see :func:`prepare`), run it, save the video to ``out``."""
    client = Client(server)
    name = client.upload_image(image) if image is not None else None
    return client.run(prepare(workflow, name, path_json, preset, sets), out, on_progress, timeout)
