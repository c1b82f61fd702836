"""The client's errors: each a one-line message and the exit code the ``remote`` command returns."""

from __future__ import annotations


class ClientError(Exception):
    """A failed request or run; ``str(e)`` is one line, ``exit_code`` is what the ``remote`` command returns."""

    exit_code = 1


class WorkflowError(ClientError):
    """A bad workflow name, node title or input value given by the caller."""
    exit_code = 2


class ServerDown(ClientError):
    """The server cannot be reached or stopped answering."""
    exit_code = 3


class PromptRejected(ClientError):
    """``/prompt`` refused the graph; the message quotes ComfyUI's own reasons."""
    exit_code = 4


class ExecutionFailed(ClientError):
    """A node failed while the prompt ran."""
    exit_code = 5


class Interrupted(ClientError):
    """The run was interrupted (Cancel, or ``interrupt()``)."""
    exit_code = 6


class NoVideo(ClientError):
    """The run ended "success" but no node wrote a video."""
    exit_code = 7


def one_line(text, limit: int = 400) -> str:
    """``text`` (anything ``str`` takes) with its whitespace runs collapsed to one space, cut to ``limit``
    characters (``...`` at the end when cut)."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."
