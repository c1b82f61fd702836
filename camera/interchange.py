"""Camera interchange: glTF 2.0 (``.gltf`` / ``.glb``) and Nuke ``.chan``, written and read back.

Axes and units (docs/camera-io.md):

* The pack (camera JSON): OpenCV axes, x right, y down, z forward; world = frame 0's camera; 1 unit = the median
  scene depth of frame 0.
* glTF 2.0 and Nuke: y up, the camera looks down its −z, x right. One flip ``S = diag(1, −1, −1)`` (a rotation of
  180° about x) converts both the camera axes and the world axes: ``M_gl = S · M_cv · S``. World units are written
  as metres one to one (the scene's median depth becomes 1 m); scale the scene in the 3-D tool if it needs real
  sizes.

**glTF** (pygltflib): one perspective camera on one node, animated by a LINEAR ``translation`` and ``rotation``
(quaternion x, y, z, w) channel with key times ``frame / fps`` seconds (Blender, Unreal and three.js import
them). The vertical FOV ``yfov`` (radians) with the picture's ``aspectRatio``: frame 0's in the camera, every
frame's as a ``KHR_animation_pointer`` channel on ``/cameras/0/perspective/yfov`` (used, not required: viewers
without it keep frame 0's lens). The node's ``extras`` keep what glTF has no place for (fps, sensor, focus
distance, f-number, preset). Buffers are embedded (``.gltf``: a base64 data URI; ``.glb``: the binary chunk); a file
that points at an external buffer is refused.

**Nuke .chan**: one line per frame, ``frame tx ty tz rx ry rz vfov``, frames from 1, rotations in degrees in
Nuke's default ZXY order (``R = R_y · R_x · R_z``: z applied first) and the vertical FOV in degrees, which needs
the picture's aspect (width / height) to become the pack's horizontal FOV.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.errors import excerpt, one_line
from .export import number_rows
from .geometry import compose, orthonormalize
from .lens import focal_from_fov
from .trajectory import CameraTrajectory

FLIP = np.diag([1.0, -1.0, -1.0, 1.0])
"""OpenCV ↔ glTF / Nuke axes, for camera and world alike (its own inverse)."""
MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest camera file read (a 10 000-frame glTF is under 1 MB)."""
POINTER_EXT = "KHR_animation_pointer"


# ----------------------------------------------------------------------------------------------------- helpers


def to_gl(c2w: np.ndarray) -> np.ndarray:
    """(F, 4, 4) OpenCV camera-to-world → glTF / Nuke camera-to-world (y up, looking −z)."""
    return FLIP @ np.asarray(c2w, dtype=np.float64) @ FLIP


def from_gl(m: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_gl`."""
    return FLIP @ np.asarray(m, dtype=np.float64) @ FLIP


def vfov_from_hfov(hfov_deg, aspect: float) -> np.ndarray:
    """Vertical FOV (degrees) of a horizontal one for a picture ``aspect`` = width / height wide."""
    return np.degrees(2 * np.arctan(np.tan(np.radians(np.asarray(hfov_deg, dtype=np.float64)) / 2) / aspect))


def hfov_from_vfov(vfov_deg, aspect: float) -> np.ndarray:
    """Inverse of :func:`vfov_from_hfov`."""
    return np.degrees(2 * np.arctan(np.tan(np.radians(np.asarray(vfov_deg, dtype=np.float64)) / 2) * aspect))


def _check_aspect(aspect) -> float:
    if isinstance(aspect, bool) or not isinstance(aspect, (int, float)) or not np.isfinite(aspect) \
            or not 0.1 <= aspect <= 10:
        raise ValueError(f"the picture aspect (width / height) must be a number in 0.1..10, got {excerpt(aspect)}")
    return float(aspect)


def _read_bytes(path: str | Path, what: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{what} {p.name} is larger than {MAX_FILE_BYTES // 2**20} MB; a camera file is far smaller")
    return p.read_bytes()


def _camera(c2w, fov, fps, template: dict | None = None, **kw) -> CameraTrajectory:
    n = len(c2w)
    t = template or {}
    sensor = tuple(float(v) for v in t.get("sensor_mm", (36.0, 24.0)))
    focus = np.asarray(t.get("focus_distance", np.ones(n)), dtype=np.float64).reshape(-1)
    aperture = np.asarray(t.get("aperture", np.full(n, 4.0)), dtype=np.float64).reshape(-1)
    if focus.shape != (n,) or aperture.shape != (n,):
        focus, aperture = np.ones(n), np.full(n, 4.0)
    fov = np.asarray(fov, dtype=np.float64).reshape(-1)
    return CameraTrajectory(c2w=c2w, fov_deg=fov, focal_length_mm=np.asarray(focal_from_fov(fov, sensor[0]),
                                                                               dtype=np.float64).reshape(-1),
                            focus_distance=focus, aperture=aperture, fps=float(fps), sensor_mm=sensor,
                            preset=one_line(str(t.get("preset", "imported")), 64),
                            intent=one_line(str(t.get("intent", "custom")), 64), **kw)


# ------------------------------------------------------------------------------------------------------- glTF


def _quat_xyzw(R: np.ndarray) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    q = Rotation.from_matrix(R).as_quat()  # x, y, z, w
    q[q[:, 3] < 0] *= -1  # one hemisphere, then keep neighbours on the same side for LINEAR blending
    for i in range(1, len(q)):
        if np.dot(q[i], q[i - 1]) < 0:
            q[i] *= -1
    return q


def to_gltf(camera: CameraTrajectory, width: int, height: int):
    """A ``pygltflib.GLTF2`` holding ``camera`` as an animated perspective camera (buffers as one binary blob)."""
    import pygltflib as g

    aspect = width / height
    m = to_gl(camera.c2w)
    T = m[:, :3, 3].astype(np.float32)
    Q = _quat_xyzw(m[:, :3, :3]).astype(np.float32)
    yfov = np.radians(vfov_from_hfov(camera.fov_deg, aspect)).astype(np.float32)
    times = (np.arange(camera.frames) / camera.fps).astype(np.float32)
    blobs, views, accessors = [], [], []

    def add(arr: np.ndarray, kind: str, minmax: bool = False) -> int:
        data = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
        offset = sum(len(b) for b in blobs)
        blobs.append(data)
        views.append(g.BufferView(buffer=0, byteOffset=offset, byteLength=len(data)))
        acc = g.Accessor(bufferView=len(views) - 1, componentType=g.FLOAT, count=len(arr), type=kind)
        if minmax:
            acc.min, acc.max = [float(arr.min())], [float(arr.max())]
        accessors.append(acc)
        return len(accessors) - 1

    t_acc, tr_acc, q_acc, f_acc = add(times, g.SCALAR, True), add(T, g.VEC3), add(Q, g.VEC4), add(yfov, g.SCALAR)
    channels = [g.AnimationChannel(sampler=0, target=g.AnimationChannelTarget(node=0, path="translation")),
                g.AnimationChannel(sampler=1, target=g.AnimationChannelTarget(node=0, path="rotation")),
                g.AnimationChannel(sampler=2, target=g.AnimationChannelTarget(
                    path="pointer", extensions={POINTER_EXT: {"pointer": "/cameras/0/perspective/yfov"}}))]
    samplers = [g.AnimationSampler(input=t_acc, output=o, interpolation="LINEAR") for o in (tr_acc, q_acc, f_acc)]
    extras = {"draw_to_video": {"fps": float(camera.fps), "sensor_mm": list(map(float, camera.sensor_mm)),
                                "focus_distance": [float(v) for v in camera.focus_distance],
                                "aperture": [float(v) for v in camera.aperture], "preset": camera.preset,
                                "intent": camera.intent, "width": int(width), "height": int(height)}}
    near = 0.01
    gltf = g.GLTF2(
        asset=g.Asset(version="2.0", generator="draw_to_video"),
        scene=0, scenes=[g.Scene(nodes=[0])],
        nodes=[g.Node(name="D2V_Camera", camera=0, translation=[float(v) for v in T[0]],
                      rotation=[float(v) for v in Q[0]], extras=extras)],
        cameras=[g.Camera(name="D2V_Camera", type="perspective",
                          perspective=g.Perspective(yfov=float(yfov[0]), aspectRatio=float(aspect), znear=near,
                                                    zfar=1000.0))],
        animations=[g.Animation(name="camera_move", channels=channels, samplers=samplers)],
        extensionsUsed=[POINTER_EXT],
        buffers=[g.Buffer(byteLength=sum(len(b) for b in blobs))], bufferViews=views, accessors=accessors)
    gltf.set_binary_blob(b"".join(blobs))
    return gltf


def write_gltf(camera: CameraTrajectory, path: str | Path, width: int, height: int) -> Path:
    """Write ``camera`` as ``.glb`` (binary) or ``.gltf`` (JSON, buffer embedded as a data URI) by the suffix."""
    import pygltflib as g

    p = Path(path)
    gltf = to_gltf(camera, width, height)
    if p.suffix.lower() == ".glb":
        gltf.save_binary(str(p))
    elif p.suffix.lower() == ".gltf":
        gltf.convert_buffers(g.BufferFormat.DATAURI)
        p.write_text(gltf.gltf_to_json(), encoding="utf-8")
    else:
        raise ValueError(f"a glTF camera file ends in .gltf or .glb, got {excerpt(p.name)}")
    return p


def _accessor_data(gltf, index: int, blob: bytes, comps: int) -> np.ndarray:
    import pygltflib as g

    acc = gltf.accessors[index]
    if acc.componentType != g.FLOAT:
        raise ValueError("the glTF camera animation must store float keys (other component types are not read)")
    view = gltf.bufferViews[acc.bufferView]
    start = (view.byteOffset or 0) + (acc.byteOffset or 0)
    stride = view.byteStride or 4 * comps
    if acc.count < 1 or start + stride * (acc.count - 1) + 4 * comps > len(blob):
        raise ValueError("the glTF file is corrupt: an accessor reaches past its buffer")
    rows = [np.frombuffer(blob, np.float32, comps, start + i * stride) for i in range(acc.count)] \
        if stride != 4 * comps else [np.frombuffer(blob, np.float32, comps * acc.count, start)]
    return np.concatenate(rows).astype(np.float64).reshape(acc.count, comps)


def _blob(gltf, data: bytes, binary: bool) -> bytes:
    if not gltf.buffers:
        raise ValueError("the glTF file has no buffer, so no camera animation")
    uri = gltf.buffers[0].uri
    if uri is None:
        blob = gltf.binary_blob() if binary else None
        if blob is None:
            raise ValueError("the glTF file's buffer has no data")
        return blob
    if not uri.startswith("data:"):
        raise ValueError(f"the glTF file points at an external buffer ({excerpt(uri)}); export it with the buffer "
                         "embedded (.glb, or .gltf with embedded data)")
    try:
        return base64.b64decode(uri.split(",", 1)[1], validate=False)
    except (ValueError, IndexError):
        raise ValueError("the glTF file's embedded buffer is not valid base64") from None


def read_gltf(path: str | Path) -> CameraTrajectory:
    """The first camera of a ``.gltf`` / ``.glb`` file as a trajectory (its node's animation, or a still camera).

    Key times become frames (fps = 1 / the median key interval); the camera's parent nodes are not applied (the
    camera node's own transform is read). Raises ``ValueError`` for a file that is not glTF or has no camera.
    """
    import pygltflib as g

    data = _read_bytes(path, "glTF file")
    binary = data[:4] == b"glTF"
    try:
        if binary:
            gltf = g.GLTF2.load_from_bytes(data)
        else:
            json.loads(data.decode("utf-8"))  # a clear refusal for text that is not JSON
            gltf = g.GLTF2.gltf_from_json(data.decode("utf-8"))
    except Exception as e:  # pygltflib raises many kinds on corrupt input
        raise ValueError(f"{Path(path).name} is not a readable glTF 2.0 file ({one_line(e, 120)})") from None
    cams = gltf.cameras or []
    node_i = next((i for i, n in enumerate(gltf.nodes or []) if n.camera is not None and n.camera < len(cams)), None)
    if node_i is None:
        raise ValueError(f"{Path(path).name} has no camera: export the scene with its camera (a glTF camera node)")
    node, cam = gltf.nodes[node_i], cams[gltf.nodes[node_i].camera]
    if cam.type != "perspective" or cam.perspective is None:
        raise ValueError(f"{Path(path).name}'s camera is {excerpt(cam.type)}; only a perspective camera is read")
    aspect = float(cam.perspective.aspectRatio or (16 / 9))
    tr = np.asarray(node.translation or [0, 0, 0], np.float64)[None]
    q = np.asarray(node.rotation or [0, 0, 0, 1], np.float64)[None]
    yfov = np.array([float(cam.perspective.yfov)])
    times = None
    try:
        for anim in gltf.animations or []:
            for ch in anim.channels:
                s = anim.samplers[ch.sampler]
                pointer = (ch.target.extensions or {}).get(POINTER_EXT, {}).get("pointer")
                if ch.target.node == node_i and ch.target.path in ("translation", "rotation"):
                    blob = _blob(gltf, data, binary)
                    t = _accessor_data(gltf, s.input, blob, 1)[:, 0]
                    out = _accessor_data(gltf, s.output, blob, 3 if ch.target.path == "translation" else 4)
                    if ch.target.path == "translation":
                        tr = out
                    else:
                        q = out
                    times = t if times is None or len(t) > len(times) else times
                elif pointer == f"/cameras/{node.camera}/perspective/yfov":
                    yfov = _accessor_data(gltf, s.output, _blob(gltf, data, binary), 1)[:, 0]
    except (IndexError, TypeError, AttributeError):
        raise ValueError(f"{Path(path).name} is corrupt: its animation refers to missing parts") from None
    n = max(len(tr), len(q), len(yfov))
    for name, arr in (("translation", tr), ("rotation", q), ("yfov", yfov)):
        if len(arr) not in (1, n):
            raise ValueError(f"{Path(path).name}: the camera's {name} has {len(arr)} keys, the others {n}; give every "
                             "channel the same keys (bake the animation)")
    tr, q, yfov = (np.repeat(a, n, 0) if len(a) == 1 else a for a in (tr, q, yfov))
    if not (np.all(np.isfinite(tr)) and np.all(np.isfinite(q)) and np.all(np.isfinite(yfov))):
        raise ValueError(f"{Path(path).name}: the camera animation holds NaN or inf")
    norm = np.linalg.norm(q, axis=1, keepdims=True)
    if np.any(norm < 1e-6) or np.any((yfov <= 0) | (yfov >= np.pi)):
        raise ValueError(f"{Path(path).name}: the camera has a zero rotation quaternion or a yfov outside (0, pi)")
    from scipy.spatial.transform import Rotation

    R = orthonormalize(Rotation.from_quat(q / norm).as_matrix())
    c2w = from_gl(compose(R, tr))
    extras = (node.extras or {}).get("draw_to_video", {}) if isinstance(node.extras, dict) else {}
    fps = float(extras.get("fps", 0) or 0)
    if not fps > 0:
        dt = np.diff(times) if times is not None and len(times) > 1 else np.array([])
        fps = float(1.0 / np.median(dt)) if len(dt) and np.median(dt) > 0 else 24.0
    return _camera(c2w, hfov_from_vfov(np.degrees(yfov), aspect), fps, extras)


# ------------------------------------------------------------------------------------------------------- .chan


def _euler_zxy(R: np.ndarray) -> np.ndarray:
    """(F, 3, 3) → (F, 3) degrees (rx, ry, rz) with ``R = R_y(ry) · R_x(rx) · R_z(rz)``."""
    rx = np.arcsin(np.clip(-R[:, 1, 2], -1, 1))
    ry = np.arctan2(R[:, 0, 2], R[:, 2, 2])
    rz = np.arctan2(R[:, 1, 0], R[:, 1, 1])
    return np.degrees(np.column_stack([rx, ry, rz]))


def _from_euler_zxy(e: np.ndarray) -> np.ndarray:
    from .geometry import rot_x, rot_y, rot_z

    a = np.radians(e)
    return rot_y(a[:, 1]) @ rot_x(a[:, 0]) @ rot_z(a[:, 2])


def to_chan(camera: CameraTrajectory, width: int, height: int) -> str:
    """Nuke ``.chan`` text: ``frame tx ty tz rx ry rz vfov`` per line (see the module docstring)."""
    m = to_gl(camera.c2w)
    e = _euler_zxy(m[:, :3, :3])
    vf = vfov_from_hfov(camera.fov_deg, width / height)
    return "".join(f"{f + 1} " + " ".join(f"{v:.12g}" for v in (*m[f, :3, 3], *e[f], vf[f])) + "\n"
                   for f in range(camera.frames))


def from_chan(text: str, aspect: float, fps: float = 24.0, template: CameraTrajectory | None = None
              ) -> CameraTrajectory:
    """Parse ``.chan`` text (7 columns: no FOV, then the pack's default lens; or 8 with the vertical FOV).

    aspect: the picture's width / height (turns the vertical FOV into the pack's horizontal one). fps: the chan
    format has none (24 by default, as Nuke).
    """
    aspect = _check_aspect(aspect)
    arr = number_rows([ln for ln in text.splitlines() if not ln.lstrip().startswith("#")],
                      empty="the .chan file has no lines: one line per frame, 'frame tx ty tz rx ry rz [vfov]'",
                      not_numbers="a .chan line must hold numbers only: 'frame tx ty tz rx ry rz [vfov]'")
    if arr.ndim != 2 or arr.shape[1] not in (7, 8):
        raise ValueError("each .chan line needs 7 or 8 numbers: 'frame tx ty tz rx ry rz [vfov]'")
    if not np.all(np.isfinite(arr)):
        raise ValueError("the .chan file holds NaN or inf")
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    c2w = from_gl(compose(_from_euler_zxy(arr[:, 4:7]), arr[:, 1:4]))
    vf = arr[:, 7] if arr.shape[1] == 8 else vfov_from_hfov(np.full(len(arr), 54.43222311461495), aspect)
    if np.any((vf <= 0) | (vf >= 180)):
        raise ValueError("the .chan vertical FOV (8th column) must be in (0, 180) degrees")
    cam = _camera(c2w, hfov_from_vfov(vf, aspect), fps)
    if template is not None and template.frames == cam.frames:
        cam = replace(cam, focus_distance=template.focus_distance, aperture=template.aperture)
    return cam


def read_chan(path: str | Path, aspect: float, fps: float = 24.0) -> CameraTrajectory:
    return from_chan(_read_bytes(path, ".chan file").decode("utf-8", errors="replace"), aspect, fps)


def read_camera_any(path: str | Path, aspect: float | None = None) -> CameraTrajectory:
    """A camera file by its suffix: ``.json`` (the contract), ``.gltf`` / ``.glb``, or ``.chan`` (needs the picture
    ``aspect``)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".gltf", ".glb"):
        return read_gltf(p)
    if suffix == ".chan":
        if aspect is None:
            raise ValueError("a .chan camera needs the picture's aspect (width / height) for its vertical FOV")
        return read_chan(p, aspect)
    return CameraTrajectory.from_json(_read_bytes(p, "camera file").decode("utf-8", errors="replace"))
