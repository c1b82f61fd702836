"""Writing frame sequences: H.264 / VP9 video through PyAV, animated GIF / WebP through Pillow, folders of PNG frames
through OpenCV. Reading is ``video/read.py``.

:class:`FrameWriter` takes frames (uint8, or float 0..1 numpy/torch) and encodes them on background threads, holding
at most :data:`~.read.PREFETCH` frames (GIF/WebP excepted: Pillow needs them all at the end), so memory does not grow
with clip length; :func:`write_video` writes a whole clip with it; :func:`check_output` refuses a bad output path
before any work. PNG frames are written with zlib level :data:`PNG_LEVEL` = 0 by default (stored: the raw size, 2 ms a
1024x576 frame); levels 1..9 compress (1: about a third of the bytes, 10x slower to encode).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..core.errors import excerpt
from .read import IO_THREADS, PREFETCH

PNG_LEVEL = 0
"""Default zlib level of written PNG frames. 0 stores the pixels (no filter, no compression: 2 ms a 1024x576 frame,
1.8 MB); 1 is the fast compressed setting (SUB filter, Huffman-only coding: 21 ms, 0.6 MB on a photo, still 2x faster
than OpenCV's default and 10x faster than Pillow's); 2..9 are zlib's slower levels with its default strategy."""
ENCODER_THREADS = 0
"""Threads of the mp4 / webm encoder; 0 = its own choice (from the core count). x264 writes the count into
the file and its output depends on it, so a batch worker fixes it (pipelines/batch.py) for the same bytes on
any machine."""

X264_CPU_BITS = {"MMX": 1 | 2, "SSE": 4, "SSE2": 8, "LZCNT": 16, "SSE3": 32, "SSSE3": 64, "SSE41": 128,
                 "SSE42": 256, "AVX": 512, "FMA3": 4096, "BMI": 8192, "BMI2": 16384, "AVX2": 32768}
"""x264's ``X264_CPU_*`` bits (x264.h) for numpy's names of the x86 features, AVX-512 left out on purpose (see
:func:`x264_cpu_mask`). ``MMX`` sets MMX and MMX2 (every x86-64 CPU has both)."""
X264_CACHELINE_64, X264_SSE2_IS_FAST = 1 << 18, 1 << 20
AVX512_SAFE_WIDTH = 128
"""Frame widths that are a multiple of this (8 macroblocks) gave the same bytes with x264's AVX-512 code in every
run measured (384, 512, 640, 768, 1024, 1280 px), so the writer keeps that code (about 6 % faster) for them."""


@lru_cache(maxsize=1)
def x264_cpu_mask() -> int | None:
    """The CPU flags to give x264 here: what this x86 CPU has, without AVX-512; ``None`` (x264 detects them
    itself) where the CPU has no AVX-512 or numpy cannot say what it has.

    Why: x264's AVX-512 code (the build in PyAV's wheels) reads memory it never wrote when the frame width is not a
    multiple of :data:`AVX512_SAFE_WIDTH` and macroblock-tree rate control is on (x264's default): the same frames
    gave different bytes from run to run (measured: 96x64, 320x180, 450x300, 576x320, 720x400; any width a
    multiple of 128 px and every run without AVX-512 gave one file). Leaving AVX-512 out costs about 6 % of the
    encoder's time and changed no byte at the widths that were not affected. The features come from numpy's
    runtime detection (CPUID and the OS's register support), so x264 is never told of one the CPU lacks.
    """
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy 1.x
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as features
        except ImportError:
            return None
    if not features.get("AVX512_SKX"):  # x264 uses AVX-512 only with F, CD, BW, DQ and VL (numpy's SKX group)
        return None
    mask = X264_CACHELINE_64
    for name, bits in X264_CPU_BITS.items():
        if features.get(name):
            mask |= bits
    if features.get("SSSE3"):
        mask |= X264_SSE2_IS_FAST  # as x264 does for CPUs with SSSE3 (except old Atoms, which have no AVX-512)
    return mask


def encoder_options(codec: str, crf: int, width: int) -> dict[str, str]:
    """PyAV options of the ``codec`` ("libx264" or "libvpx-vp9") for a clip ``width`` px wide: the quality
    (``crf``; VP9 at ``crf + 12``, constant quality), :data:`ENCODER_THREADS` when fixed, and x264's CPU flags
    where its AVX-512 code would make the bytes vary (:func:`x264_cpu_mask`)."""
    options = {"crf": str(crf)} if codec == "libx264" else {"crf": str(crf + 12), "b": "0"}
    if ENCODER_THREADS:
        options["threads"] = str(ENCODER_THREADS)
    mask = x264_cpu_mask() if codec == "libx264" and width % AVX512_SAFE_WIDTH else None
    if mask is not None:
        options["x264-params"] = f"asm={mask}"
    return options


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
            ext = self.path.suffix.lower()
            # Matroska (.mkv, .webm) writes the date and a random segment id unless told to be bit-exact; mp4 / mov
            # write neither (their creation time stays 0), and keep libavformat's version tag
            matroska = ext in (".mkv", ".webm")
            self._container = av.open(str(self.path), mode="w", options={"fflags": "+bitexact"} if matroska else {})
            codec = "libvpx-vp9" if ext == ".webm" else "libx264"
            self._stream = self._container.add_stream(codec, rate=Fraction(self.fps).limit_denominator(1001))
            self._stream.width, self._stream.height = w, h
            self._stream.pix_fmt = "yuv420p"
            self._stream.options = encoder_options(codec, self.crf, w)
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
