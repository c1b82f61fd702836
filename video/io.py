"""Reading and writing frame sequences: video files through PyAV, image folders and single images through Pillow.

Frames are float32 numpy arrays [B, H, W, 3] in 0..1 (RGB). Alpha is dropped on read.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from ..core.errors import excerpt, one_line
from ..core.frames import to_even

VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
DEFAULT_FPS = 12.0


def read_frames(path: str | Path, max_frames: int | None = None) -> tuple[np.ndarray, float]:
    """Read a video file, a folder of images (sorted by name) or one image.

    Returns ``(frames [B,H,W,3] float32 0..1, fps)``; folders and images report ``DEFAULT_FPS``.
    Raises ``FileNotFoundError`` / ``ValueError`` with a message saying what to fix.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"input not found: {p}")
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS)
        if not files:
            raise ValueError(f"folder {p} holds no images ({', '.join(sorted(IMAGE_EXTS))})")
        files = files[:max_frames] if max_frames else files
        frames = [_read_image(f) for f in files]
        if len({f.shape for f in frames}) != 1:
            raise ValueError(f"images in {p} have different sizes; resize them to one size first")
        return np.stack(frames), DEFAULT_FPS
    ext = p.suffix.lower()
    if ext in IMAGE_EXTS and ext != ".webp":
        return _read_image(p)[None], DEFAULT_FPS
    if ext in VIDEO_EXTS or ext == ".webp":
        return _read_video(p, max_frames)
    raise ValueError(f"unsupported input {p.name}: use a video ({', '.join(sorted(VIDEO_EXTS))}), "
                     "an image, or a folder of images")


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            return np.asarray(im, dtype=np.float32) / 255.0
    except UnidentifiedImageError:
        raise ValueError(f"{path.name} is not an image Pillow can read (corrupt, empty or another format)") \
            from None
    except Image.DecompressionBombError as e:
        raise ValueError(f"{path.name} is too large to read ({one_line(e, 160)})") from None
    except (OSError, SyntaxError, ValueError) as e:  # truncated or damaged image data
        raise ValueError(f"{path.name} could not be decoded ({one_line(e, 160)})") from None


def _read_video(path: Path, max_frames: int | None) -> tuple[np.ndarray, float]:
    import av

    try:
        container = av.open(str(path))
    except av.error.FFmpegError as e:
        raise ValueError(f"cannot open {path.name} as a video: {one_line(e, 160)}") from None
    with container:
        if not container.streams.video:
            raise ValueError(f"{path.name} has no video stream")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else DEFAULT_FPS
        frames = []
        try:
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24").astype(np.float32) / 255.0)
                if max_frames and len(frames) >= max_frames:
                    break
        except av.error.FFmpegError as e:
            raise ValueError(f"{path.name}: the video data is damaged after frame {len(frames)} "
                             f"({one_line(e, 160)})") from None
    if not frames:
        raise ValueError(f"{path.name} has no video frames")
    return np.stack(frames), fps


def to_uint8(frames) -> np.ndarray:
    """[B,H,W,C] float 0..1 (numpy or torch) → uint8 RGB numpy, clipped; extra channels dropped."""
    if hasattr(frames, "detach"):
        frames = frames.detach().float().cpu().numpy()
    arr = np.asarray(frames, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[0] == 0:
        raise ValueError(f"frames must have shape [B,H,W,C] with B >= 1, got {arr.shape}")
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    arr = np.nan_to_num(arr[..., :3], nan=0.0)
    return (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


OUTPUT_EXTS = (".mp4", ".mov", ".mkv", ".webm", ".gif", ".webp")
"""What :func:`write_video` writes (besides a folder of PNGs for a path without a suffix)."""


def check_output(path: str | Path) -> Path:
    """``path`` as a :class:`Path` when :func:`write_video` can write there; ``ValueError`` saying why not.

    Cheap (no writing): the suffix must be one of :data:`OUTPUT_EXTS` (or none, or an existing folder, for PNG
    frames), and no existing part of the parent path may be a file. Call it before any long work.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if not p.is_dir() and ext and ext not in OUTPUT_EXTS:
        raise ValueError(f"unsupported output {excerpt(p.name)}: use {', '.join(OUTPUT_EXTS)} or a folder for PNGs")
    if p.is_file() and ext == "":
        raise ValueError(f"{p} is a file: give a folder for PNG frames or a video name such as out.mp4")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"cannot write {p}: {parent} is a file, not a folder")
            break
    return p


def write_video(frames, fps: float, path: str | Path, crf: int = 18) -> Path:
    """Write frames [B,H,W,C] (0..1, numpy or torch) to ``path``.

    ``.mp4``/``.mov``/``.mkv``: H.264, yuv420p, and ``.webm``: VP9 (an odd side loses its last row or column, as
    the codecs need even sizes: ``core.frames.to_even``); ``.gif``/``.webp``: animated image (Pillow); a path
    without a suffix, or an existing folder: numbered PNGs. Returns the written path.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    p = check_output(path)
    data = to_uint8(frames)
    ext = p.suffix.lower()
    if ext == "" or p.is_dir():
        p.mkdir(parents=True, exist_ok=True)
        from PIL import Image

        for i, f in enumerate(data):
            Image.fromarray(f).save(p / f"frame_{i:05d}.png")
        return p
    p.parent.mkdir(parents=True, exist_ok=True)
    if ext in (".gif", ".webp"):
        from PIL import Image

        ims = [Image.fromarray(f) for f in data]
        ims[0].save(p, save_all=True, append_images=ims[1:], duration=round(1000.0 / fps), loop=0)
        return p
    import av

    data, _ = to_even(data)
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(p), mode="w") as container:
        codec = "libvpx-vp9" if ext == ".webm" else "libx264"
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = data.shape[2], data.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf)} if codec == "libx264" else {"crf": str(crf + 12), "b": "0"}
        for f in data:
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return p
