"""Reading a job's inputs from files (CLI and Python API): the picture, a drawn path, a camera, the device.

Every reader raises ``FileNotFoundError`` for a missing file and ``ValueError`` for unusable content, each with a
message that names the file and says what to give instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..camera.path import DrawnPath, parse_path
from ..camera.trajectory import CameraTrajectory
from ..core.errors import excerpt

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")
"""Device names a job accepts: auto = CUDA when available, else the CPU. (This module imports torch only when a
reader runs, so the CLI can build its parsers from it without loading torch.)"""


def pick_device(name: str = "auto") -> torch.device:
    """``"auto"`` | ``"cpu"`` | ``"cuda"`` -> a torch device; ``ValueError`` when CUDA is asked for and absent."""
    import torch

    if name not in DEVICES:
        raise ValueError(f"unknown device {excerpt(name)}; use one of: {', '.join(DEVICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda: no CUDA device is available (use the cpu)")
    return torch.device(name)


def read_image(path: str | Path, max_size: int | None = None) -> torch.Tensor:
    """The first frame of an image / video / folder as float32 ``[H, W, 3]`` in 0..1 on the CPU.

    ``max_size``: when given (not None or 0), area-downscaled so that the longer side is at most this many pixels.
    """
    import torch

    from ..core.frames import downscale_to_max
    from ..video.read import read_frames

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    if max_size is not None and int(max_size) < 0:
        raise ValueError(f"max_size must be 0 (no cap) or a number of pixels, got {max_size}")
    frames, _ = read_frames(p, max_frames=1)
    return downscale_to_max(torch.from_numpy(frames[0]), max_size).contiguous()


def read_path_file(path: str | Path, width: int | None = None, height: int | None = None) -> DrawnPath:
    """A drawn path JSON file (the contract, pixel points with ``width``/``height``, or KJNodes coordinates)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"path file not found: {path}")
    return parse_path(p.read_text(encoding="utf-8", errors="replace"), width, height)


def read_camera_file(path: str | Path, aspect: float | None = None) -> CameraTrajectory:
    """A camera file: the ``D2V_CAMERA`` JSON contract (e.g. from ``trajectory --json`` or ``track``), or by its
    suffix a glTF 2.0 camera (``.gltf`` / ``.glb``) or a Nuke ``.chan`` (camera/interchange.py; a ``.chan`` needs
    the picture's ``aspect`` = width / height for its vertical FOV, 16:9 when not given)."""
    from ..camera.interchange import read_camera_any

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"camera file not found: {path}")
    if p.suffix.lower() == ".chan" and aspect is None:
        aspect = 16 / 9
    return read_camera_any(p, aspect)


def read_effect_inputs(camera: str | Path | None = None, mask: str | Path | None = None,
                       depth: str | Path | None = None):
    """The optional inputs of the effects, from files: ``(camera, mask, depth)``, each None when not given.

    camera: a camera JSON file. mask: an image / video / folder, channels averaged to ``[N, H, W]`` (white =
    selected). depth: an image / video / folder as ``[N, H, W, C]`` frames (bright = near).
    """
    import torch

    from ..video.read import read_frames

    def frames_of(path, what):
        if not Path(path).exists():
            raise FileNotFoundError(f"{what} not found: {path}")
        return torch.from_numpy(read_frames(path)[0])

    return (read_camera_file(camera) if camera else None,
            frames_of(mask, "mask").mean(-1) if mask else None,
            frames_of(depth, "depth") if depth else None)


EXAMPLE_IMAGE = Path(__file__).resolve().parents[1] / "assets" / "example.jpg"
"""The pack's example photo (``assets/example.jpg``, licence in ``assets/LICENSE-images.md``)."""
EXAMPLE_INPUT_NAME = "d2v_example.jpg"
"""The name every shipped workflow's Load Image uses; the pack puts the example photo there at server start."""
EXAMPLE_CLIP = Path(__file__).resolve().parents[1] / "assets" / "example_move.mp4"
"""The pack's example clip for ``copy_camera_move`` (``assets/example_move.mp4``: a camera arc through the chelsea
photo, 25 frames 448x252 at 12 fps, horizontal FOV 43.2 degrees; how it was made is in
``assets/LICENSE-images.md``)."""
EXAMPLE_CLIP_NAME = "d2v_example_move.mp4"
"""The name the shipped ``copy_camera_move`` workflow's Load Video uses; copied into the input folder like the photo."""


def provide_example_image(input_dir: str | Path, source: str | Path = EXAMPLE_IMAGE,
                          name: str = EXAMPLE_INPUT_NAME) -> str:
    """Copy ``source`` to ``input_dir/name`` unless a file of that name is already there (a user's file is never
    overwritten). Returns what happened: ``"copied"``, ``"present"`` (same bytes), ``"kept"`` (a different file of
    that name, left alone) or ``"missing"`` (no source, or the folder cannot be written: the workflows then ask for
    an upload, as any Load Image does)."""
    import shutil

    src, dst = Path(source), Path(input_dir) / name
    if not src.is_file():
        return "missing"
    if dst.exists():
        return "present" if dst.is_file() and dst.read_bytes() == src.read_bytes() else "kept"
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{name}.tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(dst)  # atomic: never a half-written example a concurrent Load Image could read
    except OSError:
        return "missing"
    return "copied"
