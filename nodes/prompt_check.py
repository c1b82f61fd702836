"""The whole-prompt check: ``POST /prompt`` is refused before anything runs when the pack's nodes would make more
frames or need more memory than ``core/limits`` allows (the estimate: ``pipelines/budget.estimate_prompt``).

ComfyUI 0.3.64 has one hook that sees a whole prompt before it is validated and queued:
``PromptServer.add_on_prompt_handler`` (``server.py``: ``post_prompt`` calls ``trigger_on_prompt(json_data)``
on the parsed body, then ``execution.validate_prompt``). A handler can only rewrite the body — an exception is
logged and ignored — so the refusal takes two parts in the same request (the same asyncio task, so one
``ContextVar`` joins them):

1. the on-prompt handler estimates the parsed prompt (no second parse of a large body); over the limit, it drops
   ``"prompt"`` from the body, so ComfyUI queues nothing, and records the refusal;
2. an aiohttp middleware on ``/prompt`` (and ``/api/prompt``) answers that request with the refusal instead of
   ComfyUI's "no prompt", in ComfyUI's own validation-error form: HTTP 400, ``error`` (type
   ``prompt_over_budget``) and ``node_errors`` keyed by the node to change, whose message names the node and the
   setting to lower — what the frontend shows on that node and what API clients already read.
"""

from __future__ import annotations

import contextvars
import logging
import os

from aiohttp import web

from ..pipelines.budget import Refusal, estimate_prompt
from .files import input_file

log = logging.getLogger("draw_to_video")

_refusal: contextvars.ContextVar[Refusal | None] = contextvars.ContextVar("d2v_prompt_refusal", default=None)
_installed = False
ERROR_TYPE = "prompt_over_budget"


def image_size(name: str) -> tuple[int, int] | None:
    """(width, height) of a Load Image file in ComfyUI's input folder from its header (no decoding), else None."""
    try:
        from PIL import Image

        path = input_file(name, "image")
        if os.path.getsize(path) <= 0:
            return None
        with Image.open(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 - unreadable here means unknown: Load Image reports it itself
        return None


def check_prompt(json_data):
    """The on-prompt handler: estimate; when over the limit, record the refusal and drop the prompt."""
    _refusal.set(None)
    if not isinstance(json_data, dict) or not isinstance(json_data.get("prompt"), dict):
        return json_data
    refusal = estimate_prompt(json_data["prompt"], image_size).refusal()
    if refusal is None:
        return json_data
    log.warning("draw_to_video: prompt refused before it ran: %s", refusal.message)
    _refusal.set(refusal)
    return {k: v for k, v in json_data.items() if k != "prompt"}


def refusal_body(r: Refusal) -> dict:
    """ComfyUI's /prompt validation-error JSON for a refusal."""
    error = {"type": ERROR_TYPE, "message": "Prompt refused before it ran", "details": f"{r.setting} - {r.message}",
             "extra_info": {"input_name": r.setting}}  # the form of ComfyUI's own custom_validation_failed
    return {"error": {"type": ERROR_TYPE, "message": "Prompt refused before it ran: " + r.message,
                      "details": "", "extra_info": {}},
            "node_errors": {r.node_id: {"errors": [error], "dependent_outputs": [], "class_type": r.class_type}}}


@web.middleware
async def answer_refusals(request: web.Request, handler):
    if request.method != "POST" or request.path not in ("/prompt", "/api/prompt"):
        return await handler(request)
    _refusal.set(None)
    response = await handler(request)
    refusal = _refusal.get()
    if refusal is not None:
        return web.json_response(refusal_body(refusal), status=400)
    return response


def install(server) -> bool:
    """Add the handler and the middleware to a PromptServer (once, before it serves). False when the app is
    already serving (its middlewares are frozen): then nothing is installed, so no prompt is dropped silently."""
    global _installed
    if _installed:
        return True
    try:
        server.app.middlewares.append(answer_refusals)
    except (RuntimeError, AttributeError) as e:
        log.warning("draw_to_video: the whole-prompt check is off (%s)", e)
        return False
    server.add_on_prompt_handler(check_prompt)
    _installed = True
    return True


def install_on_running_server() -> bool:
    """:func:`install` on ``PromptServer.instance``; False without a server."""
    try:
        from server import PromptServer
    except ImportError:
        return False
    server = getattr(PromptServer, "instance", None)
    return server is not None and install(server)

