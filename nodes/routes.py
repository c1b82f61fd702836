"""HTTP routes of the pack, under its own prefix ``/draw_to_video/`` (ComfyUI also serves them under ``/api``).

``POST /draw_to_video/analyze`` — the Draw Path widget's live readout:
    request  ``{"path": <path JSON object or text>, "params": {preset, frames, fps, intensity, easing,
               focal_length_mm, seed, use_drawing_speed}}`` (params optional)
    response ``{"intent", "preset", "confidence", "features", "framing": {"first": [[x, y] * 4], "last": ...},
               "frames", "warnings"}``; 400 ``{"error": "..."}`` for a bad path or body, never a server crash.

Registered on ``PromptServer.instance.routes`` when ComfyUI loads the extension (``nodes/__init__.py``), before
it starts serving.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from ..camera.framing import analyze_drawing

PREFIX = "/draw_to_video"
MAX_BODY = 8 * 1024 * 1024  # a 100 000-point path is about 4 MB of JSON
log = logging.getLogger("draw_to_video")


async def analyze(request: web.Request) -> web.Response:
    too_large = web.json_response({"error": f"request too large (over {MAX_BODY} bytes)"}, status=413)
    if request.content_length is not None and request.content_length > 8 * MAX_BODY:
        return too_large
    raw = bytearray()
    seen = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        seen += len(chunk)
        if seen > 8 * MAX_BODY:
            return too_large
        if seen <= MAX_BODY:
            raw += chunk  # past the limit the rest is only drained, so the client reads the answer cleanly
    if seen > MAX_BODY:
        return too_large
    try:
        body = json.loads(bytes(raw) or b"null")
    except (ValueError, UnicodeDecodeError) as e:
        return web.json_response({"error": f"the body is not valid JSON ({e})"}, status=400)
    if not isinstance(body, dict) or "path" not in body:
        return web.json_response({"error": 'send {"path": <path JSON>, "params": {...}}'}, status=400)
    try:
        result = analyze_drawing(body["path"], body.get("params"))
    except ValueError as e:
        return web.json_response({"error": str(e)}, status=400)
    except ImportError as e:
        return web.json_response({"error": f"intent analysis is not available in this build ({e})"}, status=501)
    except Exception as e:  # never let a drawing take the server down; say what happened
        log.exception("draw_to_video: /analyze failed")
        return web.json_response({"error": f"analysis failed: {type(e).__name__}: {e}"}, status=500)
    return web.json_response(result.to_dict())


_registered = False


def register(routes=None) -> bool:
    """Add the pack's routes to ComfyUI's route table (once). Returns False when no PromptServer is running."""
    global _registered
    if _registered:
        return True
    if routes is None:
        try:
            from server import PromptServer
        except ImportError:
            return False
        if getattr(PromptServer, "instance", None) is None:
            return False
        routes = PromptServer.instance.routes
    routes.post(f"{PREFIX}/analyze")(analyze)
    _registered = True
    return True
