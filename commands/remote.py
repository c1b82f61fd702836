"""``remote``: run a shipped workflow on a ComfyUI server (through ``draw_to_video.client``) and save its video."""

from __future__ import annotations

import sys

from ..cli import check_out_folder, command


@command("remote", "run a shipped workflow on a ComfyUI server and download the video")
def run_remote(args) -> int:
    from pathlib import Path

    from .. import client

    try:
        sets = []
        for item in args.set or []:
            target, sep, value = item.partition("=")
            if not sep:
                raise client.WorkflowError(f"--set {item!r}: write NODE.INPUT=VALUE")
            sets.append((target, value))
        path_json = None
        if args.path:
            try:
                path_json = Path(args.path).read_text()
            except OSError as e:
                raise client.WorkflowError(f"cannot read --path {args.path}: {e.strerror or e}") from None
        prompt = client.prepare(args.workflow, None, path_json, args.preset)  # bad names fail before uploading
        for target, text in sets:  # a text input takes the text as written (a JSON spec stays JSON)
            client.set_text(prompt, target, text)
        c = client.Client(args.server)
        if args.image:
            client.set_input(prompt, "Image.image", c.upload_image(args.image))
        bar = _Bar(prompt)
        try:
            result = c.run(prompt, args.out, bar, timeout=args.timeout)
        except KeyboardInterrupt:
            if c.prompt_id:
                c.cancel(c.prompt_id)
            raise client.Interrupted("interrupted: the server was asked to stop the run") from None
        finally:
            bar.close()
    except client.ClientError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    print(f"{result.saved or result.video['filename']}  (prompt {result.prompt_id})")
    return 0


class _Bar:
    """One stderr line: the node running (by title) and its step count."""

    def __init__(self, prompt: dict):
        self.titles = {nid: n.get("_meta", {}).get("title", n["class_type"]) for nid, n in prompt.items()}
        self.tty = sys.stderr.isatty()
        self.last = ""

    def __call__(self, data: dict) -> None:
        node = self.titles.get(str(data.get("node")), data.get("node"))
        if data["type"] == "progress" and data.get("max"):
            done = int(20 * data["value"] / data["max"])
            line = f"{node}: [{'#' * done}{'.' * (20 - done)}] {data['value']}/{data['max']}"
        elif data["type"] == "executing" and data.get("node") is not None:
            line = f"{node}"
        else:
            return
        if self.tty:
            print(f"\r{line[:79]:79s}", end="", file=sys.stderr, flush=True)
        elif line.split(":")[0] != self.last.split(":")[0]:
            print(line, file=sys.stderr)
        self.last = line

    def close(self) -> None:
        if self.tty and self.last:
            print(file=sys.stderr)


def _configure(p) -> None:
    from .. import client

    p.add_argument("--server", default="http://127.0.0.1:8188", help="ComfyUI's address (default %(default)s)")
    p.add_argument("--workflow", default="draw_to_video",
                   help=f"a shipped workflow ({', '.join(client.workflow_names())}) or an API-format .json file "
                        "(default %(default)s)")
    p.add_argument("--image", help="picture to upload and use as the workflow's Image (default: the example)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--path", help="drawn path JSON file for Draw Path (see the README for the schema)")
    src.add_argument("--preset", help="camera preset for Camera instead of a drawing (e.g. orbit_left)")
    p.add_argument("--set", action="append", metavar="NODE.INPUT=VALUE",
                   help="set any input by node title, e.g. 'Frame Interpolate.multiplier=3' or "
                        "\"Shots.spec=$(cat spec.json)\" (a text input takes the text as written; repeatable)")
    p.add_argument("--out", default="clip.mp4", help="where to save the video (default %(default)s)")
    p.add_argument("--mkdir", action="store_true", help="create the folder of --out when it does not exist")
    p.set_defaults(_check_out=lambda args: check_out_folder(args.out, args.mkdir))
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the run (default %(default)s)")
    p.epilog = ("exit codes: 0 done, 2 bad arguments or workflow, 3 server down, 4 workflow refused (bad input, "
                "missing model), 5 a node failed, 6 interrupted, 7 finished without a video")


run_remote.configure = _configure
