"""Draw to Video: a drawn stroke becomes a cinematic camera move and a video.

ComfyUI loads this folder from ``custom_nodes/`` and calls :func:`comfy_entrypoint` (V3 nodes).
The same folder is the pip package ``draw_to_video``; importing it loads nothing heavy and
needs no ComfyUI.
"""

__version__ = "0.1.0"

WEB_DIRECTORY = "./web"


async def comfy_entrypoint():
    """Return the pack's ComfyExtension (imported lazily: only ComfyUI has ``comfy_api``)."""
    from .nodes import DrawToVideoExtension

    return DrawToVideoExtension()


def __getattr__(name: str):
    """``draw_to_video.generate`` (pipelines/generate.py), imported on first use so the package import stays light."""
    if name == "generate":
        from .pipelines.generate import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
