"""UI-format workflow -> API-format prompt, as ComfyUI's frontend (``graphToPrompt``) writes it.

The shipped API twins (``workflows/api/``) are written by the real frontend (``tests/web/browser/make_workflow.mjs``);
the unit tier converts every UI workflow with :func:`ui_to_api` and requires the twin to be exactly that, so a twin
can never drift from its UI workflow, and this converter can never drift from the frontend.

Rules (ComfyUI frontend 1.27, ``graphToPrompt``):
- nodes of mode 2 (muted) and frontend-only nodes (Note, MarkdownNote, Reroute, PrimitiveNode) are left out;
- a link from a node of mode 4 (bypassed) is followed to the bypassed node's input of the same type;
- widget values (``widgets_values``, in the schema's ``input_order``: required, then optional) fill the inputs that
  no link feeds; an INT with ``control_after_generate`` and a combo with ``image_upload`` carry one extra value;
- every node gets ``_meta.title``: its title, else its display name.
"""

from __future__ import annotations

LINKABLE_ONLY = object()
FRONTEND_ONLY = {"Note", "MarkdownNote", "Reroute", "PrimitiveNode"}
WIDGET_TYPES = {"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"}
MUTED, BYPASSED = 2, 4


def _is_widget(spec) -> bool:
    kind = spec[0]
    return isinstance(kind, list) or kind in WIDGET_TYPES


def _extra_values(spec) -> int:
    opts = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
    return int(bool(opts.get("control_after_generate"))) + int(bool(opts.get("image_upload")))


def widget_inputs(node: dict, schema: dict) -> dict:
    """``{input name: value}`` of a UI node's ``widgets_values`` read in the schema's order."""
    values = node.get("widgets_values") or []
    if isinstance(values, dict):  # some nodes (e.g. video previews) store a dict keyed by name
        return dict(values)
    spec = {**schema["input"].get("required", {}), **schema["input"].get("optional", {})}
    order = schema.get("input_order") or {k: list(v) for k, v in schema["input"].items()}
    out, i = {}, 0
    for name in [*order.get("required", []), *order.get("optional", [])]:
        if name not in spec or not _is_widget(spec[name]):
            continue
        if i >= len(values):
            break
        out[name] = values[i]
        i += 1 + _extra_values(spec[name])
    return out


def ui_to_api(workflow: dict, schemas: dict) -> dict:
    """The API-format prompt of a UI-format ``workflow`` (see the module docstring for the rules).

    ``schemas``: ``/object_info`` (recorded or live). ``ValueError`` names a node whose type has no schema."""
    nodes = {n["id"]: n for n in workflow["nodes"]}
    links = {link[0]: link for link in workflow.get("links", [])}  # id, src, src_slot, dst, dst_slot, type

    def source(link_id):
        """(node id, output slot) the link really comes from, through bypassed nodes; None when it ends nowhere."""
        seen = set()
        while link_id is not None and link_id in links and link_id not in seen:
            seen.add(link_id)
            _, src, slot, _, _, ltype = links[link_id][:6]
            node = nodes.get(src)
            if node is None or node.get("mode") == MUTED:
                return None
            if node.get("mode") != BYPASSED:
                return src, slot
            match = [i for i in node.get("inputs") or [] if i.get("type") == ltype and i.get("link") is not None]
            link_id = match[0]["link"] if match else None
        return None

    prompt = {}
    for nid in sorted(nodes):
        node = nodes[nid]
        if node["type"] in FRONTEND_ONLY or node.get("mode") in (MUTED, BYPASSED):
            continue
        schema = schemas.get(node["type"])
        if schema is None:
            raise ValueError(f"node {nid}: no schema for type {node['type']!r}")
        inputs = widget_inputs(node, schema)
        for slot in node.get("inputs") or []:
            if slot.get("link") is None:
                continue
            src = source(slot["link"])
            if src is not None:
                inputs[slot["name"]] = [str(src[0]), src[1]]
            else:
                inputs.pop(slot["name"], None)
        declared = {**schema["input"].get("required", {}), **schema["input"].get("optional", {})}
        inputs = {k: v for k, v in inputs.items() if k in declared}
        prompt[str(nid)] = {"inputs": inputs, "class_type": node["type"],
                            "_meta": {"title": node.get("title") or schema.get("display_name") or node["type"]}}
    return prompt
