"""Argument checks shared by the plasticity modules.

The synapse models (STDP, its sensors, Tsodyks-Markram) take spike arrays
of two populations, traces and weights whose shapes must agree with each
other, and parameters that are rates (inverse time constants, learning
rates) and make no sense below zero. These helpers check exactly that and
say which argument is wrong; the arithmetic stays in the model modules.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable, NamedTuple

import numpy as np

from refsnn import _checks


def governing_dtype(*named: tuple[str, Any]) -> np.dtype:
    """The one floating dtype of the NumPy arrays among ``named`` values.

    Each entry is ``(name, value)`` with ``value`` a (nested) NamedTuple or
    an array-like. Only NumPy arrays and NumPy scalars fix the dtype; Python
    numbers and lists follow it. NumPy arrays of different floating dtypes
    (or of a non-floating dtype) are an error; with no NumPy array at all
    the dtype is float32, Norse's default.
    """
    found: dict[np.dtype, str] = {}
    for name, value in named:
        for label, leaf in _leaves(value, name):
            if isinstance(leaf, (np.ndarray, np.generic)):
                if leaf.dtype not in _checks.FLOAT_DTYPES:
                    raise TypeError(
                        f"{label} must be a float32 or float64 array, got dtype {leaf.dtype}"
                    )
                found.setdefault(leaf.dtype, label)
            elif isinstance(leaf, bool) or not isinstance(leaf, (numbers.Real, list, tuple)):
                raise TypeError(
                    f"{label} must be a NumPy float array or a real number, "
                    f"got {type(leaf).__name__}"
                )
    if len(found) > 1:
        detail = ", ".join(f"{label}: {dtype}" for dtype, label in found.items())
        raise TypeError(f"arrays must share one floating dtype, got {detail}")
    return next(iter(found)) if found else _checks.DEFAULT_DTYPE


def _leaves(value: Any, name: str) -> list:
    if _checks.is_namedtuple(value):
        out = []
        for field, leaf in zip(value._fields, value):
            out.extend(_leaves(leaf, f"{name}.{field}"))
        return out
    return [(name, value)]


def cast_fields(p: NamedTuple, fields: Iterable[str], dtype: np.dtype, name: str = "p"):
    """``p`` with the numeric ``fields`` checked (the ``nonfinite`` policy included) and
    converted to ``dtype`` (other fields untouched)."""
    values = {}
    for field in fields:
        value = getattr(p, field)
        arr = _checks.as_array(value, f"{name}.{field}")
        if value is None or arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":
            raise TypeError(
                f"{name}.{field} must be a real number or a float array, got {value!r}"
            )
        _checks.check_finite(arr, f"{name}.{field}")
        values[field] = arr.astype(dtype, copy=False)
    return p._replace(**values)


def check_nonnegative(p: NamedTuple, fields: Iterable[str], name: str = "p") -> None:
    """Every value of the named fields must be finite and >= 0 (rates, inverse times)."""
    for field in fields:
        arr = np.asarray(getattr(p, field))
        bad = ~(np.isfinite(arr) & (arr >= 0))
        if np.any(bad):
            raise ValueError(
                f"{name}.{field} must be finite and >= 0, got {arr[bad].flat[0]!r}"
                + ("" if arr.ndim == 0 else f" (among the values of shape {arr.shape})")
            )


def check_fits(p: NamedTuple, fields: Iterable[str], shape: tuple, what: str,
               name: str = "p") -> None:
    """Parameter arrays in ``fields`` must broadcast to ``shape`` without growing it."""
    for field in fields:
        arr_shape = np.shape(getattr(p, field))
        try:
            grown = np.broadcast_shapes(arr_shape, shape)
        except ValueError:
            grown = None
        if grown != tuple(shape):
            raise ValueError(
                f"{name}.{field} has shape {arr_shape}, which does not broadcast to "
                f"the shape of {what}, {tuple(shape)}"
            )


def check_same_shape(shape: tuple, target: tuple, name: str, target_name: str) -> None:
    """``shape`` must broadcast to ``target`` without growing it (states may be scalars)."""
    try:
        grown = np.broadcast_shapes(shape, target)
    except ValueError:
        grown = None
    if grown != tuple(target):
        raise ValueError(
            f"{name} has shape {tuple(shape)}, which does not match {target_name} "
            f"of shape {tuple(target)}"
        )
