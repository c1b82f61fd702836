"""``params`` subcommand: every choice list and range of the pack (core/params.py), as JSON or as the widget module."""

from __future__ import annotations

import json
from pathlib import Path

from ..cli import command
from ..core.params import export_tables, widget_module_source

WIDGET_MODULE = Path(__file__).resolve().parents[1] / "web" / "js" / "d2v_params.js"
"""The generated ES module the Draw Path widget imports."""


@command("params", "Print every choice list and range (node inputs, CLI options, widget) as JSON.")
def params_cmd(args) -> int:
    if args.write_widget:
        target = Path(args.write_widget)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(widget_module_source(), encoding="utf-8")
        print(f"written {target}")
        return 0
    print(json.dumps(export_tables(), indent=1, sort_keys=True))
    return 0


def _configure(p):
    p.add_argument("--write-widget", nargs="?", const=str(WIDGET_MODULE), default=None, metavar="FILE",
                   help=f"write the widget's module instead of printing (default file: web/js/{WIDGET_MODULE.name})")


params_cmd.configure = _configure
