"""benchmarks/gpu_check.py (the one command that runs every CUDA path of the pack) at tiny sizes on the CPU, as a
subprocess exactly as CI and a GPU machine run it: every section runs, the JSON summary is written, and the
device-vs-reference comparison code runs (CPU against CPU, so its difference is 0)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "gpu_check.py"


def test_gpu_check_tiny_on_cpu(tmp_path):
    out = tmp_path / "gpu.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--json", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(out.read_text())
    names = [r["name"] for r in summary["sections"]]
    assert names == ["render", "svd_node", "svd_generate", "svd_generate_offload", "wan_embedding", "camera_tracks",
                     "effects", "interpolate"]
    assert summary["all_ok"] and all(r["ok"] and not r["error"] for r in summary["sections"])
    ran = [r for r in summary["sections"] if r["name"] != "svd_generate_offload"]
    assert all(r["seconds"] > 0 and r["frames"] >= 1 for r in ran)
    compared = {r["name"]: r["max_abs_diff"] for r in ran if r["max_abs_diff"] is not None}
    assert set(compared) == {"render", "svd_node", "svd_generate", "camera_tracks", "effects"}
    assert all(d == 0.0 for d in compared.values()), compared  # the same code on the same device: bit-identical
    assert "svd_generate" in proc.stdout and "total" in proc.stdout


def test_gpu_check_refuses_unknown_section():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--only", "rendr"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown section" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
