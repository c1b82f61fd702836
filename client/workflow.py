"""The shipped API-format workflows: load one by name, find a node by its title, set its inputs."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import WorkflowError

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows" / "api"


def workflow_names() -> list[str]:
    return sorted(p.stem for p in WORKFLOWS.glob("*.json"))


def load_workflow(name: str) -> dict:
    """A shipped API-format workflow by name (``draw_to_video``...) or a path to an API-format JSON file."""
    path = Path(name) if name.endswith(".json") else WORKFLOWS / f"{name}.json"
    if not path.is_file():
        raise WorkflowError(f"no workflow {name!r}; use one of: {', '.join(workflow_names())} or an API-format "
                            ".json file")
    try:
        prompt = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise WorkflowError(f"{path}: not readable JSON ({e})") from None
    if not isinstance(prompt, dict) or not all(isinstance(v, dict) and "class_type" in v for v in prompt.values()):
        raise WorkflowError(f"{path}: not an API-format workflow (export it with 'Export (API)')")
    return prompt


def find_node(prompt: dict, key: str) -> str:
    """The id of the node titled ``key`` (``_meta.title``, case-insensitive), or of id ``key``."""
    if key in prompt:
        return key
    hits = [nid for nid, n in prompt.items() if str(n.get("_meta", {}).get("title", "")).lower() == key.lower()]
    if len(hits) != 1:
        titles = sorted(n.get("_meta", {}).get("title", nid) for nid, n in prompt.items())
        raise WorkflowError(f"{'no' if not hits else 'more than one'} node titled {key!r}; titles: "
                            f"{', '.join(titles)}")
    return hits[0]


def parse_value(text: str):
    """A ``--set`` value: JSON when it parses (numbers, true/false, quoted strings), the text otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _input(prompt: dict, target: str) -> tuple[dict, str]:
    """The inputs dict of the node in ``"<node title or id>.<input>"`` and the input's name (which must exist and
    not be a link)."""
    node_key, sep, name = target.rpartition(".")
    if not sep or not node_key or not name:
        raise WorkflowError(f"--set {target!r}: write NODE.INPUT=VALUE (NODE = a node title or id)")
    node = prompt[find_node(prompt, node_key)]
    if name not in node["inputs"]:
        raise WorkflowError(f"node {node_key!r} has no input {name!r}; it has: {', '.join(node['inputs'])}")
    if isinstance(node["inputs"][name], list):
        raise WorkflowError(f"{node_key}.{name} is wired to another node; set that node instead")
    return node["inputs"], name


def set_input(prompt: dict, target: str, value) -> None:
    """Set ``"<node title or id>.<input>"`` to ``value`` (in place); the input must exist and not be a link.

    A dict or list given to a text input (its current value is a string: path JSON, a shot-list spec) is encoded as
    JSON once here; ComfyUI would otherwise turn it into Python's text of it, which is not JSON."""
    inputs, name = _input(prompt, target)
    if isinstance(inputs[name], str) and isinstance(value, (dict, list)):
        value = json.dumps(value)
    inputs[name] = value


def set_text(prompt: dict, target: str, text: str) -> None:
    """Set an input from command-line text (``remote --set``): a text input (its current value is a string) takes
    the text as written (JSON stays JSON; a quoted JSON string is unquoted), any other input its JSON value
    (numbers, true/false) or the text."""
    inputs, name = _input(prompt, target)
    if isinstance(inputs[name], str):
        value = parse_value(text)
        inputs[name] = value if isinstance(value, str) else text
    else:
        inputs[name] = parse_value(text)


def prepare(workflow: str | dict, image: str | None = None, path_json: str | None = None,
            preset: str | None = None, sets: dict | None = None) -> dict:
    """A shipped workflow (name or dict) with the image name, path JSON, camera preset and ``sets``
    (``{"Title.input": value}``) filled in. ``image`` must already be on the server (see
    :meth:`~draw_to_video.client.Client.upload_image`)."""
    prompt = load_workflow(workflow) if isinstance(workflow, str) else json.loads(json.dumps(workflow))
    if image is not None:
        set_input(prompt, "Image.image", image)
    if path_json is not None:
        set_input(prompt, "Draw Path.path_json", path_json)
    if preset is not None:
        set_input(prompt, "Camera.preset", preset)
    for target, value in (sets or {}).items():
        set_input(prompt, target, value)
    return prompt
