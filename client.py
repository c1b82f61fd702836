"""Drive a ComfyUI server running this pack from another program: standard library only, no network at import.

    from draw_to_video import client
    result = client.run_workflow("http://127.0.0.1:8188", "draw_to_video", image="photo.jpg",
                                 preset="orbit_left", sets={"Frame Interpolate.multiplier": 3}, out="clip.mp4")

Steps (each is a function of :class:`Client` too): upload the image (``POST /upload/image``), load a shipped API
workflow (``workflows/api/<name>.json``) and patch it by node title (``_meta.title``: "Image", "Draw Path",
"Camera", "Frame Interpolate", "Save Video"...), open the websocket (``/ws?clientId=``), queue (``POST /prompt``),
follow ``progress`` / ``executing`` messages until ``executing`` with ``node: null`` for our prompt, read
``/history/<id>`` and download the video (``/view``).

Every failure is a :class:`ClientError` with a one-line message and a process exit code: :class:`ServerDown` (3),
:class:`PromptRejected` (4: validation, e.g. bad path JSON or a missing model file), :class:`ExecutionFailed` (5),
:class:`Interrupted` (6), :class:`NoVideo` (7: the run ended "success" but no node wrote a video),
:class:`WorkflowError` (2: a bad workflow name, title or value given by the caller).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

WORKFLOWS = Path(__file__).resolve().parent / "workflows" / "api"
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".gif", ".webp")


class ClientError(Exception):
    """A failed request or run; ``str(e)`` is one line, ``exit_code`` is what the ``remote`` command returns."""

    exit_code = 1


class WorkflowError(ClientError):
    exit_code = 2


class ServerDown(ClientError):
    exit_code = 3


class PromptRejected(ClientError):
    exit_code = 4


class ExecutionFailed(ClientError):
    exit_code = 5


class Interrupted(ClientError):
    exit_code = 6


class NoVideo(ClientError):
    exit_code = 7


@dataclass
class RunResult:
    """A finished run: its prompt id, the files its output nodes wrote (``/history`` entries: filename, subfolder,
    type), the first video among them and, when downloaded, where it was saved."""

    prompt_id: str
    files: list[dict] = field(default_factory=list)
    video: dict | None = None
    saved: Path | None = None


# ---- workflows -------------------------------------------------------------------------------------------------

def workflow_names() -> list[str]:
    return sorted(p.stem for p in WORKFLOWS.glob("*.json"))


def load_workflow(name: str) -> dict:
    """A shipped API-format workflow by name (``draw_to_video``...) or a path to an API-format JSON file."""
    path = Path(name) if name.endswith(".json") else WORKFLOWS / f"{name}.json"
    if not path.is_file():
        raise WorkflowError(f"no workflow {name!r}; use one of: {', '.join(workflow_names())} or an API-format "
                            ".json file")
    try:
        prompt = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise WorkflowError(f"{path}: not readable JSON ({e})") from None
    if not isinstance(prompt, dict) or not all(isinstance(v, dict) and "class_type" in v for v in prompt.values()):
        raise WorkflowError(f"{path}: not an API-format workflow (export it with 'Export (API)')")
    return prompt


def find_node(prompt: dict, key: str) -> str:
    """The id of the node titled ``key`` (``_meta.title``, case-insensitive), or of id ``key``."""
    if key in prompt:
        return key
    hits = [nid for nid, n in prompt.items() if str(n.get("_meta", {}).get("title", "")).lower() == key.lower()]
    if len(hits) != 1:
        titles = sorted(n.get("_meta", {}).get("title", nid) for nid, n in prompt.items())
        raise WorkflowError(f"{'no' if not hits else 'more than one'} node titled {key!r}; titles: "
                            f"{', '.join(titles)}")
    return hits[0]


def parse_value(text: str):
    """A ``--set`` value: JSON when it parses (numbers, true/false, quoted strings), the text otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _input(prompt: dict, target: str) -> tuple[dict, str]:
    """The inputs dict of the node in ``"<node title or id>.<input>"`` and the input's name (which must exist and
    not be a link)."""
    node_key, sep, name = target.rpartition(".")
    if not sep or not node_key or not name:
        raise WorkflowError(f"--set {target!r}: write NODE.INPUT=VALUE (NODE = a node title or id)")
    node = prompt[find_node(prompt, node_key)]
    if name not in node["inputs"]:
        raise WorkflowError(f"node {node_key!r} has no input {name!r}; it has: {', '.join(node['inputs'])}")
    if isinstance(node["inputs"][name], list):
        raise WorkflowError(f"{node_key}.{name} is wired to another node; set that node instead")
    return node["inputs"], name


def set_input(prompt: dict, target: str, value) -> None:
    """Set ``"<node title or id>.<input>"`` to ``value`` (in place); the input must exist and not be a link.

    A dict or list given to a text input (its current value is a string: path JSON, a shot-list spec) is encoded as
    JSON once here; ComfyUI would otherwise turn it into Python's text of it, which is not JSON."""
    inputs, name = _input(prompt, target)
    if isinstance(inputs[name], str) and isinstance(value, (dict, list)):
        value = json.dumps(value)
    inputs[name] = value


def set_text(prompt: dict, target: str, text: str) -> None:
    """Set an input from command-line text (``remote --set``): a text input (its current value is a string) takes
    the text as written (JSON stays JSON; a quoted JSON string is unquoted), any other input its JSON value
    (numbers, true/false) or the text."""
    inputs, name = _input(prompt, target)
    if isinstance(inputs[name], str):
        value = parse_value(text)
        inputs[name] = value if isinstance(value, str) else text
    else:
        inputs[name] = parse_value(text)


# ---- a minimal websocket client (RFC 6455: text frames in, pings answered, nothing else sent) --------------------

class _WebSocket:
    def __init__(self, url: str, timeout: float):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + (f"?{u.query}" if u.query else "")
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"websocket handshake refused: {head.splitlines()[0].decode(errors='replace')}")

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("websocket closed by the server")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        head = bytes([0x80 | opcode]) + (bytes([0x80 | len(payload)]) if len(payload) < 126
                                         else bytes([0x80 | 126]) + struct.pack(">H", len(payload)))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self) -> str | None:
        """The next text message (binary ones, e.g. previews, are skipped); None when the server closes."""
        message, kind = b"", None
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                return None
            if opcode == 0x9:
                self._send(0xA, data)
                continue
            if opcode in (0x1, 0x2):
                kind, message = opcode, data
            elif opcode == 0x0:
                message += data
            else:
                continue
            if b0 & 0x80:
                if kind == 0x1:
                    return message.decode("utf-8", errors="replace")
                message, kind = b"", None

    def close(self) -> None:
        try:
            self._send(0x8, b"")
        except OSError:
            pass
        self.sock.close()


# ---- the client ------------------------------------------------------------------------------------------------

def _one_line(text, limit: int = 400) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


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
            raise ServerDown(f"ComfyUI at {self.server} is not answering ({_one_line(reason, 120)}): start it or "
                             "check --server") from None

    def _json(self, method: str, path: str, payload=None, titles: dict | None = None) -> dict:
        body = None if payload is None else json.dumps(payload).encode()
        status, data = self._request(method, path, body, {"Content-Type": "application/json"} if body else None)
        try:
            out = json.loads(data or b"{}")
        except ValueError:
            raise ClientError(f"{method} {path}: HTTP {status}, not JSON: {_one_line(data[:200])}") from None
        if status == 400 and path == "/prompt":
            raise PromptRejected(self._describe_rejection(out, titles or {}))
        if status >= 400:
            raise ClientError(f"{method} {path}: HTTP {status}: {_one_line(out)}")
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
        return "the server refused the workflow: " + _one_line(text)

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
            raise ClientError(f"upload of {path.name} refused: HTTP {status} {_one_line(answer[:200])}")
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

    def connect(self) -> _WebSocket:
        ws_url = self.server.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}"
        try:
            return _WebSocket(ws_url, self.timeout)
        except OSError as e:
            raise ServerDown(f"ComfyUI at {self.server}: no websocket ({_one_line(e, 120)})") from None

    def wait(self, ws: _WebSocket, prompt_id: str, on_progress: Callable[[dict], None] | None = None,
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
                raise ServerDown(f"lost the connection to {self.server} ({_one_line(e, 120)})") from None
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
                                      f"{_one_line(data.get('exception_message', ''))}")
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


def prepare(workflow: str | dict, image: str | None = None, path_json: str | None = None,
            preset: str | None = None, sets: dict | None = None) -> dict:
    """A shipped workflow (name or dict) with the image name, path JSON, camera preset and ``sets``
    (``{"Title.input": value}``) filled in. ``image`` must already be on the server (see :meth:`upload_image`)."""
    prompt = load_workflow(workflow) if isinstance(workflow, str) else json.loads(json.dumps(workflow))
    if image is not None:
        set_input(prompt, "Image.image", image)
    if path_json is not None:
        set_input(prompt, "Draw Path.path_json", path_json)
    if preset is not None:
        set_input(prompt, "Camera.preset", preset)
    for target, value in (sets or {}).items():
        set_input(prompt, target, value)
    return prompt


def run_workflow(server: str, workflow: str | dict, image: str | Path | None = None, path_json: str | None = None,
                 preset: str | None = None, sets: dict | None = None, out: str | Path | None = None,
                 on_progress=None, timeout: float = 3600.0) -> RunResult:
    """Upload ``image`` (a local file), fill the workflow (see :func:`prepare`), run it, save the video to ``out``."""
    client = Client(server)
    name = client.upload_image(image) if image is not None else None
    return client.run(prepare(workflow, name, path_json, preset, sets), out, on_progress, timeout)
