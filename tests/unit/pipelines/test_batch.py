"""``batch`` (pipelines/batch.py): rows checked up front, then a real local Ray (no mocks): the good videos and the
bad rows in the index, a worker killed mid-job and retried, an interrupted batch resumed without redoing rows, and
the same manifest giving the same bytes. The Ray tests are skipped only where Ray is not installed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_run import cli, one_error_line
from PIL import Image

from draw_to_video.pipelines import batch
from draw_to_video.video import read as video_read
from draw_to_video.video import write as video_write

FRAMES = 5
PRESETS = ("dolly_in", "orbit_left", "pan_left", "truck_right", "crane_up", "tilt_up")


def _pictures(folder: Path, n: int = 3) -> list[str]:
    """Real photos (scikit-image's data), small: the render is not what these tests time."""
    from skimage import data

    names = []
    for name in ("astronaut", "coffee", "chelsea", "rocket")[:n]:
        Image.fromarray(getattr(data, name)()).resize((96, 64)).save(folder / f"{name}.png")
        names.append(f"{name}.png")
    return names


def _manifest(folder: Path, rows: list, name: str = "m.jsonl") -> Path:
    p = folder / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return p


def _good_rows(folder: Path, n: int) -> list[dict]:
    pics = _pictures(folder)
    return [{"image": pics[i % len(pics)], "preset": PRESETS[i % len(PRESETS)], "frames": FRAMES,
             "out": f"shot{i:02d}.mp4"} for i in range(n)]


def _index(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / batch.INDEX_NAME).read_text().splitlines()]


def _whole(path: Path) -> bool:
    frames, _ = video_read.read_frames(path)
    return frames.shape[0] == FRAMES


def _env(package_env: dict, **extra) -> dict:
    return {**package_env, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **extra}


# --- rows checked up front (no Ray) -----------------------------------------------------------------------------
def test_every_bad_row_is_named_with_its_number_before_anything_runs(tmp_path):
    rows = _good_rows(tmp_path, 2) + [
        {"image": "missing.png", "preset": "dolly_in"},
        {"image": "coffee.png", "preset": "no_such_move"},
        "{not json",
        {"image": "coffee.png", "preset": "dolly_in", "frames": 0},
        {"image": "coffee.png", "preset": "dolly_in", "colour": "red"},
        {"image": "coffee.png", "preset": "dolly_in", "out": "../escape.mp4"},
        {"image": "coffee.png", "preset": "dolly_in", "out": "shot00.mp4"},
        {"image": "coffee.png"},
        {"image": "coffee.png", "preset": "dolly_in", "finish": ["no_such_effect"]},
    ]
    jobs, errors = batch.load_jobs(_manifest(tmp_path, rows))
    assert [j.row for j in jobs] == [1, 2] and [j.kind for j in jobs] == ["render", "render"]
    msgs = {e.row: e.message for e in errors}
    assert sorted(msgs) == list(range(3, 12))
    assert "image file not found: missing.png" in msgs[3]
    assert "unknown preset 'no_such_move'" in msgs[4]
    assert "not valid JSON" in msgs[5]
    assert "frames must be between" in msgs[6]
    assert "unknown setting 'colour'" in msgs[7] and "depth_of_field" in msgs[7]
    assert "inside --out" in msgs[8]
    assert "also row 1's" in msgs[9]
    assert "nothing says how the camera moves" in msgs[10]
    assert "unknown finish step 'no_such_effect'" in msgs[11]


def test_csv_manifest_and_what_a_row_calls(tmp_path):
    _pictures(tmp_path)
    (tmp_path / "m.csv").write_text('id,image,preset,frames,finish,out\n'
                                    'a,coffee.png,dolly_in,4,,a.gif\n'
                                    'b,chelsea.png,pan_left,4,"[""temporal""]",\n'
                                    ',coffee.png,dolly_in,4.5,,c.mp4\n')
    jobs, errors = batch.load_jobs(tmp_path / "m.csv")
    assert [(j.id, j.kind, j.out) for j in jobs] == [("a", "render", "a.gif"), ("b", "generate", "b.mp4")]
    assert jobs[1].kwargs()["finish"] == ["temporal"] and jobs[0].kwargs()["frames"] == 4
    assert jobs[0].kwargs()["image_path"] == str(tmp_path / "coffee.png")
    assert [e.row for e in errors] == [4] and "frames must be a whole number" in errors[0].message


def test_the_settings_hash_follows_the_settings_and_the_picture(tmp_path):
    m = _manifest(tmp_path, _good_rows(tmp_path, 1))
    first = batch.load_jobs(m)[0][0].digest
    assert batch.load_jobs(m)[0][0].digest == first
    _manifest(tmp_path, [{**_good_rows(tmp_path, 1)[0], "frames": FRAMES + 1}])
    assert batch.load_jobs(m)[0][0].digest != first
    _manifest(tmp_path, _good_rows(tmp_path, 1))
    Image.new("RGB", (96, 64), (9, 9, 9)).save(tmp_path / "astronaut.png")
    assert batch.load_jobs(m)[0][0].digest != first


def test_output_suffixes_and_settings_are_the_writers_and_the_functions():
    import inspect

    assert batch.OUTPUT_EXTS == video_write.OUTPUT_EXTS
    for kind in batch.KINDS:
        names = [n for n in inspect.signature(batch._target(kind)).parameters if n not in batch._NOT_SETTINGS]
        assert tuple(names) == batch.SETTINGS[kind], kind


def test_checking_rows_does_not_import_torch(tmp_path, package_env):
    m = _manifest(tmp_path, _good_rows(tmp_path, 2))
    code = ("import sys; from draw_to_video.pipelines.batch import load_jobs; "
            f"jobs, errors = load_jobs({str(m)!r}); assert len(jobs) == 2 and not errors; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    r = subprocess.run([sys.executable, "-c", code], env=package_env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-1000:]


def test_no_good_row_exits_2_and_writes_nothing(tmp_path, capsys):
    m = _manifest(tmp_path, [{"image": "missing.png", "preset": "dolly_in"}, "[1, 2"])
    code, _, err = cli(["batch", "--manifest", m, "--out", tmp_path / "out"], capsys)
    assert code == 2
    assert "row 1: image file not found: missing.png" in err and "row 2: not valid JSON" in err
    assert err.strip().splitlines()[-1].startswith("error: no good row in m.jsonl")
    assert not (tmp_path / "out").exists()


def test_a_missing_manifest_is_one_line(tmp_path, capsys):
    code, _, err = cli(["batch", "--manifest", tmp_path / "nope.jsonl", "--out", tmp_path / "out"], capsys)
    assert code == 2 and one_error_line(err) and "manifest not found" in err


# --- a real local Ray ------------------------------------------------------------------------------------------
def test_an_unreachable_cluster_is_one_line_and_leaves_out_untouched(tmp_path, capsys):
    pytest.importorskip("ray")
    m = _manifest(tmp_path, _good_rows(tmp_path, 1))
    code, _, err = cli(["batch", "--manifest", m, "--out", tmp_path / "out", "--address", "127.0.0.1:9"], capsys)
    assert code == 2 and "no Ray cluster answers at 127.0.0.1:9" in err.strip().splitlines()[-1]
    assert not (tmp_path / "out").exists()


def test_good_rows_run_bad_rows_are_indexed_and_the_same_manifest_gives_the_same_bytes(tmp_path):
    pytest.importorskip("ray")
    rows = _good_rows(tmp_path, 4)
    rows.insert(2, {"image": "coffee.png", "preset": "no_such_move", "out": "bad.mp4"})
    rows.append({"image": "chelsea.png", "preset": "pan_left", "frames": FRAMES, "finish": ["temporal"],
                 "out": "finished/grain.mp4", "id": "finished"})
    m = _manifest(tmp_path, rows)
    first = batch.run_batch(m, tmp_path / "one", max_in_flight=2)
    assert (first.ok, first.failed, first.skipped) == (5, 1, 0)
    index = {r["id"]: r for r in _index(tmp_path / "one")}
    assert index["bad.mp4"]["status"] == "error" and index["bad.mp4"]["row"] == 3
    assert index["bad.mp4"]["error"].startswith("row 3: unknown preset 'no_such_move'")
    outs = [r["out"] for r in rows if r.get("out") != "bad.mp4"]
    for out in outs:
        assert index[out if out != "finished/grain.mp4" else "finished"]["status"] == "ok"
        assert _whole(tmp_path / "one" / out)
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == sorted(
        [batch.INDEX_NAME, "finished", *[o for o in outs if "/" not in o]])  # no temporary left
    # different scheduling (one job at a time), same bytes
    second = batch.run_batch(m, tmp_path / "two", max_in_flight=1)
    assert second.ok == 5
    for out in outs:
        assert (tmp_path / "one" / out).read_bytes() == (tmp_path / "two" / out).read_bytes(), out
    a, b = video_read.read_frames(tmp_path / "one" / outs[0])[0], video_read.read_frames(tmp_path / "one" / outs[1])[0]
    assert a.shape == b.shape and np.abs(a - b).mean() > 0.02  # different pictures / moves, not one clip


def _start(m: Path, out: Path, env: dict, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "draw_to_video", "batch", "--manifest", str(m), "--out",
                             str(out), *extra], env=env, cwd=m.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(what, proc: subprocess.Popen, timeout: float = 120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = what()
        if found:
            return found
        if proc.poll() is not None:
            pytest.fail(f"the batch ended first: {proc.communicate()[1][-2000:]}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("timed out")


def test_a_worker_killed_mid_job_is_retried_and_every_output_is_whole(tmp_path, package_env):
    pytest.importorskip("ray")
    pids = tmp_path / "pids"
    pids.mkdir()
    m = _manifest(tmp_path, _good_rows(tmp_path, 4))
    proc = _start(m, tmp_path / "out", _env(package_env, **{batch.PID_DIR_ENV: str(pids)}))
    marker = _wait_for(lambda: next(iter(pids.glob("shot01.mp4.*")), None), proc)
    os.kill(int(marker.read_text()), signal.SIGKILL)  # at its first rendered frame, the file half written
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    runs = sorted(p.name for p in pids.glob("shot01.mp4.*"))
    assert len(runs) == 2, runs  # killed once, run again in another worker process
    index = _index(tmp_path / "out")
    assert sorted(r["id"] for r in index) == [f"shot{i:02d}.mp4" for i in range(4)]
    assert all(r["status"] == "ok" for r in index)
    for i in range(4):
        assert _whole(tmp_path / "out" / f"shot{i:02d}.mp4")
    assert not (tmp_path / "out" / batch.PARTIAL_DIR).exists()


def test_an_interrupted_batch_resumes_without_redoing_done_rows(tmp_path, package_env):
    pytest.importorskip("ray")
    n = 8
    m = _manifest(tmp_path, _good_rows(tmp_path, n))
    out = tmp_path / "out"
    (tmp_path / "pids").mkdir()
    # each job then pauses 0.5 s at its first frame: the six jobs left after the second "ok" need at least 1.5 s,
    # so Ctrl-C lands mid-batch (without it, tiny jobs on a quick machine all ended first: exit 0, seen in CI)
    proc = _start(m, out, _env(package_env, **{batch.PID_DIR_ENV: str(tmp_path / "pids")}), "--max-in-flight", "2")
    index = out / batch.INDEX_NAME
    _wait_for(lambda: index.is_file() and index.read_text().count('"ok"') >= 2, proc)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    done = {r["id"] for r in _index(out) if r["status"] == "ok"}
    assert 2 <= len(done) < n
    assert not (out / batch.PARTIAL_DIR).exists()
    present = {p.name for p in out.glob("*.mp4")}
    assert done <= present and all(_whole(out / name) for name in present)  # nothing half-written
    stamps = {name: (out / name).stat().st_mtime_ns for name in done}
    summary = batch.run_batch(m, out)
    assert (summary.ok, summary.skipped, summary.failed) == (n - len(done), len(done), 0), summary.row_errors
    last = batch.read_index(index)
    assert {i for i, r in last.items() if r["status"] == "skipped"} == done
    assert all(last[f"shot{i:02d}.mp4"]["status"] in ("ok", "skipped") for i in range(n))
    assert {name: (out / name).stat().st_mtime_ns for name in done} == stamps  # not redone
    for i in range(n):
        assert _whole(out / f"shot{i:02d}.mp4")


def test_svd_rows_ask_for_a_gpu_and_run_on_the_cpus_when_told(tmp_path):
    pytest.importorskip("ray")
    from svd_tiny import build_svd_folder

    build_svd_folder(tmp_path / "tiny-svd", seed=0)
    _pictures(tmp_path, 1)
    svd = {"image": "astronaut.png", "preset": "pan_right", "frames": 4, "backend": "svd", "svd_model": "tiny-svd",
           "width": 96, "height": 64, "steps": 2, "seed": 7, "device": "cpu"}
    m = _manifest(tmp_path, [{**svd, "out": "a.mp4"}, {**svd, "seed": 8, "out": "b.mp4"}])
    no_gpu = batch.run_batch(m, tmp_path / "gpu")  # this machine has no GPU: refused, not waiting for ever
    assert no_gpu.failed == 2 and "needs 1 GPU a job and the Ray cluster has 0" in no_gpu.job_errors[0]
    on_cpu = batch.run_batch(m, tmp_path / "cpu", gpus_per_job=0, max_in_flight=1)  # one worker: the model reused
    assert (on_cpu.ok, on_cpu.failed) == (2, 0), on_cpu.job_errors
    a, b = (video_read.read_frames(tmp_path / "cpu" / n)[0] for n in ("a.mp4", "b.mp4"))
    assert a.shape == b.shape == (4, 64, 96, 3) and np.abs(a - b).mean() > 0.001  # the seed matters


def test_bad_options_are_refused_before_anything_runs(tmp_path, capsys):
    m = _manifest(tmp_path, _good_rows(tmp_path, 1))
    (tmp_path / "file").write_text("x")
    code, _, err = cli(["batch", "--manifest", m, "--out", tmp_path / "file"], capsys)
    assert code == 2 and one_error_line(err) and "is a file: give a folder" in err
    for flag in ("--max-in-flight", "--cpus-per-job"):
        code, _, err = cli(["batch", "--manifest", m, "--out", tmp_path / "o", flag, "0"], capsys)
        assert code == 2 and "must be more than 0" in err
    code, _, err = cli(["batch", "--manifest", m, "--out", tmp_path / "o", "--gpus-per-job", "-1"], capsys)
    assert code == 2 and one_error_line(err) and "gpus per job must be 0..64" in err
    (tmp_path / "m.txt").write_text("{}")
    code, _, err = cli(["batch", "--manifest", tmp_path / "m.txt", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "must be .jsonl" in err
    assert not (tmp_path / "o").exists()
