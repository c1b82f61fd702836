"""Reading and writing frame sequences: video files through PyAV, image folders and single images through OpenCV
(Pillow as the fallback for what OpenCV cannot decode).

Two layers:

* streaming: :class:`FrameReader` yields uint8 RGB frames ``[H,W,3]`` decoded on a background thread (a small
  pool for image folders), :class:`FrameWriter` takes frames (uint8, or float 0..1 numpy/torch) and encodes them
  on background threads. Both hold a bounded number of frames, so memory does not grow with clip length, and the
  decoding/encoding overlaps the caller's compute. :func:`probe` tells the frame count, size and fps up front.
* whole clips: :func:`read_frames` (float32 ``[B,H,W,3]`` in 0..1) and :func:`write_video`, built on the above.

Alpha is dropped on read. PNG frames are written with zlib level ``PNG_LEVEL`` = 0 by default (stored: the raw size,
2 ms a 1024x576 frame); levels 1..9 compress (1: about a third of the bytes, 10x slower to encode).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..core.errors import excerpt, one_line

VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
DEFAULT_FPS = 12.0
PNG_LEVEL = 0
"""Default zlib level of written PNG frames. 0 stores the pixels (no filter, no compression: 2 ms a 1024x576 frame,
1.8 MB); 1 is the fast compressed setting (SUB filter, Huffman-only coding: 21 ms, 0.6 MB on a photo, still 2x faster
than OpenCV's default and 10x faster than Pillow's); 2..9 are zlib's slower levels with its default strategy."""
IO_THREADS = 2
"""Threads that decode image files / encode PNG frames (OpenCV releases the GIL while it works)."""
ENCODER_THREADS = 0
"""Threads of the mp4 / webm encoder; 0 = its own choice (from the core count). x264 writes the count into
the file and its output depends on it, so a batch worker fixes it (pipelines/batch.py) for the same bytes on
any machine."""
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


def to_uint8(frames) -> np.ndarray:
    """[B,H,W,C] (or [H,W,C]) float 0..1 (numpy or torch), or uint8 → uint8 RGB numpy ``[B,H,W,3]``: rounded,
    clipped to 0..255, NaN as 0; one channel is repeated to three, extra channels dropped."""
    import cv2

    if hasattr(frames, "detach"):
        import torch

        frames = frames.detach().cpu()
        frames = (frames if frames.dtype == torch.uint8 else frames.float()).numpy()
    arr = np.asarray(frames)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[0] == 0:
        raise ValueError(f"frames must have shape [B,H,W,C] with B >= 1, got {arr.shape}")
    arr = arr[..., :3]
    if arr.dtype != np.uint8:
        b, h, w, c = arr.shape
        flat = np.ascontiguousarray(arr, dtype=np.float32).reshape(b * h, w * c)
        # one fast pass each: clip below at 0 (NaN -> 0), then scale, round and saturate at 255
        if np.isnan(flat.max()):
            flat = np.nan_to_num(flat, nan=0.0)
        arr = cv2.convertScaleAbs(cv2.max(flat, 0.0), alpha=255.0).reshape(b, h, w, c)
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    return arr


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


def _png_params(level: int = PNG_LEVEL) -> list[int]:
    """OpenCV ``imencode`` parameters for a zlib ``level`` 0..9 (see :data:`PNG_LEVEL`)."""
    import cv2

    level = int(level)
    if not 0 <= level <= 9:
        raise ValueError(f"PNG compression level must be 0..9, got {level}")
    params = [cv2.IMWRITE_PNG_COMPRESSION, level]
    if level == 1:
        params += [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY]
    has_filter = hasattr(cv2, "IMWRITE_PNG_FILTER")  # one fixed filter instead of libpng's adaptive search
    if has_filter and level <= 1:
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE if level == 0 else cv2.IMWRITE_PNG_FILTER_SUB]
    return params


def _write_png(path: Path, frame: np.ndarray, level: int = PNG_LEVEL) -> None:
    import cv2

    ok, buf = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), _png_params(level))
    if not ok:
        raise ValueError(f"could not encode {path.name} as PNG")
    buf.tofile(str(path))


class FrameWriter:
    """Write a clip frame by frame (or batch by batch) to a video file, an animated GIF/WebP or a folder of PNGs.

    ``write(frames)`` takes ``[B,H,W,C]`` or ``[H,W,C]``, uint8 or float 0..1 (numpy or torch); encoding runs on
    background threads and ``write`` waits only when :data:`PREFETCH` frames are pending, so memory stays bounded
    (GIF/WebP excepted: Pillow needs every frame at the end; they are kept as uint8). Formats as in
    :func:`write_video`. Use as a context manager, or call :meth:`close` (which returns the written path); an
    exception inside the ``with`` block stops the encoders without finishing the file.
    """

    def __init__(self, path: str | Path, fps: float, crf: int = 18, png_level: int = PNG_LEVEL):
        if not np.isfinite(fps) or fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.png_params = _png_params(png_level)  # checked here, before any frame
        self.png_level = int(png_level)
        self.path = check_output(path)
        self.fps = float(fps)
        self.crf = int(crf)
        ext = self.path.suffix.lower()
        self.kind = "png" if ext == "" or self.path.is_dir() else ("pil" if ext in (".gif", ".webp") else "av")
        self.count = 0
        self._shape = None
        self._pending: deque = deque()
        self._pil: list[np.ndarray] = []
        self._pool = None
        self._container = self._stream = None
        self._closed = False

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def write(self, frames) -> None:
        data = to_uint8(frames)
        if self._shape is None:
            self._start(data.shape[1:])
        elif data.shape[1:] != self._shape:
            raise ValueError(f"frame {self.count} is {data.shape[2]}x{data.shape[1]}, the clip is "
                             f"{self._shape[1]}x{self._shape[0]}: every frame must have the same size")
        for f in data:
            self._submit(f)

    def _start(self, shape) -> None:
        self._shape = tuple(shape)
        if self.kind == "png":
            self.path.mkdir(parents=True, exist_ok=True)
            self._pool = ThreadPoolExecutor(IO_THREADS, thread_name_prefix="d2v-png")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.kind == "av":
            import av

            from ..core.frames import even_size  # here: core.frames imports torch

            h, w = even_size(shape[0], shape[1])
            self._container = av.open(str(self.path), mode="w")
            codec = "libvpx-vp9" if self.path.suffix.lower() == ".webm" else "libx264"
            self._stream = self._container.add_stream(codec, rate=Fraction(self.fps).limit_denominator(1001))
            self._stream.width, self._stream.height = w, h
            self._stream.pix_fmt = "yuv420p"
            self._stream.options = ({"crf": str(self.crf)} if codec == "libx264"
                                    else {"crf": str(self.crf + 12), "b": "0"})
            if ENCODER_THREADS:
                self._stream.options = {**self._stream.options, "threads": str(ENCODER_THREADS)}
            if codec == "libx264":  # frame threads, as the ffmpeg command line (PyAV's default: slices)
                self._stream.codec_context.thread_type = "AUTO"
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="d2v-encode")  # one: packets stay in order

    def _submit(self, frame: np.ndarray) -> None:
        i = self.count
        self.count += 1
        if self.kind == "pil":
            self._pil.append(frame)
            return
        fn = (lambda: _write_png(self.path / f"frame_{i:05d}.png", frame, self.png_level)) if self.kind == "png" \
            else (lambda: self._encode(frame))
        self._pending.append(self._pool.submit(fn))
        while len(self._pending) > PREFETCH or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()  # raises an encoder's error here

    def _encode(self, frame: np.ndarray | None) -> None:
        import av
        import cv2

        if frame is None:
            packets = self._stream.encode()
        else:
            h, w = self._stream.height, self._stream.width
            if frame.shape[:2] != (h, w):  # odd side: drop the last row / column; a side of 1 is repeated
                frame = np.ascontiguousarray(np.repeat(np.repeat(frame, 2 if frame.shape[0] == 1 else 1, 0),
                                                       2 if frame.shape[1] == 1 else 1, 1)[:h, :w])
            # the encoder's yuv420p made here by OpenCV (BT.601, limited range, as libswscale's; 2x2 chroma
            # average): about 4x cheaper than PyAV's conversion of an rgb24 frame
            yuv = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2YUV_I420)
            packets = self._stream.encode(av.VideoFrame.from_ndarray(yuv, format="yuv420p"))
        for packet in packets:
            self._container.mux(packet)

    def close(self) -> Path:
        """Finish the file (flush the encoder, wait for every frame) and return its path."""
        if self._closed:
            return self.path
        if self.count == 0:
            self._abort()
            raise ValueError("frames must have shape [B,H,W,C] with B >= 1: no frames were written")
        try:
            if self.kind == "av":
                self._pending.append(self._pool.submit(self._encode, None))
            while self._pending:
                self._pending.popleft().result()
            if self.kind == "pil":
                from PIL import Image

                ims = [Image.fromarray(f) for f in self._pil]
                ims[0].save(self.path, save_all=True, append_images=ims[1:], duration=round(1000.0 / self.fps),
                            loop=0)
                self._pil = []
        finally:
            self._abort()
        return self.path

    def _abort(self) -> None:
        self._closed = True
        if self._pool is not None:
            for f in self._pending:
                f.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pending.clear()
        if self._container is not None:
            self._container.close()
            self._container = None


def write_video(frames, fps: float, path: str | Path, crf: int = 18, png_level: int = PNG_LEVEL) -> Path:
    """Write frames [B,H,W,C] (0..1 float or uint8, numpy or torch) to ``path``.

    ``.mp4``/``.mov``/``.mkv``: H.264, yuv420p, and ``.webm``: VP9 (an odd side loses its last row or column, as
    the codecs need even sizes: ``core.frames.to_even``); ``.gif``/``.webp``: animated image (Pillow); a path
    without a suffix, or an existing folder: numbered PNGs (zlib level ``png_level``). Returns the written path.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    check_output(path)
    n = frames.shape[0] if getattr(frames, "ndim", 0) == 4 else 1
    if n == 0:
        to_uint8(frames)  # raises the shape error
    with FrameWriter(path, fps, crf, png_level) as w:
        for s in range(0, n, PREFETCH):
            w.write(frames[s:s + PREFETCH] if getattr(frames, "ndim", 0) == 4 else frames)
    return w.path


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
