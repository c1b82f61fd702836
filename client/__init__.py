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

The modules: ``workflow.py`` (the shipped workflows, nodes by title, setting inputs), ``http.py`` (:class:`Client`
and :func:`run_workflow`), ``websocket.py`` (the minimal websocket ``/ws`` needs), ``errors.py`` (the errors above).
"""

from __future__ import annotations

from .errors import ClientError, ExecutionFailed, Interrupted, NoVideo, PromptRejected, ServerDown, WorkflowError
from .http import VIDEO_SUFFIXES, Client, RunResult, run_workflow
from .workflow import WORKFLOWS, find_node, load_workflow, parse_value, prepare, set_input, set_text, workflow_names

__all__ = [
    "VIDEO_SUFFIXES", "WORKFLOWS", "Client", "ClientError", "ExecutionFailed", "Interrupted", "NoVideo",
    "PromptRejected", "RunResult", "ServerDown", "WorkflowError", "find_node", "load_workflow", "parse_value",
    "prepare", "run_workflow", "set_input", "set_text", "workflow_names",
]
