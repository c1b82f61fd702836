"""Camera tracking jobs: a clip → the camera JSON contract, and a clip scored against the camera it was asked for.

The tracker itself is ``camera/track.py`` (it takes frames, so it sits below video/); this module feeds it a
clip — a file or folder streamed by ``video/read.FrameReader`` (one decoded frame in flight: memory does not grow
with the clip), or an IMAGE batch — and wraps the poses into a :class:`CameraTrajectory`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..camera.accuracy import CameraAccuracy, camera_accuracy
from ..camera.lens import focal_from_fov
from ..camera.track import TrackConfig, TrackResult, solve_camera, track_features, working_size
from ..camera.trajectory import CameraTrajectory
from ..core.limits import MAX_FRAMES

DEFAULT_CONFIG = TrackConfig()



@dataclass
class TrackedCamera:
    """A tracked clip: ``camera`` (the contract; ``metadata["tracking"]`` repeats the summary) and the tracker's
    ``result`` (FOV used, pure rotation or not, lost frames, reprojection error, warnings)."""

    camera: CameraTrajectory
    result: TrackResult

    def summary(self) -> dict:
        r = self.result
        return {"frames": self.camera.frames, "fov_deg": round(r.fov_deg, 3), "fov_estimated": r.fov_estimated,
                "rotation_only": r.rotation_only, "lost_frames": r.lost, "points": r.points,
                "reprojection_rms_px": None if not np.isfinite(r.rms_px) else round(r.rms_px, 4),
                "parallax_px": round(r.parallax_px, 3), "warnings": list(r.warnings)}


def _frames_of(source, max_frames: int | None, config: TrackConfig = DEFAULT_CONFIG, info=None):
    """(iterable of frames, count or None, fps) for a path or an [B, H, W, C] batch (torch or numpy, 0..1). A file
    is decoded straight to grey at the tracker's working size; ``info``: its ``video/read.probe`` when the caller has
    it already (else probed here)."""
    if isinstance(source, (str, Path)):
        from ..video.read import FrameReader, probe

        p = Path(source)
        if not p.exists():
            raise FileNotFoundError(f"clip not found: {source}")
        try:
            info = info or probe(p, max_frames)
        except ValueError:
            raise
        except Exception as e:  # noqa: BLE001 - PyAV / OpenCV raise many kinds on a corrupt file
            raise ValueError(f"{p.name} is not a readable video, image or folder of images ({type(e).__name__})") \
                from None
        return (FrameReader(p, max_frames=max_frames, gray_size=working_size(info.width, info.height, config)),
                info.frames, info.fps)
    arr = source.detach().cpu().numpy() if hasattr(source, "detach") else np.asarray(source)
    if arr.ndim != 4 or arr.shape[-1] < 3 or arr.shape[0] < 1:
        raise ValueError(f"the clip must be a batch of RGB frames [B, H, W, 3], got shape {tuple(arr.shape)}")
    if max_frames:
        arr = arr[:max_frames]
    return iter(arr[..., :3]), len(arr), None


def track_clip(source, fov_deg: float | None = None, fps: float | None = None, max_frames: int | None = None,
               config: TrackConfig = DEFAULT_CONFIG, on_progress=None, clip_info=None) -> TrackedCamera:
    """Estimate the camera of a clip.

    Args:
        source: a video file, image folder or image path, or an IMAGE batch [B, H, W, 3] (0..1).
        fov_deg: horizontal field of view in degrees, or None to estimate it (camera/track.estimate_fov).
        fps: the camera's frame rate (default: the video's, 12 for images and batches).
        max_frames: read at most this many frames (default ``core/limits.MAX_FRAMES``).
        on_progress: ``on_progress(done, total)`` per frame read (the nodes' Cancel checkpoint).
        clip_info: ``video/read.probe(source, max_frames)`` of a file, when the caller has it (not probed twice).
    Returns:
        :class:`TrackedCamera`; the camera's ``preset`` is ``"tracked"``, focus at depth 1, f/4.
    Raises:
        ValueError / FileNotFoundError: a missing or corrupt clip, a clip of one frame or with no texture, a bad FOV.
    """
    if fov_deg is not None and (isinstance(fov_deg, bool) or not np.isfinite(fov_deg)
                                or not 1.0 <= float(fov_deg) <= 170.0):
        raise ValueError(f"fov must be a horizontal field of view in degrees, 1..170, got {fov_deg}")
    frames, count, clip_fps = _frames_of(source, max_frames or MAX_FRAMES, config, clip_info)
    if count is not None and count < 2:
        raise ValueError(f"a camera needs at least 2 frames to track; the clip has {count}")
    try:
        tracks = track_features(frames, config, on_progress=on_progress, total=count)
    except (OSError, RuntimeError, EOFError) as e:
        raise ValueError(f"the clip could not be decoded to the end ({type(e).__name__}): re-encode it") from None
    result = solve_camera(tracks, fov_deg, config)
    n = result.c2w.shape[0]
    fov = np.full(n, result.fov_deg)
    camera = CameraTrajectory(c2w=result.c2w, fov_deg=fov, focal_length_mm=np.full(n, focal_from_fov(fov[0])),
                              focus_distance=np.ones(n), aperture=np.full(n, 4.0),
                              fps=float(fps or clip_fps or 12.0), preset="tracked",
                              intent="rotation" if result.rotation_only else "tracked")
    tracked = TrackedCamera(camera=camera, result=result)
    return replace(tracked, camera=replace(camera, metadata={"tracking": tracked.summary()}))


def clip_camera_accuracy(source, camera: CameraTrajectory, config: TrackConfig = DEFAULT_CONFIG,
                         on_progress=None) -> tuple[CameraAccuracy, TrackedCamera]:
    """Track ``source`` with the asked camera's FOV (frame 0's) and score it against ``camera`` (one pose per
    frame; camera/accuracy.py). Returns the accuracy and the tracked camera."""
    if not isinstance(camera, CameraTrajectory):
        raise ValueError(f"camera must be a camera trajectory, got {type(camera).__name__}")
    tracked = track_clip(source, float(camera.fov_deg[0]), camera.fps, config=config, on_progress=on_progress)
    return camera_accuracy(camera.c2w, tracked.camera.c2w), tracked
