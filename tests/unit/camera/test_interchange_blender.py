"""The pack's glTF camera imported by a real, headless Blender (slow; skipped when ``blender`` is not on PATH).

Drawn cameras and one tracked from the pack's example clip are written with ``camera/interchange.write_gltf`` and
imported with Blender's own glTF importer (``bpy.ops.import_scene.gltf``, default options: +Y up converted to
Blender's +Z up). Blender reports the camera object's world matrix at every frame and its lens; they must equal
the pack's poses after the explicit conversions:

* pack (OpenCV: x right, y down, z forward) → glTF (y up, looking −z): ``M_gl = S · M_cv · S``, ``S = diag(1, −1, −1)``
  (``interchange.to_gl``);
* glTF → Blender world (z up): ``M_blender = C · M_gl`` with ``C`` the +90° rotation about x, ``(x, y, z)_gl →
  (x, −z, y)``. Both glTF and Blender cameras look down their local −z with +y up, so the camera's own axes need
  no further change.

Debian's Blender 3.4.1 (``apt-get install blender python3-numpy``: its glTF add-on imports numpy) keys the
translation / rotation animation at ``time × scene fps`` (the scene's fps is set to the camera's before importing,
so key k lands on frame k) and sets the lens from the camera's ``yfov`` (sensor fit VERTICAL). It does not read
``KHR_animation_pointer``, so an animated FOV (a dolly zoom) comes in as frame 0's lens; the test checks the lens
per frame where Blender animates it and frame 0's lens otherwise.

Opt-in like the other slow tests: ``-m slow`` or ``D2V_SLOW=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from draw_to_video.camera.interchange import from_gl, hfov_from_vfov, vfov_from_hfov, write_gltf
from draw_to_video.camera.moves import build_trajectory

BLENDER = shutil.which("blender")
C = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
"""glTF world (y up) → Blender world (z up): what the importer applies with its default +Y up option."""
WIDTH, HEIGHT = 1024, 576
TOL = 1e-4

READ_BACK = r'''
import json, sys
import bpy
gltf, out, fps, frames = sys.argv[sys.argv.index("--") + 1:]
scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = int(fps), 1.0
bpy.ops.import_scene.gltf(filepath=gltf)
cams = [o for o in scene.objects if o.type == "CAMERA" and o.name.startswith("D2V_Camera")]
if len(cams) != 1:
    raise SystemExit(f"expected one imported D2V_Camera, found {[o.name for o in scene.objects]}")
cam = cams[0]
rows = []
for f in range(int(frames)):
    scene.frame_set(f)
    rows.append({"matrix_world": [list(r) for r in cam.matrix_world], "angle_y": cam.data.angle_y,
                 "sensor_fit": cam.data.sensor_fit})
json.dump({"version": list(bpy.app.version), "lens_animated": cam.data.animation_data is not None
           and cam.data.animation_data.action is not None, "parent": cam.parent is not None, "frames": rows},
          open(out, "w"))
'''


@pytest.fixture(autouse=True)
def _opt_in(request):
    if "slow" not in (request.config.getoption("markexpr") or "") and os.environ.get("D2V_SLOW") != "1":
        pytest.skip("slow Blender import test: run with -m slow (or D2V_SLOW=1)")
    if BLENDER is None:
        pytest.skip("blender is not on PATH (Debian: apt-get install blender python3-numpy)")


def _blender_read_back(tmp_path, camera) -> dict:
    gltf = write_gltf(camera, tmp_path / "camera.gltf", WIDTH, HEIGHT)
    script, out = tmp_path / "read_back.py", tmp_path / "blender.json"
    script.write_text(READ_BACK)
    run = subprocess.run([BLENDER, "-b", "--factory-startup", "--python", str(script), "--", str(gltf), str(out),
                          str(int(round(camera.fps))), str(camera.frames)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and out.is_file(), run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("preset,handheld", [("arc", 1.0), ("dutch_roll", 0.5), ("crane_up", 0.0),
                                             ("dolly_zoom_in", 0.0), ("tracked", 0.0)])
def test_blender_imports_the_gltf_camera_with_the_packs_poses_and_lens(tmp_path, preset, handheld):
    if preset == "tracked":  # the camera tracked from the pack's example clip (copy_camera_move's), 43.2° lens
        from draw_to_video.pipelines.inputs import EXAMPLE_CLIP
        from draw_to_video.pipelines.track import track_clip

        camera = track_clip(EXAMPLE_CLIP, 43.2).camera
    else:
        camera = build_trajectory(preset=preset, frames=19, handheld=handheld, seed=3)
    got = _blender_read_back(tmp_path, camera)
    assert len(got["frames"]) == camera.frames and not got["parent"]
    blender = np.array([f["matrix_world"] for f in got["frames"]])  # (F, 4, 4), Blender world, z up
    back = from_gl(np.linalg.inv(C) @ blender)  # the explicit inverse conversions: Blender → glTF → OpenCV
    assert np.abs(back - camera.c2w).max() < TOL, np.abs(back - camera.c2w).max()
    assert np.abs(back[:, :3, 3]).max() > 0.05 or preset == "dutch_roll", "the move is not a no-op"
    # the lens: Blender keeps the vertical FOV (sensor fit VERTICAL); back to the pack's horizontal FOV
    assert {f["sensor_fit"] for f in got["frames"]} == {"VERTICAL"}
    hfov = hfov_from_vfov(np.degrees([f["angle_y"] for f in got["frames"]]), WIDTH / HEIGHT)
    expected = camera.fov_deg if got["lens_animated"] else np.full(camera.frames, camera.fov_deg[0])
    assert np.abs(hfov - expected).max() < TOL
    assert abs(np.radians(vfov_from_hfov(camera.fov_deg[0], WIDTH / HEIGHT)) - got["frames"][0]["angle_y"]) < 1e-6
    if preset == "dolly_zoom_in" and not got["lens_animated"]:
        assert camera.fov_deg[-1] - camera.fov_deg[0] > 10  # the zoom Blender 3.4 does not import (documented)
