"""Camera accuracy: how far a camera estimated from a video is from the camera that was asked for.

The research field scores camera control by estimating the camera back from the generated frames and comparing it
with the requested one. The three standard numbers, as CamI2V defines and computes them (Zheng et al. 2024,
"CamI2V: Camera-Controlled Image-to-Video Diffusion Model", arXiv:2410.15957, sec. 4 and its released
``evaluation/glomap_evaluation.py``; RotErr and TransErr come from CameraCtrl, He et al. 2024, arXiv:2404.02101,
sec. 4.1, and CamMC from MotionCtrl / AC3D, Bahmani et al. 2024, arXiv:2411.18673):

* both trajectories are made relative to their first frame (``c2w_0⁻¹ · c2w_j``, OpenCV camera-to-world);
* ``RotErr = Σ_j arccos((tr(R_gt,jᵀ R_est,j) − 1) / 2)``, radians, summed over the frames;
* each trajectory's translations are divided by its own largest camera distance from frame 0 (CamI2V's
  ``normalize_t``: the scale alignment, since a monocular estimate has no scale), then
  ``TransErr = Σ_j ‖t_gt,j − t_est,j‖₂`` and ``CamMC = Σ_j ‖[R|t]_gt,j − [R|t]_est,j‖_F`` (3×4 matrices).

Besides them, two per-frame readings this pack's tests and benchmark use: the mean rotation error in degrees, and
the camera-centre error after the least-squares scale ``s = Σ c_est·c_gt / Σ c_est·c_est`` (the best single scale,
no rotation or offset), mean over frames, as a fraction of the asked path's length.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .geometry import rigid_inverse, rotation_angle_deg

EPS = 1e-9
"""CamI2V's ``normalize_t`` epsilon (a static camera keeps zero translations)."""


@dataclass(frozen=True)
class CameraAccuracy:
    """Accuracy of an estimated camera against the asked one (see the module docstring for the definitions).

    rot_err: CamI2V/CameraCtrl RotErr (radians, summed over frames). trans_err: TransErr (summed, unit-normalized
    trajectories). cammc: CamMC (summed). rot_err_mean_deg: mean per-frame rotation error in degrees.
    centre_err: mean scale-aligned camera-centre error over the asked path length (0 when the asked camera does
    not move and neither does the estimate). frames: frames compared.
    """

    rot_err: float
    trans_err: float
    cammc: float
    rot_err_mean_deg: float
    centre_err: float
    frames: int

    def to_dict(self) -> dict:
        return {"RotErr": self.rot_err, "TransErr": self.trans_err, "CamMC": self.cammc,
                **{k: v for k, v in asdict(self).items() if k not in ("rot_err", "trans_err", "cammc")}}


def relative_c2w(c2w: np.ndarray) -> np.ndarray:
    """(F, 4, 4) camera-to-world re-based so that frame 0 is the identity."""
    c2w = np.asarray(c2w, dtype=np.float64)
    return rigid_inverse(c2w[:1]) @ c2w


def normalize_translation(c2w: np.ndarray) -> np.ndarray:
    """CamI2V's ``normalize_t``: translations divided by the largest camera distance from frame 0 (+ EPS)."""
    out = np.array(c2w, dtype=np.float64)
    out[:, :3, 3] /= np.linalg.norm(out[:, :3, 3], axis=1).max() + EPS
    return out


def camera_accuracy(asked_c2w: np.ndarray, estimated_c2w: np.ndarray) -> CameraAccuracy:
    """Compare two (F, 4, 4) camera-to-world trajectories (OpenCV axes), frame by frame.

    Raises ``ValueError`` when the frame counts differ.
    """
    a, e = relative_c2w(asked_c2w), relative_c2w(estimated_c2w)
    if a.shape != e.shape:
        raise ValueError(f"the camera has {len(a)} frames but the clip gave {len(e)}: give one camera pose per "
                         "frame (the same frame count)")
    ang = rotation_angle_deg(np.swapaxes(a[:, :3, :3], 1, 2) @ e[:, :3, :3])
    an, en = normalize_translation(a), normalize_translation(e)
    trans = float(np.linalg.norm(an[:, :3, 3] - en[:, :3, 3], axis=1).sum())
    cammc = float(np.linalg.norm((an[:, :3, :4] - en[:, :3, :4]).reshape(len(a), 12), axis=1).sum())
    ca, ce = a[:, :3, 3], e[:, :3, 3]
    length = float(np.linalg.norm(np.diff(ca, axis=0), axis=1).sum())
    s = float((ce * ca).sum() / max(float((ce * ce).sum()), EPS))
    err = float(np.linalg.norm(s * ce - ca, axis=1).mean())
    centre = err / length if length > EPS else float(np.linalg.norm(ce, axis=1).max() > EPS)
    return CameraAccuracy(rot_err=float(np.radians(ang).sum()), trans_err=trans, cammc=cammc,
                          rot_err_mean_deg=float(ang.mean()), centre_err=centre, frames=len(a))
