"""HTTP routes of the pack, under its own prefix ``/draw_to_video/`` (ComfyUI also serves them under ``/api``).

``POST /draw_to_video/analyze`` — the Draw Path widget's live readout:
    request  ``{"path": <path JSON object or text>, "params": {preset, frames, fps, intensity, easing,
               focal_length_mm, seed, use_drawing_speed}}`` (params optional)
    response ``{"intent", "preset", "confidence", "features", "framing": {"first": [[x, y] * 4], "last": ...},
               "frames", "warnings"}``; 400 ``{"error": "<one line>"}`` for any bad path, body or setting (the
    settings are checked with the nodes' ranges, ``camera/framing.check_params``; never a 500 or a traceback), 408
    for a body not sent within :data:`READ_TIMEOUT_S`, 413 for a body over :data:`MAX_BODY`, 503
    (``Retry-After: 1``) when :data:`MAX_IN_FLIGHT` requests are already being analyzed. The body is read (capped
    and timed) *before* a slot is taken, so clients that stall mid-body hold no slot; the work runs in a small
    thread pool, never on aiohttp's event loop, so the server keeps answering while drawings are analyzed.

Registered on ``PromptServer.instance.routes`` when ComfyUI loads the extension (``nodes/__init__.py``), before
it starts serving.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from ..camera.framing import analyze_drawing
from ..core.errors import loads_json, one_line

PREFIX = "/draw_to_video"
MAX_BODY = 8 * 1024 * 1024
"""Largest request body read (a 100 000-point path is about 4.5 MB of JSON); larger ones get 413."""
WORKERS = 1
"""Threads that run the analysis, off aiohttp's event loop (parsing and intent analysis are CPU work). One: more
threads only contend for the GIL with the event loop and with ComfyUI's prompt worker."""
MAX_IN_FLIGHT = 4
"""Requests admitted at once (running or waiting for a worker); the next one gets 503 with Retry-After."""
READ_TIMEOUT_S = 5.0
"""The whole body must arrive within this many seconds (a 100 000-point path is ~4.5 MB: well under a second on
any link the widget uses), else 408; a stalled client holds no analysis slot meanwhile."""
log = logging.getLogger("draw_to_video")

_pool: ThreadPoolExecutor | None = None
_in_flight = 0  # only touched on the event loop, so a plain counter is race-free


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="d2v-analyze")
    return _pool


def _error(status: int, message: str, **headers) -> web.Response:
    return web.json_response({"error": one_line(message)}, status=status, headers=headers or None)


def analyze_body(raw: bytes) -> tuple[int, dict]:
    """The whole request, from body bytes to (HTTP status, JSON answer); pure, runs in a worker thread.

    Every bad request is a 400 with a one-line ``error``; nothing here raises."""
    try:
        body = loads_json(raw or b"null", "the request body")
        if not isinstance(body, dict) or "path" not in body:
            return 400, {"error": 'send {"path": <path JSON>, "params": {...}}'}
        return 200, analyze_drawing(body["path"], body.get("params")).to_dict()
    except ValueError as e:
        return 400, {"error": one_line(e)}
    except ImportError as e:
        return 501, {"error": one_line(f"intent analysis is not available in this build ({e})")}
    except MemoryError:
        return 413, {"error": "the drawing is too large to analyze: resample the stroke"}
    except Exception as e:  # a drawing that trips a bug is still the client's bad request, never a 500
        log.warning("draw_to_video: /analyze could not analyze a drawing (%s)", one_line(e, 200), exc_info=True)
        return 400, {"error": one_line(f"the drawing could not be analyzed ({type(e).__name__}: {e})", 300)}


async def _read_body(request: web.Request) -> bytes | None:
    """The body, or None when it is over :data:`MAX_BODY` (what follows the limit is drained, up to 8x, so the
    client reads the answer cleanly)."""
    if request.content_length is not None and request.content_length > 8 * MAX_BODY:
        return None
    raw = bytearray()
    seen = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        seen += len(chunk)
        if seen > 8 * MAX_BODY:
            return None
        if seen <= MAX_BODY:
            raw += chunk
    return None if seen > MAX_BODY else bytes(raw)


async def analyze(request: web.Request) -> web.Response:
    global _in_flight
    try:
        raw = await asyncio.wait_for(_read_body(request), READ_TIMEOUT_S)
    except asyncio.TimeoutError:
        return _error(408, f"the request body did not arrive within {READ_TIMEOUT_S:g} s",
                      **{"Connection": "close"})
    if raw is None:
        return _error(413, f"request too large (over {MAX_BODY} bytes)")
    if _in_flight >= MAX_IN_FLIGHT:
        return _error(503, f"busy: {MAX_IN_FLIGHT} drawings are being analyzed; retry in a second",
                      **{"Retry-After": "1"})
    _in_flight += 1
    try:
        status, answer = await asyncio.get_running_loop().run_in_executor(_executor(), analyze_body, raw)
        return web.json_response(answer, status=status)
    finally:
        _in_flight -= 1


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
