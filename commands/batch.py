"""``batch`` subcommand: a manifest of renders / generations on Ray, resumable (pipelines/batch.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import TqdmProgress, command


@command("batch", "Render or generate every row of a manifest (JSON lines or CSV) on Ray, locally or on a cluster "
                  "(--address); resumable, with an index of what is done (needs the [batch] extra).")
def batch_cmd(args) -> int:
    from ..pipelines.batch import run_batch

    def row_error(err) -> None:
        print(f"skipped {err}", file=sys.stderr)

    with TqdmProgress("batch", unit="job") as bar:
        s = run_batch(args.manifest, args.out, address=args.address, max_in_flight=args.max_in_flight,
                      gpus_per_job=args.gpus_per_job, cpus_per_job=args.cpus_per_job, resume=args.resume,
                      on_progress=bar, on_row_error=row_error)
    for line in s.job_errors:
        print(f"failed {line}", file=sys.stderr)
    print(f"{s.ok} done, {s.skipped} already done, {s.failed} failed in {s.seconds:.1f} s "
          f"(Ray start {s.ray_start_seconds:.1f} s); index: {Path(s.index).resolve()}")
    return 1 if s.failed else 0


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r:.40}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r:.40}")
        return value
    return parse


def _configure(p):
    p.add_argument("--manifest", required=True, metavar="M.jsonl|M.csv",
                   help='one job a row: {"image", "preset" | "path" | "camera", "out", "id", "backend", "seed", '
                        '"finish": [...], settings...} or {"shots": SPEC.json, "out"}; files relative to the '
                        "manifest (docs/batch.md)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the outputs and index.jsonl")
    p.add_argument("--address", help="Ray cluster HOST:PORT (or RAY_ADDRESS); default: Ray on this machine")
    p.add_argument("--max-in-flight", type=_positive(int), metavar="N",
                   help="jobs submitted at once (default: twice the cluster's CPUs / --cpus-per-job)")
    p.add_argument("--cpus-per-job", type=_positive(int), default=1, metavar="N",
                   help="CPUs (and torch / encoder threads) a job uses (default 1)")
    p.add_argument("--gpus-per-job", type=float, metavar="G",
                   help="GPUs a job asks Ray for (default: 1 for svd rows, 0 for renders)")
    p.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="skip rows the index says are done with the same settings (default on)")


batch_cmd.configure = _configure
