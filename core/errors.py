"""How the pack talks about bad input: short excerpts of what was sent, one-line messages, JSON decoding that fails
with a ``ValueError`` (never a ``RecursionError`` or a traceback) and a byte limit checked before any decoding.

Every error that echoes a user's value goes through :func:`excerpt`, so a 5 MB value costs 80 characters in the
response and the log, not 10 MB.
"""

from __future__ import annotations

import json

EXCERPT_CHARS = 80
"""At most this many characters of an input value appear in an error message."""


def excerpt(value, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters, with the total size named when it was cut.

    Containers are not repr'd whole (a 100 000-element list would cost time and memory only to be cut): their
    type and length are named instead when they are large. Always one line.
    """
    if isinstance(value, (list, tuple, dict, set)) and len(value) > 16:
        return f"<{type(value).__name__} of {len(value)} items>"
    if isinstance(value, (str, bytes, bytearray)) and len(value) > 4 * limit:
        text = repr(value[: 2 * limit])
        size = f"{len(value)} {'characters' if isinstance(value, str) else 'bytes'}"
    else:
        try:
            text = repr(value)
        except Exception:  # a broken __repr__ must not hide the real error
            text = f"<{type(value).__name__}>"
        size = f"{len(text)} characters"
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({size})"


def one_line(message: str, limit: int = 500) -> str:
    """``message`` on one line and at most ``limit`` characters (for errors built from foreign text)."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_text_size(text, max_bytes: int, what: str) -> None:
    """``ValueError`` when ``text`` (str or bytes) is over ``max_bytes`` — checked before any parsing.

    A str is measured by its length in characters (a lower bound of its UTF-8 size, and free to compute)."""
    n = len(text)
    if n > max_bytes:
        unit = "characters" if isinstance(text, str) else "bytes"
        raise ValueError(f"{what} is {n} {unit}; at most {max_bytes} are accepted")


def loads_json(text, what: str, max_bytes: int | None = None):
    """``json.loads`` for user input: size checked first, and every failure (syntax, nesting too deep, bad UTF-8)
    becomes one ``ValueError`` that names ``what`` and where it failed, never echoing the input."""
    if max_bytes is not None:
        check_text_size(text, max_bytes, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply; send plain JSON "
                         "(objects and lists a few levels deep)") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{what} is not UTF-8 text (byte {e.start})") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} could not be read as JSON ({one_line(e, 120)})") from None
