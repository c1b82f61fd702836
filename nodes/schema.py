"""Node schema inputs from ``core/params``: one call turns a Range / Choice / Flag into its V3 widget input."""

from __future__ import annotations

from comfy_api.latest import io

from ..core.params import Choice, Flag, Range

CATEGORY = "Draw to Video"


def param_input(name: str, spec: Range | Choice | Flag, *, tooltip: str | None = None, optional: bool = False,
                **extra) -> io.Input:
    """The widget input ``name`` for a parameter of a ``core/params`` table.

    Range -> ``io.Int`` / ``io.Float`` (default, min, max, and step when the range has one); Choice ->
    ``io.Combo`` (options, default); Flag -> ``io.Boolean`` (default). The tooltip is the spec's help unless
    ``tooltip`` is given (a node may say more about its own context); ``extra`` goes to the input unchanged
    (e.g. ``control_after_generate``).
    """
    tip = (spec.help if tooltip is None else tooltip) or None
    if isinstance(spec, Range):
        if spec.kind == "int":
            kw = {"default": int(spec.default), "min": int(spec.lo), "max": int(spec.hi)}
            if spec.step is not None:
                kw["step"] = int(spec.step)
            return io.Int.Input(name, optional=optional, tooltip=tip, **kw, **extra)
        kw = {"default": float(spec.default), "min": float(spec.lo), "max": float(spec.hi)}
        if spec.step is not None:
            kw["step"] = float(spec.step)
        return io.Float.Input(name, optional=optional, tooltip=tip, **kw, **extra)
    if isinstance(spec, Choice):
        return io.Combo.Input(name, options=list(spec.options), default=spec.default, optional=optional, tooltip=tip,
                              **extra)
    if isinstance(spec, Flag):
        return io.Boolean.Input(name, default=spec.default, optional=optional, tooltip=tip, **extra)
    raise TypeError(f"{name}: not a core/params spec: {spec!r}")


def params_inputs(table: dict, names: list[str] | tuple[str, ...], *, tooltips: dict[str, str] | None = None,
                  optional: bool = False, extra: dict[str, dict] | None = None) -> list[io.Input]:
    """:func:`param_input` for each of ``names`` of ``table``, in that order (the schema's input order)."""
    tooltips, extra = tooltips or {}, extra or {}
    return [param_input(n, table[n], tooltip=tooltips.get(n), optional=optional, **extra.get(n, {})) for n in names]
