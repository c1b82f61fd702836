"""Batch: a manifest of shots (one job a row) rendered or generated on Ray, locally or on a cluster, resumable.

The flow is rows → validated :class:`Job` values → Ray tasks (bounded in flight) → ``DIR/index.jsonl``:

* :func:`read_manifest` reads JSON lines or CSV (row numbers are the file's line numbers, a CSV's header being
  line 1); :func:`load_jobs` checks every row up front (files exist, names are known, values in range, one output a
  row) and gives the jobs and the bad rows' messages.
* Each job calls the existing Python API in a Ray worker (:func:`run_job`): ``pipelines/render.render_file`` (the
  2.5D render), ``pipelines/generate.generate`` (``backend`` svd, or any row with ``finish``) or
  ``pipelines/shots.render_shot_file`` (a ``shots`` spec). Nothing is rendered here.
* Nothing lost: a job writes under ``DIR/.d2v-partial/`` and renames the file into place when it is complete; the
  driver appends one index line per finished job (``id``, ``row``, ``status`` ok / error / skipped, ``output``,
  ``seconds``, ``error``, ``hash``); a rerun skips rows whose last index line is ok with the same settings' hash
  and whose output exists. A worker that dies mid-job (a killed process, a lost node) is retried by Ray.
* Deterministic: the worker fixes torch's, OpenCV's and the video encoder's thread counts to the job's CPUs, so the
  same row and seed give the same bytes on any worker.

Ray is optional (``pip install draw-to-video[batch]``) and imported only by :func:`run_batch`. docs/batch.md.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import inspect
import io
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..core import params
from ..core.errors import excerpt, one_line

INDEX_NAME = "index.jsonl"
"""The index of a batch, in ``--out``: one JSON object a line, appended as jobs end."""
PARTIAL_DIR = ".d2v-partial"
"""Where jobs write before the rename (inside ``--out``; removed when the batch ends)."""
CANCEL_NAME = "cancel"
"""Ctrl-C writes this file in ``PARTIAL_DIR``; a job that sees it at its next frame stops (see :func:`_run_on_ray`)."""
PID_DIR_ENV = "D2V_BATCH_PID_DIR"
"""Tests only: when set, a job writes ``<dir>/<id>.<pid>`` at its first rendered frame (so a test can kill it)."""
MAX_RETRIES = 3
"""Times Ray reruns a job whose worker died (a job that raised is not rerun: its error goes to the index)."""
MAX_MANIFEST_BYTES = 64 << 20
OUTPUT_EXTS = (".mp4", ".mov", ".mkv", ".webm", ".gif", ".webp")  # video.write.OUTPUT_EXTS (checked in the tests)

KINDS = ("render", "generate", "shots")
"""What a job calls: render_file, generate or render_shot_file."""
_FILE_KEYS = ("image", "path", "camera", "depth", "shots")
SETTINGS = {
    "render": ("preset", "frames", "fps", "intensity", "depth_kind", "fill", "depth_of_field", "motion_blur",
               "overscan", "max_size", "device", "camera_body", "lens_kind", "aspect", "png_level",
               "move_cap", "focus"),
    "generate": ("preset", "frames", "fps", "intensity", "backend", "svd_model", "guidance", "strength", "release",
                 "denoise", "steps", "seed", "depth_kind", "finish", "width", "height", "motion_bucket_id",
                 "augmentation_level", "min_guidance_scale", "max_guidance_scale", "decode_chunk_size",
                 "cpu_offload", "wan_model", "prompt", "negative_prompt", "wan_guide", "guidance_scale",
                 "conditioning_scale", "device"),
    "shots": ("seed",),
}
"""The settings a row of each kind may carry: the keyword arguments of the function it calls, besides its files,
``out`` and ``on_progress`` (listed here so that checking rows does not import torch; the unit tier compares them
with the signatures)."""
_NOT_SETTINGS = {"image_path", "image", "out", "path", "path_file", "camera", "camera_file", "depth", "depth_file",
                 "on_progress", "spec_file", "depth_out"}


@dataclass(frozen=True)
class Job:
    """One validated row: ``kind`` (:data:`KINDS`) called with ``settings`` (JSON values; files are absolute
    paths), writing ``out`` (relative to the batch folder, POSIX). ``digest`` hashes the settings, the inputs'
    bytes and ``out``; ``gpus`` is what the Ray task asks for."""

    row: int
    id: str
    kind: str
    settings: tuple[tuple[str, object], ...]
    out: str
    digest: str
    gpus: float = 0.0

    def kwargs(self) -> dict:
        return dict(self.settings)


@dataclass(frozen=True)
class RowError:
    """A row refused before anything ran: its line number, id (when it had one) and what to fix."""

    row: int
    message: str
    id: str | None = None

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class BatchSummary:
    """How a batch went: counts, the refused rows, the index's path and where the time went (seconds)."""

    out: Path
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    row_errors: list[RowError] = field(default_factory=list)
    job_errors: list[str] = field(default_factory=list)
    ray_start_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def index(self) -> Path:
        return self.out / INDEX_NAME


# --- the manifest ------------------------------------------------------------------------------------------------
def read_manifest(path: str | Path) -> Iterator[tuple[int, dict | str]]:
    """``(row, fields)`` for each row of a JSON-lines (``.jsonl`` / ``.json``) or CSV (``.csv``) manifest, or
    ``(row, message)`` for a row that cannot be read. ``row`` is the line number (a CSV's header is line 1); blank
    lines and lines starting with ``#`` are skipped. CSV cells are read as JSON when they parse (numbers, true /
    false, lists such as ``["temporal"]``), else as text; empty cells are left out.

    Raises:
        ValueError: no such file, not .jsonl / .json / .csv, too large, or a CSV without a header.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"manifest not found: {path}")
    kind = p.suffix.lower()
    if kind not in (".jsonl", ".json", ".csv"):
        raise ValueError(f"the manifest must be .jsonl (one JSON object a line) or .csv, got {excerpt(p.name)}")
    if p.stat().st_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"{p.name} is larger than {MAX_MANIFEST_BYTES >> 20} MB: split it")
    with open(p, encoding="utf-8", errors="replace", newline="") as f:
        if kind == ".csv":
            yield from _csv_rows(f)
            return
        for n, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                yield n, f"not valid JSON ({e.msg} at column {e.colno}): {excerpt(text)}"
                continue
            yield (n, obj) if isinstance(obj, dict) else (n, f"must be a JSON object {{...}}, got {excerpt(obj)}")


def _csv_rows(f: io.TextIOBase) -> Iterator[tuple[int, dict | str]]:
    reader = csv.reader(f)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ValueError("the CSV manifest needs a header line naming its columns (image, preset, out, ...)")
    header = [h.strip() for h in header]
    for cells in reader:
        n = reader.line_num
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if len(cells) > len(header):
            yield n, f"has {len(cells)} cells but the header names {len(header)} columns"
            continue
        row = {}
        for name, cell in zip(header, cells):
            cell = cell.strip()
            if cell:
                try:
                    row[name] = json.loads(cell)
                except json.JSONDecodeError:
                    row[name] = cell
        yield n, row


def _spec(name: str, backend: str):
    """The ``core/params`` entry that checks setting ``name`` of a row with ``backend`` (None: not a table's)."""
    if backend == "svd" and name == "fps":
        return params.GENERATE["svd_fps"]
    for table in (params.TRAJECTORY, params.RENDER, params.GENERATE, params.SVD):
        if name in table and name not in ("overscan", "backend"):
            return table[name]
    return None


def _target(kind: str) -> Callable:
    """The Python API function a job of ``kind`` calls (imported in the worker; here only for its signature)."""
    if kind == "render":
        from .render import render_file
        return render_file
    if kind == "generate":
        from .generate import generate
        return generate
    from .shots import render_shot_file
    return render_shot_file


def _allowed(kind: str) -> list[str]:
    return sorted({*SETTINGS[kind], "seed"})  # seed: passed where the job takes one (the render has no randomness)


def _file_digest(path: Path) -> str:
    """sha256 of a file's bytes (a folder: of its listing), remembered by path, size and modification time (a
    manifest names the same pictures many times)."""
    st = path.stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _digest(path: str, _size: int, _mtime_ns: int) -> str:
    h = hashlib.sha256()
    p = Path(path)
    if p.is_dir():  # a PNG folder or a model folder: its listing, not its bytes
        h.update("\n".join(sorted(q.name for q in p.iterdir())).encode())
        return "dir:" + h.hexdigest()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_row(row: int, fields: dict, base: Path, *, gpus_per_job: float | None = None) -> Job:
    """One manifest row → a :class:`Job`; ``ValueError`` saying what to fix.

    Fields: ``image`` (or ``shots``: a shot-list spec, docs/shots.md), ``preset`` / ``path`` / ``camera``,
    ``backend`` (``core/params.GENERATE``), ``finish`` (a list: "temporal", "interpolate", effect names),
    ``seed``, ``out`` (relative to the batch folder; default ``<id>.mp4``), ``id`` (default ``out``, else
    ``row<N>``), ``depth``, and any setting of the function the row calls. File names are relative to ``base``
    (the manifest's folder).
    """
    f = dict(fields)
    rid, rel = _row_id_and_out(row, f.pop("id", None), f.pop("out", None))
    files = _row_files(f, base)
    backend = f.pop("backend", params.GENERATE["backend"].default)
    backend = params.GENERATE["backend"].check(backend, "backend")
    kind = _row_kind(files, backend, f)
    allowed = _allowed(kind)
    unknown = sorted(k for k in f if k not in allowed)
    if unknown:
        raise ValueError(f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(map(excerpt, unknown))} for "
                         f"a {kind} row; use: {', '.join(allowed)}")
    for name, value in f.items():
        spec = _spec(name, backend)
        if spec is not None:
            spec.check(value, name)
    if kind == "generate":
        _check_generate_row(f, backend, base)
    names = {"render": {"image": "image_path", "path": "path_file", "camera": "camera_file", "depth": "depth_file"},
             "generate": {"image": "image", "path": "path", "camera": "camera", "depth": "depth"},
             "shots": {"shots": "spec_file"}}[kind]
    settings = {**f, **{names[k]: str(p) for k, p in files.items() if k in names}}
    unused = sorted(k for k in files if k not in names)
    if unused:
        raise ValueError(f"{', '.join(unused)} is not used by a {kind} row")
    gpus = 0.0
    if backend != "render":
        gpus = 1.0 if gpus_per_job is None else float(gpus_per_job)
    elif gpus_per_job is not None:
        gpus = float(gpus_per_job)
    digest = hashlib.sha256(json.dumps(
        {"kind": kind, "out": str(rel), "settings": {k: v for k, v in settings.items() if k not in names.values()},
         "inputs": {k: _file_digest(p) for k, p in sorted(files.items())}},
        sort_keys=True, default=str).encode()).hexdigest()[:32]
    return Job(row=row, id=rid, kind=kind, settings=tuple(sorted(settings.items())), out=str(rel), digest=digest,
               gpus=gpus)


def _row_id_and_out(row: int, rid, out) -> tuple[str, PurePosixPath]:
    """A row's job id (``id``, else ``out``, else ``row<N>``) and its output path relative to the batch folder
    (default ``<id>.mp4``); ``ValueError`` for an empty id or an output outside the folder or of an unknown kind."""
    if rid is not None and (not isinstance(rid, (str, int)) or isinstance(rid, bool) or not str(rid).strip()):
        raise ValueError(f"id must be a non-empty text, got {excerpt(rid)}")
    rid = str(rid).strip() if rid is not None else (str(out) if out else f"row{row}")
    out = out if out is not None else f"{rid}.mp4"
    if not isinstance(out, str) or not out.strip():
        raise ValueError(f"out must be a file name relative to --out, got {excerpt(out)}")
    rel = PurePosixPath(out.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or rel.parts[:1] == (PARTIAL_DIR,) or str(rel) == INDEX_NAME:
        raise ValueError(f"out must stay inside --out (no absolute path, no '..'), got {excerpt(out)}")
    if rel.suffix and rel.suffix.lower() not in OUTPUT_EXTS:
        raise ValueError(f"unsupported out {excerpt(out)}: use {', '.join(OUTPUT_EXTS)} or no suffix for PNGs")
    return rid, rel


def _row_files(f: dict, base: Path) -> dict[str, Path]:
    """The row's file fields (taken out of ``f``) resolved against ``base``; ``ValueError`` for a missing one."""
    files: dict[str, Path] = {}
    for key in _FILE_KEYS:
        if key in f:
            value = f.pop(key)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key} must be a file name, got {excerpt(value)}")
            p = (base / value).resolve()
            if not p.exists():
                raise ValueError(f"{key} file not found: {value} (names are relative to the manifest's folder)")
            files[key] = p
    return files


def _row_kind(files: dict[str, Path], backend: str, f: dict) -> str:
    """"shots", "render" or "generate" (another backend, or a finish); ``ValueError`` when the row's files and
    preset do not say what to make."""
    from ..camera.presets import AUTO, PRESETS

    if "shots" in files:
        if len(files) > 1 or backend != "render" or f.get("finish"):
            raise ValueError("a shots row takes a shot-list spec, seed and out only (the spec names its pictures)")
        return "shots"
    if "image" not in files:
        raise ValueError("give an image (a picture file) or shots (a shot-list spec)")
    if "path" in files and "camera" in files:
        raise ValueError("give a drawn path or a camera trajectory, not both")
    preset = f.get("preset", AUTO)
    if preset != AUTO and preset not in PRESETS:
        raise ValueError(f"unknown preset {excerpt(preset)}; use auto or one of the names that 'presets' "
                         "lists")
    if preset == AUTO and "path" not in files and "camera" not in files:
        raise ValueError("nothing says how the camera moves: give a preset, a path (drawn path JSON) or a camera")
    return "generate" if backend != "render" or f.get("finish") else "render"


def _check_generate_row(f: dict, backend: str, base: Path) -> None:
    """A generate row's settings ``f``, completed in place: the backend, ``finish`` as a list, model folders
    resolved against ``base``; ``ValueError`` for a bad finish or a missing model folder."""
    f["backend"] = backend
    finish = f.get("finish")
    if isinstance(finish, str):
        f["finish"] = finish = [finish]
    if finish is not None:
        _check_finish(finish)
    model_key = {"svd": "svd_model", "wan_vace": "wan_model"}.get(backend)
    if model_key and model_key not in f:
        raise ValueError(f"backend {backend} needs {model_key}: the local folder of its diffusers model")
    for key in ("svd_model", "wan_model"):
        if key in f:
            model = (base / str(f[key])).resolve()
            if not model.is_dir():
                raise ValueError(f"{key} folder not found: {excerpt(f[key])}")
            f[key] = str(model)

def _check_finish(finish) -> None:
    if not isinstance(finish, list) or not all(isinstance(x, str) for x in finish):
        raise ValueError(f'finish must be a list of names such as ["temporal", "interpolate", "film_grain"], got '
                         f"{excerpt(finish)}")
    from ..effects.registry import EFFECTS

    for name in finish:
        if name not in ("temporal", "stabilize", "interpolate") and name not in EFFECTS:
            raise ValueError(f"unknown finish step {excerpt(name)}: use temporal, interpolate or an effect name "
                             "(see 'effects')")


def load_jobs(manifest: str | Path, *, gpus_per_job: float | None = None) -> tuple[list[Job], list[RowError]]:
    """Every row of ``manifest`` checked: the good rows' jobs (in file order) and the bad rows' errors. Two rows
    with the same ``id`` or ``out`` are refused (the second)."""
    base = Path(manifest).resolve().parent
    jobs: list[Job] = []
    errors: list[RowError] = []
    ids: dict[str, int] = {}
    outs: dict[str, int] = {}
    for row, fields in read_manifest(manifest):
        if isinstance(fields, str):
            errors.append(RowError(row, fields))
            continue
        try:
            job = parse_row(row, fields, base, gpus_per_job=gpus_per_job)
        except (ValueError, OSError) as e:
            rid = fields.get("id", fields.get("out"))  # the id it would have had (parse_row's default)
            errors.append(RowError(row, one_line(e), None if rid is None else str(rid)[:200]))
            continue
        if job.id in ids:
            errors.append(RowError(row, f"id {excerpt(job.id)} is also row {ids[job.id]}'s", job.id))
        elif job.out.lower() in outs:
            errors.append(RowError(row, f"out {excerpt(job.out)} is also row {outs[job.out.lower()]}'s", job.id))
        else:
            ids[job.id] = outs[job.out.lower()] = row
            jobs.append(job)
    if not jobs and not errors:
        raise ValueError(f"{Path(manifest).name} has no rows")
    return jobs, errors


# --- the index ---------------------------------------------------------------------------------------------------
def read_index(path: str | Path) -> dict[str, dict]:
    """The last record of each id in an index file (missing file: empty; unreadable lines are ignored)."""
    last: dict[str, dict] = {}
    p = Path(path)
    if not p.is_file():
        return last
    with open(p, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash: that job is simply redone
            if isinstance(rec, dict) and isinstance(rec.get("id"), str):
                last[rec["id"]] = rec
    return last


def is_done(job: Job, record: dict | None, out_dir: Path) -> bool:
    """True when ``record`` (the index's last line for ``job.id``) says the same settings finished and the output
    is still there."""
    return (record is not None and record.get("status") in ("ok", "skipped") and record.get("hash") == job.digest
            and (out_dir / job.out).exists())


def _append(f, record: dict) -> None:
    f.write(json.dumps(record, sort_keys=True) + "\n")
    f.flush()
    os.fsync(f.fileno())


# --- the job (runs in a Ray worker) -----------------------------------------------------------------------------
def run_job(job: Job, out_dir: str, threads: int = 1) -> dict:
    """Run one job where it is: torch / OpenCV / encoder threads fixed to ``threads`` (same bytes on any worker),
    the output written to a temporary name under ``out_dir/.d2v-partial`` and renamed into place when complete.

    Returns the index record (``status`` ok, or error with the one-line message: a job's bad input is not retried).
    """
    t0 = time.perf_counter()
    record = {"id": job.id, "row": job.row, "output": job.out, "hash": job.digest}
    partial = Path(out_dir) / PARTIAL_DIR
    final = Path(out_dir) / job.out
    tmp = partial / f"{job.digest[:16]}-{os.getpid()}{PurePosixPath(job.out).suffix}"
    try:
        _fix_threads(threads)
        partial.mkdir(parents=True, exist_ok=True)
        _call(job, tmp, _stop_when_cancelled(partial / CANCEL_NAME, _progress_marker(job)))
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.is_dir() and not tmp.is_dir():
            raise ValueError(f"{job.out} is a folder: give another out")
        if final.is_dir():
            shutil.rmtree(final)
        os.replace(tmp, final)
        record.update(status="ok", error="")
    except Exception as e:  # the job's own failure: one line in the index, the batch goes on
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        if isinstance(e, BatchCancelled):
            record.update(status="cancelled", error=f"row {job.row}: cancelled")
        else:
            bad_input = isinstance(e, (ValueError, OSError, MemoryError))
            msg = one_line(e) if bad_input else f"internal error ({type(e).__name__}: {one_line(e, 300)})"
            record.update(status="error", error=f"row {job.row}: {msg}")
    record["seconds"] = round(time.perf_counter() - t0, 3)
    return record


def _fix_threads(threads: int) -> None:
    import cv2
    import torch

    from ..video import write as video_write

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    video_write.ENCODER_THREADS = threads


class BatchCancelled(Exception):
    """Raised in a job at its next frame once the batch was cancelled (Ctrl-C in the driver)."""


def _stop_when_cancelled(marker: Path, on_progress=None):
    """An ``on_progress(done, total)`` that raises :class:`BatchCancelled` once ``marker`` exists (one ``stat`` a
    frame), then calls ``on_progress``."""
    def check(done, total=None):
        if marker.exists():
            raise BatchCancelled("the batch was cancelled")
        if on_progress is not None:
            on_progress(done, total)
    return check


def _progress_marker(job: Job):
    """Tests only (:data:`PID_DIR_ENV`): an ``on_progress`` that writes ``<dir>/<id>.<pid>`` at the first frame."""
    folder = os.environ.get(PID_DIR_ENV)
    if not folder:
        return None
    written = []

    def on_progress(done, total=None):
        if not written:
            written.append(True)
            (Path(folder) / f"{job.id}.{os.getpid()}").write_text(str(os.getpid()))
            time.sleep(0.5)  # long enough for the test to kill this worker mid-job
    return on_progress


_MODELS: dict = {}
"""The SVD model a worker process loaded last, by (folder, device, cpu_offload): the next svd job on the same
worker reuses it instead of loading it again (one model a worker)."""


def _svd_model(folder: str, device: str, cpu_offload: bool):
    key = (folder, device, bool(cpu_offload))
    if key not in _MODELS:
        from .inputs import pick_device
        from .svd_diffusers import load_svd

        _MODELS.clear()  # free the last one first
        _MODELS[key] = load_svd(folder, pick_device(device), cpu_offload=bool(cpu_offload))
    return _MODELS[key]


def _call(job: Job, tmp: Path, on_progress) -> None:
    kw = job.kwargs()
    fn = _target(job.kind)
    if job.kind == "generate" and kw.get("backend") == "svd":
        kw["svd_model"] = _svd_model(kw["svd_model"], kw.get("device", "auto"), kw.get("cpu_offload", False))
    if "seed" in kw and "seed" not in inspect.signature(fn).parameters:
        kw.pop("seed")  # the render has no randomness
    if job.kind == "shots":
        fn(out=tmp, on_progress=on_progress, **kw)
    else:
        fn(out=tmp, device=kw.pop("device", "auto"), on_progress=on_progress, **kw)


# --- Ray ---------------------------------------------------------------------------------------------------------
def _package_path() -> str | None:
    """The sys.path entry holding this ``draw_to_video`` (for local workers' PYTHONPATH), None if none does."""
    here = Path(__file__).resolve().parents[1]
    for entry in sys.path:
        cand = Path(entry or ".") / "draw_to_video"
        try:
            if (cand / "__init__.py").is_file() and cand.resolve() == here:
                return str(Path(entry or ".").resolve())
        except OSError:
            continue
    return None


def _check_address(address: str) -> None:
    """A ``host:port`` address must answer within 5 s (Ray itself would wait minutes); ``ValueError`` if not."""
    if address in ("auto", "local") or "://" in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=5):
            pass
    except (OSError, ValueError):
        raise ValueError(f"no Ray cluster answers at {address}: start one with 'ray start --head' there, or check "
                         "the address (HOST:PORT of the head node, default port 6379)") from None


def _cores() -> int:
    """The cores this process may run on (its affinity, else the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def start_ray(address: str | None, cpus: int | None = None) -> tuple[object, str | None]:
    """``ray.init`` for a batch: a cluster at ``address`` (or ``RAY_ADDRESS``), else an embedded local Ray sized
    to this machine (``cpus`` or every core), no dashboard, workers' logs not echoed, its files in a short-lived
    temp folder. Returns ``(ray, temp folder to remove after shutdown or None)``."""
    try:
        import ray
    except ImportError:
        raise ValueError("batch needs Ray: pip install 'draw-to-video[batch]' (or pip install ray)") from None
    address = address or os.environ.get("RAY_ADDRESS") or None
    common = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False,
              "ignore_reinit_error": True}
    if address:
        _check_address(address)
        try:
            ray.init(address=address, **{k: v for k, v in common.items() if k != "include_dashboard"})
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise ValueError(f"could not join the Ray cluster at {address}: {one_line(e, 200)}") from None
        return ray, None
    tmp = tempfile.mkdtemp(prefix="d2v-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)  # short: socket paths
    old = os.environ.get("PYTHONPATH")
    pkg = _package_path()
    if pkg:  # local workers import this draw_to_video, whatever is installed
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (pkg, old) if p)
    try:
        ray.init(num_cpus=cpus or _cores(), _temp_dir=tmp, **common)
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    return ray, tmp


def run_batch(manifest: str | Path, out: str | Path, *, address: str | None = None,
              max_in_flight: int | None = None, gpus_per_job: float | None = None, cpus_per_job: int = 1,
              resume: bool = True, on_progress: Callable[[int, int], None] | None = None,
              on_row_error: Callable[[RowError], None] | None = None) -> BatchSummary:
    """Run every good row of ``manifest`` as a Ray task, writing the outputs and ``index.jsonl`` under ``out``.

    Rows are checked first (``on_row_error`` hears each bad one; they go to the index too); with no good row
    nothing is written and ``ValueError`` lists the bad rows. ``resume``: skip rows :func:`is_done` says are done.
    At most ``max_in_flight`` tasks are submitted at once (default: twice the CPUs' worth of jobs), so memory
    does not grow with the manifest. ``on_progress(done, total)`` after each job. Ctrl-C cancels the running tasks
    and leaves the index and the finished outputs; a rerun goes on from there.
    """
    t0 = time.perf_counter()
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out {out} is a file: give a folder")
    if int(cpus_per_job) < 1:
        raise ValueError(f"cpus per job must be at least 1, got {cpus_per_job}")
    if max_in_flight is not None and int(max_in_flight) < 1:
        raise ValueError(f"max in flight must be at least 1, got {max_in_flight}")
    if gpus_per_job is not None and not 0 <= float(gpus_per_job) <= 64:
        raise ValueError(f"gpus per job must be 0..64, got {gpus_per_job}")
    jobs, errors = load_jobs(manifest, gpus_per_job=gpus_per_job)
    for err in errors:
        if on_row_error:
            on_row_error(err)
    summary = BatchSummary(out=out_dir, row_errors=errors, failed=len(errors))
    if not jobs:
        raise ValueError(f"no good row in {Path(manifest).name}: "
                         + "; ".join(str(e) for e in errors[:5]) + (" ..." if len(errors) > 5 else ""))
    done = read_index(out_dir / INDEX_NAME) if resume else {}
    todo = [job for job in jobs if not is_done(job, done.get(job.id), out_dir)]
    ray = ray_tmp = None
    if todo:  # Ray first: an unreachable cluster must leave --out untouched
        t_ray = time.perf_counter()
        ray, ray_tmp = start_ray(address)
        summary.ray_start_seconds = time.perf_counter() - t_ray
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out_dir / PARTIAL_DIR, ignore_errors=True)  # what an earlier killed batch left
        with open(out_dir / INDEX_NAME, "a", encoding="utf-8") as index:
            for err in errors:
                _append(index, {"id": err.id or f"row{err.row}", "row": err.row, "status": "error", "output": None,
                                "seconds": 0.0, "error": str(err), "hash": None})
            running = {job.id for job in todo}
            for job in jobs:
                if job.id not in running:
                    _append(index, {"id": job.id, "row": job.row, "status": "skipped", "output": job.out,
                                    "seconds": 0.0, "error": "", "hash": job.digest})
                    summary.skipped += 1
            total = len(jobs) + len(errors)
            if on_progress:
                on_progress(total - len(todo), total)
            if todo:
                _run_on_ray(ray, todo, out_dir, index, summary, max_in_flight, cpus_per_job, total - len(todo),
                            total, on_progress)
    finally:
        if ray is not None:
            ray.shutdown()
        if ray_tmp:
            shutil.rmtree(ray_tmp, ignore_errors=True)
        shutil.rmtree(out_dir / PARTIAL_DIR, ignore_errors=True)
    summary.seconds = time.perf_counter() - t0
    return summary


CANCEL_WAIT_S = 10.0
"""How long Ctrl-C waits for the cancelled jobs to end before Ray is shut down."""


def _run_on_ray(ray, todo: Iterable[Job], out_dir: Path, index, summary: BatchSummary, max_in_flight, cpus: int,
                finished: int, total: int, on_progress) -> None:
    """Submit ``todo`` with at most ``max_in_flight`` tasks pending; append each result to ``index`` as it ends."""
    remote = ray.remote(run_job)
    resources = ray.cluster_resources()
    if max_in_flight is None:
        max_in_flight = max(1, 2 * int(resources.get("CPU", 1) // cpus))
    gpus = float(resources.get("GPU", 0))
    pending: dict = {}
    jobs = iter(todo)
    out_str = str(out_dir.resolve())

    def end(job: Job, record: dict | None = None, error: str = "") -> None:
        nonlocal finished
        if record is None:
            record = {"id": job.id, "row": job.row, "hash": job.digest, "seconds": None, "status": "error",
                      "error": f"row {job.row}: {error}"}
        if record["status"] == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
            summary.job_errors.append(record["error"])
            record["output"] = None
        _append(index, record)
        finished += 1
        if on_progress:
            on_progress(finished, total)

    try:
        while True:
            while len(pending) < max_in_flight:
                job = next(jobs, None)
                if job is None:
                    break
                if job.gpus > gpus:  # it would wait for ever
                    end(job, error=f"needs {job.gpus:g} GPU a job and the Ray cluster has {gpus:g}: add GPU nodes, "
                                   "or --gpus-per-job 0 (on the CPUs, slow)")
                    continue
                ref = remote.options(num_cpus=cpus, num_gpus=job.gpus, max_retries=MAX_RETRIES,
                                     retry_exceptions=False).remote(job, out_str, cpus)
                pending[ref] = job
            if not pending:
                break
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job = pending.pop(ref)
                record, error = None, ""
                try:
                    record = ray.get(ref)
                except Exception as e:  # the worker died MAX_RETRIES + 1 times, or the task could not run
                    error = f"{type(e).__name__}: {one_line(e, 300)}"
                end(job, record, error)
    except BaseException:  # Ctrl-C or an error of the driver: stop the running jobs, keep what finished
        # The jobs are told through a file in the output folder (they write there anyway, so every node sees it):
        # each stops at its next frame and its end is awaited before Ray shuts down. ray.cancel is not used: ray
        # 2.60's core aborts the driver ("unexpected system state", TaskManager::CompletePendingTask: "Tried to
        # complete task that was not pending") when a cancelled task's reply races the cancel, which turned Ctrl-C
        # into exit 1 in about one run of seven, polite cancel (force=False) included.
        refs = list(pending)
        try:
            (out_dir / PARTIAL_DIR).mkdir(parents=True, exist_ok=True)
            (out_dir / PARTIAL_DIR / CANCEL_NAME).touch()
            ray.wait(refs, num_returns=len(refs), timeout=CANCEL_WAIT_S)
        except Exception:  # noqa: BLE001 - the jobs are being abandoned; what matters is the original error
            pass
        raise
