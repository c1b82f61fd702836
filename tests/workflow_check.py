"""Check ComfyUI workflows (API format and UI format) against recorded node schemas (``/object_info``).

Used by the unit tier (recorded core schemas + the pack's recorded schemas, no ComfyUI needed) and kept in sync
with the live server by the integration tier.
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"
CORE_SCHEMAS = DATA / "object_info-core-0.3.64.json"
PACK_SCHEMAS = DATA / "object_info-pack.json"
FRONTEND_ONLY = {"Note", "MarkdownNote", "Reroute", "PrimitiveNode"}


def load_schemas() -> dict:
    schemas = json.loads(CORE_SCHEMAS.read_text())
    if PACK_SCHEMAS.exists():
        schemas.update(json.loads(PACK_SCHEMAS.read_text()))
    return schemas


def _inputs(info: dict) -> tuple[dict, set]:
    req = info["input"].get("required", {})
    opt = info["input"].get("optional", {})
    return {**req, **opt}, set(req)


MODEL_FILE_INPUTS = {"ckpt_name", "vae_name", "unet_name", "clip_name", "lora_name", "control_net_name"}
"""Combos listing a model folder: the recorded schemas come from a server without models (VAELoader lists only
its built-in ``pixel_space`` there), so their values cannot be checked."""


def widget_defaults(schemas: dict, node: str) -> dict:
    """Default values of a node's widget inputs (required and optional; a combo's first option when it states no
    default), from ``/object_info`` or a recorded copy of it. Links are left out."""
    out = {}
    for section in ("required", "optional"):
        for name, spec in schemas[node]["input"].get(section, {}).items():
            opts = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
            if "default" in opts:
                out[name] = opts["default"]
            elif isinstance(spec[0], list) and spec[0]:
                out[name] = spec[0][0]
    return out


def _is_file_list(options: list, name: str = "") -> bool:
    # Combos filled from the user's folders (checkpoints, images) cannot be checked without those files.
    return name in MODEL_FILE_INPUTS or not options or any(isinstance(o, str) and "." in o for o in options)


def check_value(node: str, name: str, spec, value) -> list[str]:
    kind, opts = spec[0], (spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {})
    errors = []
    if isinstance(kind, list) or kind == "COMBO":
        options = kind if isinstance(kind, list) else opts.get("options", [])
        if not _is_file_list(options, name) and value not in options:
            errors.append(f"{node}.{name}: {value!r} is not one of {options[:8]}")
    elif kind in ("INT", "FLOAT"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{node}.{name}: expected a number, got {value!r}")
        else:
            if "min" in opts and value < opts["min"]:
                errors.append(f"{node}.{name}: {value} < min {opts['min']}")
            if "max" in opts and value > opts["max"]:
                errors.append(f"{node}.{name}: {value} > max {opts['max']}")
    elif kind == "STRING" and not isinstance(value, str):
        errors.append(f"{node}.{name}: expected a string, got {value!r}")
    elif kind == "BOOLEAN" and not isinstance(value, bool):
        errors.append(f"{node}.{name}: expected a boolean, got {value!r}")
    return errors


def _types_match(out_type: str, in_type) -> bool:
    if isinstance(in_type, list):
        in_type = "COMBO"
    return out_type == in_type or "*" in (out_type, in_type) or in_type in out_type.split(",")


def check_api_workflow(prompt: dict, schemas: dict) -> list[str]:
    """Errors of an API-format prompt: unknown nodes, unknown/missing inputs, bad links, values out of range."""
    errors = []
    for nid, node in prompt.items():
        ct = node.get("class_type")
        if ct not in schemas:
            errors.append(f"node {nid}: unknown class_type {ct!r}")
            continue
        declared, required = _inputs(schemas[ct])
        given = node.get("inputs", {})
        for name in required - set(given):
            errors.append(f"node {nid} ({ct}): required input {name!r} missing")
        for name, value in given.items():
            if name not in declared:
                errors.append(f"node {nid} ({ct}): unknown input {name!r}")
                continue
            if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
                src = prompt.get(value[0])
                if src is None or src.get("class_type") not in schemas:
                    errors.append(f"node {nid} ({ct}).{name}: link to missing node {value[0]}")
                    continue
                outs = schemas[src["class_type"]]["output"]
                if not isinstance(value[1], int) or not 0 <= value[1] < len(outs):
                    errors.append(f"node {nid} ({ct}).{name}: output index {value[1]} out of range")
                elif not _types_match(outs[value[1]], declared[name][0]):
                    errors.append(f"node {nid} ({ct}).{name}: {outs[value[1]]} does not fit {declared[name][0]}")
            else:
                errors += check_value(f"node {nid} ({ct})", name, declared[name], value)
    return errors


def check_ui_workflow(wf: dict, schemas: dict) -> list[str]:
    """Errors of a UI-format workflow: unknown node types, dangling links, mismatched link types."""
    errors = []
    nodes = {n["id"]: n for n in wf.get("nodes", [])}
    if not nodes:
        return ["workflow has no nodes"]
    for n in nodes.values():
        if n["type"] not in schemas and n["type"] not in FRONTEND_ONLY:
            errors.append(f"node {n['id']}: unknown type {n['type']!r}")
    for link in wf.get("links", []):
        lid, src, src_slot, dst, dst_slot, ltype = link[:6]
        if src not in nodes or dst not in nodes:
            errors.append(f"link {lid}: refers to a missing node")
            continue
        s, d = nodes[src], nodes[dst]
        if s["type"] in schemas:
            outs = schemas[s["type"]]["output"]
            if src_slot >= len(outs):
                errors.append(f"link {lid}: {s['type']} has no output {src_slot}")
            elif not _types_match(outs[src_slot], ltype):
                errors.append(f"link {lid}: {s['type']} output {src_slot} is {outs[src_slot]}, link says {ltype}")
        if d["type"] in schemas:
            slot = (d.get("inputs") or [])[dst_slot] if dst_slot < len(d.get("inputs") or []) else None
            if slot is None:
                errors.append(f"link {lid}: {d['type']} has no input slot {dst_slot}")
            else:
                declared, _ = _inputs(schemas[d["type"]])
                if slot["name"] not in declared:
                    errors.append(f"link {lid}: {d['type']} has no input named {slot['name']!r}")
                elif not _types_match(ltype, declared[slot["name"]][0]):
                    errors.append(f"link {lid}: {ltype} into {d['type']}.{slot['name']}")
    return errors


def model_loaders(prompt: dict, schemas: dict) -> set[str]:
    """Ids of the nodes of an API-format ``prompt`` that load a model file (category ``loaders`` or
    ``.../loaders``): when the file is missing, ComfyUI refuses exactly these nodes and everything below them."""
    return {nid for nid, node in prompt.items()
            if "loaders" in schemas.get(node.get("class_type"), {}).get("category", "").split("/")}


def ancestors(prompt: dict, nid: str) -> set[str]:
    """Every node ``nid`` depends on through its links (not itself)."""
    seen: set[str] = set()
    todo = [nid]
    while todo:
        for v in prompt[todo.pop()]["inputs"].values():
            if isinstance(v, list) and len(v) == 2 and str(v[0]) in prompt and str(v[0]) not in seen:
                seen.add(str(v[0]))
                todo.append(str(v[0]))
    return seen


def outputs_that_skip_a_model(prompt: dict, schemas: dict) -> list[str]:
    """Output nodes that do not depend on every model loader of the graph.

    ComfyUI 0.3.64 (``execution.validate_prompt``) queues a prompt when *any* output node validates and drops the
    others: an output that does not need the model still runs when the model file is missing, and the run ends
    "success" with no video. A shipped workflow must have none (issue 12)."""
    loaders = model_loaders(prompt, schemas)
    return [f"output node {nid} ({node['class_type']}) runs without model loader(s) "
            f"{sorted(loaders - ancestors(prompt, nid))}"
            for nid, node in prompt.items()
            if schemas.get(node["class_type"], {}).get("output_node") and loaders - ancestors(prompt, nid)]
