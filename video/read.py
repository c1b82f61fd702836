"""Reading frame sequences: video files through PyAV, image folders and single images through OpenCV (Pillow as the
fallback for what OpenCV cannot decode). Writing is ``video/write.py``.

* streaming: :class:`FrameReader` yields uint8 RGB frames ``[H,W,3]`` decoded on a background thread (a small pool
  for image folders) at most :data:`PREFETCH` frames ahead, so memory does not grow with clip length and decoding
  overlaps the caller's compute. :func:`probe` tells the frame count, size and fps up front.
* whole clips: :func:`read_frames` (float32 ``[B,H,W,3]`` in 0..1).
* several passes: :class:`SpilledClip` decodes once into a raw temporary file and reads it back as often as needed.

Alpha is dropped on read.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import one_line

VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
DEFAULT_FPS = 12.0
IO_THREADS = 2
"""Threads that decode image files / encode PNG frames (OpenCV releases the GIL while it works)."""
PREFETCH = 6
"""Frames a reader decodes ahead / a writer holds before ``write`` waits: the bound on I/O memory."""


@dataclass(frozen=True)
class ClipInfo:
    """What :func:`probe` learns without decoding the clip: frame count, size, frames per second."""

    frames: int
    width: int
    height: int
    fps: float


def _kind(p: Path) -> str:
    if not p.exists():
        raise FileNotFoundError(f"input not found: {p}")
    if p.is_dir():
        return "folder"
    ext = p.suffix.lower()
    if ext in IMAGE_EXTS and ext != ".webp":
        return "image"
    if ext in VIDEO_EXTS or ext == ".webp":
        return "video"
    raise ValueError(f"unsupported input {p.name}: use a video ({', '.join(sorted(VIDEO_EXTS))}), "
                     "an image, or a folder of images")


def _folder_files(p: Path) -> list[Path]:
    files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS)
    if not files:
        raise ValueError(f"folder {p} holds no images ({', '.join(sorted(IMAGE_EXTS))})")
    return files


def _open_video(p: Path):
    import av

    try:
        container = av.open(str(p))
    except av.error.FFmpegError as e:
        raise ValueError(f"cannot open {p.name} as a video: {one_line(e, 160)}") from None
    if not container.streams.video:
        container.close()
        raise ValueError(f"{p.name} has no video stream")
    return container, container.streams.video[0]


def _video_fps(stream) -> float:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else DEFAULT_FPS


def probe(path: str | Path, max_frames: int | None = None) -> ClipInfo:
    """Frame count, size and fps of a video, folder of images or image (folders and images: ``DEFAULT_FPS``).

    Decodes at most one frame; a video whose header has no frame count is counted by demuxing its packets
    (no decoding). ``max_frames`` caps the count as :class:`FrameReader` would.
    """
    p = Path(path)
    kind = _kind(p)
    if kind in ("folder", "image"):
        files = _folder_files(p) if kind == "folder" else [p]
        h, w = _read_image_u8(files[0]).shape[:2]
        n = len(files)
        fps = DEFAULT_FPS
    else:
        container, stream = _open_video(p)
        with container:
            fps = _video_fps(stream)
            w, h = stream.codec_context.width, stream.codec_context.height
            n = stream.frames
            if not n or p.suffix.lower() in (".gif", ".webp"):
                n = sum(1 for pk in container.demux(stream) if pk.size)
        if not n or not w:
            n = sum(1 for _ in FrameReader(p, max_frames))  # header says nothing useful: decode to count
            w, h = next(iter(FrameReader(p, 1))).shape[1::-1] if n else (0, 0)
        if not n:
            raise ValueError(f"{p.name} has no video frames")
    return ClipInfo(min(n, max_frames) if max_frames else n, int(w), int(h), fps)


class FrameReader:
    """Iterate the frames of a video, a folder of images (sorted by name) or one image as uint8 RGB ``[H,W,3]``.

    Decoding runs on a background thread (image folders: :data:`IO_THREADS` decoders) at most :data:`PREFETCH`
    frames ahead. ``fps`` is the video's rate (``DEFAULT_FPS`` for images). Iterate once; errors (damaged data,
    images of different sizes) raise ``ValueError`` saying what to fix, at the frame where they occur.
    """

    def __init__(self, path: str | Path, max_frames: int | None = None, prefetch: int = PREFETCH,
                 gray_size: tuple[int, int] | None = None):
        """``prefetch``: frames decoded ahead at most (memory: that many decoded frames). ``gray_size``:
        ``(width, height)`` to yield uint8 grey ``[h,w]`` frames of that size instead (area-averaged; a video is
        converted by the decoder's scaler, so no full-size RGB frame is made)."""
        self.path = Path(path)
        self.gray_size = None if gray_size is None else (int(gray_size[0]), int(gray_size[1]))
        self.prefetch = max(1, int(prefetch))
        self.kind = _kind(self.path)
        self.max_frames = max_frames
        if self.kind == "folder":
            self.files = _folder_files(self.path)[:max_frames] if max_frames else _folder_files(self.path)
            self.fps = DEFAULT_FPS
        elif self.kind == "image":
            self.files = [self.path]
            self.fps = DEFAULT_FPS
        else:
            container, stream = _open_video(self.path)
            with container:
                self.fps = _video_fps(stream)
                n = stream.frames if self.path.suffix.lower() not in (".gif", ".webp") else 0
        self.count: int | None = len(self.files) if self.kind != "video" else (
            min(n, max_frames) if n and max_frames else (n or None))
        """Frames the iteration will yield when the header says so (folders, images, most videos), else None."""
        self._stop = threading.Event()

    def __iter__(self) -> Iterator[np.ndarray]:
        src = self._images() if self.kind != "video" else self._video()
        if self.gray_size is not None and self.kind != "video":
            src = (_to_gray(f, self.gray_size) for f in src)
        q: queue.Queue = queue.Queue(maxsize=self.prefetch)
        end = object()

        def produce():
            try:
                for f in src:
                    if self._stop.is_set():
                        return
                    q.put(f)
                q.put(end)
            except BaseException as e:  # handed to the consumer, raised there
                q.put(e)

        thread = threading.Thread(target=produce, daemon=True, name="d2v-read")
        thread.start()
        try:
            while True:
                item = q.get()
                if item is end:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            while thread.is_alive():  # unblock a producer waiting on a full queue
                try:
                    q.get_nowait()
                except queue.Empty:
                    thread.join(0.05)

    def batches(self, size: int) -> Iterator[np.ndarray]:
        """The frames in stacked uint8 batches ``[b,H,W,3]`` of up to ``size`` frames."""
        buf: list[np.ndarray] = []
        for f in self:
            buf.append(f)
            if len(buf) == size:
                yield np.stack(buf)
                buf = []
        if buf:
            yield np.stack(buf)

    def _images(self) -> Iterator[np.ndarray]:
        shape = None
        with ThreadPoolExecutor(IO_THREADS, thread_name_prefix="d2v-decode") as pool:
            pending: deque = deque()
            files = iter(self.files)
            for f in files:
                pending.append((f, pool.submit(_read_image_u8, f)))
                if len(pending) >= min(self.prefetch, PREFETCH):
                    break
            while pending:
                f, fut = pending.popleft()
                img = fut.result()
                if shape is None:
                    shape = img.shape
                elif img.shape != shape:
                    raise ValueError(f"images in {self.path} have different sizes ({f.name} is "
                                     f"{img.shape[1]}x{img.shape[0]}, the first is {shape[1]}x{shape[0]}); "
                                     "resize them to one size first")
                nxt = next(files, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(_read_image_u8, nxt)))
                yield img

    def _video(self) -> Iterator[np.ndarray]:
        import av

        container, stream = _open_video(self.path)
        stream.thread_type = "AUTO"
        n = 0
        with container:
            try:
                for frame in container.decode(stream):
                    if self.gray_size is None:
                        yield frame.to_ndarray(format="rgb24")
                    else:
                        w, h = self.gray_size
                        yield frame.to_ndarray(format="gray", width=w, height=h, interpolation="AREA")
                    n += 1
                    if self.max_frames and n >= self.max_frames:
                        break
            except av.error.FFmpegError as e:
                raise ValueError(f"{self.path.name}: the video data is damaged after frame {n} "
                                 f"({one_line(e, 160)})") from None
        if not n:
            raise ValueError(f"{self.path.name} has no video frames")


def read_frames(path: str | Path, max_frames: int | None = None) -> tuple[np.ndarray, float]:
    """Read a video file, a folder of images (sorted by name) or one image.

    Returns ``(frames [B,H,W,3] float32 0..1, fps)``; folders and images report ``DEFAULT_FPS``.
    Raises ``FileNotFoundError`` / ``ValueError`` with a message saying what to fix. For long clips prefer
    :class:`FrameReader` (uint8, streamed).
    """
    reader = FrameReader(path, max_frames)
    frames = [f.astype(np.float32) / np.float32(255.0) for f in reader]
    if not frames:
        raise ValueError(f"{Path(path).name} has no frames")
    return np.stack(frames), reader.fps


def _to_gray(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 RGB ``[H,W,3]`` → uint8 grey ``[h,w]`` of ``size = (w, h)`` (area-averaged)."""
    import cv2

    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return g if g.shape[::-1] == tuple(size) else cv2.resize(g, size, interpolation=cv2.INTER_AREA)


def _read_image_u8(path: Path) -> np.ndarray:
    """uint8 RGB ``[H,W,3]`` of one image file (EXIF orientation applied, alpha dropped, 16 bit reduced)."""
    import cv2

    try:
        buf = np.fromfile(str(path), dtype=np.uint8)  # not cv2.imread: any path, any platform
    except OSError as e:
        raise ValueError(f"{path.name} could not be read ({one_line(e, 160)})") from None
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
    if img is None or img.ndim != 3:
        return (_read_image(path) * 255.0 + 0.5).astype(np.uint8)  # Pillow: more formats, clearer errors
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


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


class SpilledClip:
    """A clip decoded once into a raw uint8 file in the temp folder and read back, frame by frame, as often as an
    algorithm that makes several passes needs: memory holds one frame, the disk ``count·H·W·3`` bytes (a
    300-frame 1280x720 clip: 830 MB). Iterating yields uint8 ``[H,W,3]`` frames; ``count`` and ``shape`` are
    known once it is built. Use as a context manager (the file is deleted on exit)."""

    def __init__(self, frames, dir: str | Path | None = None):
        import tempfile

        self._file = tempfile.TemporaryFile(prefix="d2v-clip-", dir=dir)
        self.count = 0
        self.shape: tuple[int, ...] | None = None
        for f in frames:
            f = np.ascontiguousarray(f, dtype=np.uint8)
            if self.shape is None:
                self.shape = f.shape
            elif f.shape != self.shape:
                raise ValueError(f"frame {self.count} has shape {f.shape}, the first {self.shape}")
            self._file.write(f.data)
            self.count += 1
        self._file.flush()
        if not self.count:
            raise ValueError("the clip has no frames")

    def __iter__(self) -> Iterator[np.ndarray]:
        size = int(np.prod(self.shape))
        for i in range(self.count):
            buf = np.empty(self.shape, np.uint8)
            self._file.seek(i * size)
            if self._file.readinto(memoryview(buf).cast("B")) != size:
                raise ValueError("the temporary copy of the clip was cut short (disk full?)")
            yield buf

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SpilledClip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
