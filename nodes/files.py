"""File names that come from a node input, a spec or an HTTP body, resolved through ComfyUI's own folder API.

A client of a ComfyUI server names files the way core Load Image does: a name inside ComfyUI's input folder
(``photo.png``, ``sub/photo.png``, ``photo.png [input]``). Anything else — an absolute path, ``..`` out of the folder,
a symlink whose target lies outside it, a URL, a name with a NUL — is refused, with the *same* message as a name
that does not exist, so a refusal never tells a client whether some server path exists. The library and the CLI
keep plain local paths (the user's own machine); the pipelines take :func:`input_file` as their ``resolve``
callable from the node glue.
"""

from __future__ import annotations

import os
import re

import folder_paths

from ..core.errors import excerpt

MAX_NAME_CHARS = 1024
"""Longest file name accepted (a path in the input folder is far shorter)."""
_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:/|[A-Za-z]:|file:|data:)")  # http://, file:, data:, C: (a drive)


def not_an_input_file(name, what: str) -> ValueError:
    """The one refusal for every unusable name (missing, outside the input folder, malformed): same text."""
    return ValueError(f"{what} {excerpt(name)} is not a file in ComfyUI's input folder: upload it there (Load "
                      'Image\'s "choose file to upload") and give its name, e.g. "photo.png" or "photo.png [input]"')


def input_file(name, what: str = "file") -> str:
    """The real path of the file ``name`` names inside ComfyUI's input folder, else ``ValueError``.

    ``name``: ``photo.png``, ``sub/photo.png`` or ``photo.png [input]`` (ComfyUI's annotated names; ``[output]`` and
    ``[temp]`` lie outside the input folder and are refused). Absolute paths, URL-like names, NUL characters and
    anything whose real path (symlinks followed) leaves the input folder are refused like a missing file.
    ``what``: how the message names the value (``"shot 0 image"``)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise not_an_input_file(name, what)
    plain = folder_paths.annotated_filepath(name.strip())[0]
    if os.path.isabs(plain) or plain.startswith(("\\", "/", "~")) or _URL.match(plain):
        raise not_an_input_file(name, what)
    root = os.path.realpath(folder_paths.get_input_directory())
    try:
        real = os.path.realpath(folder_paths.get_annotated_filepath(name.strip(), root))
        inside = os.path.commonpath([root, real]) == root and real != root
        ok = inside and os.path.isfile(real)
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise not_an_input_file(name, what)
    return real
