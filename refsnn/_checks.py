"""Input checking and dtype casting shared by the reference and the driver.

Every public entry point funnels its arguments through these helpers so that
bad input fails early with a message naming the argument, and so that the
arithmetic always runs in one floating dtype: the state's.

The casting rule (see ``DESIGN.md``): the state's floating dtype governs;
parameters, ``dt`` and inputs are converted to it before any arithmetic.
With Norse's parameters (0-d float32 tensors) and a float32 state this is
exactly PyTorch's promotion, which is why float32 runs agree bit for bit.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import warnings
from typing import Any, NamedTuple

import numpy as np

from refsnn import config as _options

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
DEFAULT_DTYPE = np.dtype(np.float32)


def is_namedtuple(x: Any) -> bool:
    """True for instances of ``typing.NamedTuple`` classes."""
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _leaves(tree: Any, name: str = ""):
    """``(dotted name, leaf)`` of a (nested) NamedTuple."""
    if is_namedtuple(tree):
        for field, value in zip(tree._fields, tree):
            yield from _leaves(value, f"{name}.{field}")
    else:
        yield name, tree


def as_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)``; a ragged nested sequence is a ValueError naming ``name``."""
    try:
        return np.asarray(x)
    except ValueError as error:
        raise ValueError(f"{name} must be an array or a (regular) nested sequence of "
                         f"numbers; np.asarray refused it: {error}") from None


def state_dtype(state: NamedTuple, name: str = "state") -> np.dtype:
    """The floating dtype that governs a step: that of the state's arrays
    (:func:`arrays_dtype` of its leaves); a state that is not a NamedTuple is a
    TypeError."""
    if not is_namedtuple(state):
        raise TypeError(f"{name} must be a NamedTuple state, got {type(state).__name__}")
    return arrays_dtype(dict(_leaves(state, name)), name)


def arrays_dtype(values: dict[str, Any], name: str) -> np.dtype:
    """The one floating dtype of the named ``values`` (a state's leaves, an encoder's
    voltage): that of their arrays.

    Values made only of Python numbers (as in Norse's ``default_bio_*``
    states) run in float32, Norse's default. Integer or mixed-precision
    arrays are rejected rather than silently promoted.
    """
    dtypes = set()
    for label, leaf in values.items():
        if isinstance(leaf, (list, tuple)):
            leaf = as_array(leaf, label)
        if isinstance(leaf, (np.ndarray, np.generic)):
            if leaf.dtype not in FLOAT_DTYPES:
                raise TypeError(
                    f"{label}: arrays must be float32 or float64, got dtype {leaf.dtype}"
                )
            dtypes.add(leaf.dtype)
        elif not isinstance(leaf, numbers.Real) or isinstance(leaf, bool):
            raise TypeError(
                f"{label} must be a NumPy float array or a real number, "
                f"got {type(leaf).__name__}"
            )
    if len(dtypes) > 1:
        raise TypeError(
            f"{name}: all arrays must share one dtype, got {sorted(map(str, dtypes))}"
        )
    return dtypes.pop() if dtypes else DEFAULT_DTYPE


#: The compact spike dtypes ``spike_dtype=`` accepts.
SPIKE_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8))


def spike_dtype(value: Any, default: np.dtype | None = None) -> np.dtype | None:
    """``spike_dtype=`` checked: ``np.bool_`` or ``np.uint8``, or ``None`` for ``default``."""
    if value is None:
        return default
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"spike_dtype must be a dtype (np.bool_ or np.uint8) or None, "
                        f"got {value!r}") from None
    if dtype not in SPIKE_DTYPES:
        raise ValueError(f"spike_dtype must be np.bool_ or np.uint8 (or None for the "
                         f"float dtype), got {dtype}")
    return dtype


def check_dt(dt: Any) -> float:
    """Validate the integration time step: a finite real number > 0."""
    if isinstance(dt, bool) or not isinstance(dt, (numbers.Real, np.floating)):
        raise TypeError(f"dt must be a real number, got {type(dt).__name__}")
    if not math.isfinite(float(dt)) or float(dt) <= 0.0:
        raise ValueError(f"dt must be finite and > 0, got {dt!r}")
    return dt


def is_device_array(x: Any) -> bool:
    """Whether ``x`` lives on a CUDA device (a CuPy array, a torch CUDA tensor, ...).

    Recognised by ``__cuda_array_interface__`` or a DLPack device of type
    CUDA (2), CUDA host (3) or CUDA managed (13); NumPy arrays never are.
    """
    if isinstance(x, np.ndarray):
        return False
    if hasattr(x, "__cuda_array_interface__"):
        return True
    device = getattr(x, "__dlpack_device__", None)
    try:
        return device is not None and int(device()[0]) in (2, 3, 13)
    except Exception:  # noqa: BLE001 - not a DLPack producer after all
        return False


def _array(x: Any, name: str):
    """``x`` itself if it is a device array (its backend converted it), else :func:`as_array`."""
    return x if is_device_array(x) else as_array(x, name)


def nonfinite(message: str, stacklevel: int = 3) -> None:
    """Apply the ``nonfinite`` policy (:mod:`refsnn.config`) to a finding: raise or warn."""
    policy = _options.get_option("nonfinite")
    if policy == "raise":
        raise ValueError(message)
    if policy == "warn":
        warnings.warn(message, _options.NonFiniteWarning, stacklevel=stacklevel + 1)


def trusted_step(t: int):
    """A context for step ``t`` of a loop over validated arguments: the first step checks
    (the policy as set), later ones run under ``nonfinite="ignore"``, since their
    carried values are judged after the loop, or not at all, as on every backend."""
    return _options.options(nonfinite="ignore") if t else contextlib.nullcontext()


POLICY_HINT = ("refsnn refuses NaN and infinity by default; "
               "refsnn.options(nonfinite='warn' or 'ignore') lets them through")


def distinct(arr: np.ndarray) -> np.ndarray:
    """``arr`` without its broadcast axes (stride 0: one element kept of each), a view.

    Its values are ``arr``'s, each once per position along the other axes, so a
    check of them (finiteness, a domain) costs what the data costs, not what
    the broadcast shape would (``np.broadcast_to(x, (10**9, 10**6))`` is one
    element); an index found in it is the first of ``arr`` too.
    """
    if 0 not in arr.strides or arr.size == 0:
        return arr
    return arr[tuple(slice(0, 1) if stride == 0 else slice(None) for stride in arr.strides)]


def first_nonfinite(arr: Any) -> tuple | None:
    """The index of the first non-finite element of a float array, or ``None``."""
    arr = distinct(np.asarray(arr)) if isinstance(arr, np.ndarray) else arr
    finite = np.isfinite(arr)
    if bool(finite.all()):
        return None
    flat = int(finite.reshape(-1).argmin())
    return tuple(int(k) for k in np.unravel_index(flat, arr.shape))


def check_finite(arr: Any, name: str) -> None:
    """Apply the ``nonfinite`` policy to a float array (no-op for other dtypes or ``"ignore"``)."""
    if _options.get_option("nonfinite") == "ignore" or arr.dtype.kind != "f":
        return
    index = first_nonfinite(arr)
    if index is None:
        return
    where = f"at index {index}" if index else ""
    value = (arr[index] if index else arr).item()
    nonfinite(f"{name} has a non-finite value ({value}){' ' + where if where else ''}; "
              f"{POLICY_HINT}")


def check_input(x: Any, name: str, finite: bool = True):
    """``x`` as an array of floats or bool spikes (a device array as it is), else a
    TypeError naming ``name``; ``finite``: apply the non-finite policy
    (:func:`check_finite`) now."""
    arr = _array(x, name)
    if arr.dtype != np.bool_ and arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must hold floating-point values (or bool spikes), got dtype {arr.dtype}"
        )
    if finite:
        check_finite(arr, name)
    return arr


def as_input(x: Any, dtype: np.dtype, name: str = "input", finite: bool = True) -> np.ndarray:
    """Convert an input array to ``dtype``; bool spikes and floats are accepted
    (:func:`check_input`).

    ``finite``: apply the non-finite policy (:func:`check_finite`) now; the
    driver defers it for the large input of a whole run (see
    :func:`refsnn.simulate`).
    """
    return check_input(x, name, finite).astype(dtype, copy=False)


def cast_tree(tree: NamedTuple, dtype: np.dtype, name: str) -> NamedTuple:
    """Convert every numeric leaf of a (nested) NamedTuple to ``dtype``.

    Non-numeric leaves (Norse's ``reset_method`` callable, for example) pass
    through unchanged. Arrays already of ``dtype`` are not copied.
    """
    values = []
    for field, value in zip(tree._fields, tree):
        label = f"{name}.{field}"
        if is_namedtuple(value):
            values.append(cast_tree(value, dtype, label))
        elif callable(value):
            values.append(value)
        else:
            arr = as_array(value, label)
            if value is None or arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":
                got = "None" if value is None else f"dtype {arr.dtype}"
                raise TypeError(f"{label} must be a real number or a float array, got {got}")
            check_finite(arr, label)
            check_domain(arr, field, label)
            values.append(arr.astype(dtype, copy=False))
    return type(tree)(*values)


def check_type(value: Any, expected: type, name: str) -> None:
    """Raise a TypeError unless ``value`` is an instance of ``expected``."""
    if not isinstance(value, expected):
        raise TypeError(
            f"{name} must be a {expected.__name__}, got {type(value).__name__}"
        )


def check_broadcast(tree: NamedTuple, shape: tuple, name: str) -> None:
    """Check that every array leaf of ``tree`` broadcasts to ``shape`` without growing it."""
    for field, value in zip(tree._fields, tree):
        label = f"{name}.{field}"
        if is_namedtuple(value):
            check_broadcast(value, shape, label)
        elif isinstance(value, np.ndarray):
            try:
                grown = np.broadcast_shapes(value.shape, shape)
            except ValueError:
                grown = None
            if grown != tuple(shape):
                raise ValueError(
                    f"{label} has shape {value.shape}, which does not broadcast "
                    f"to the neuron shape {tuple(shape)}"
                )


def broadcast_shape(arrays: dict, name: str = "state and input") -> tuple:
    """The common broadcast shape of named arrays, with a readable error."""
    try:
        return np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k}: {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"{name} shapes do not broadcast together ({shapes})") from None


#: Parameter fields (by name) that must not be negative, or must be positive. Inverse
#: time constants (every field ending in ``_inv``) must not be negative.
NONNEGATIVE_FIELDS = frozenset({"g_l", "rho_reset"})
POSITIVE_FIELDS = frozenset({"delta_T"})


def check_domain(arr: np.ndarray, field: str, label: str) -> None:
    """Parameters outside their domain are a ValueError (a negative inverse time constant, ...)."""
    if field.endswith("_inv") or field in NONNEGATIVE_FIELDS:
        bad, want = arr < 0, "finite and >= 0"
    elif field in POSITIVE_FIELDS:
        bad, want = ~(arr > 0), "finite and > 0"
    else:
        return
    if bool(np.any(bad)):
        index = tuple(int(k) for k in np.unravel_index(int(np.argmax(bad)), arr.shape))
        value = (arr[index] if index else arr).item()
        where = f" at index {index}" if index else ""
        raise ValueError(f"{label} must be {want}, got {value}{where}")


def check_matrix(w: Any, rows: int | None, cols: int | None, dtype: np.dtype, name: str):
    """Validate a weight matrix of shape ``(rows, cols)`` (``None`` = any) and cast it."""
    arr = _array(w, name)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a float array, got dtype {arr.dtype}")
    if arr.ndim != 2 or (rows is not None and arr.shape[0] != rows) or (
        cols is not None and arr.shape[1] != cols
    ):
        want = f"({'n' if rows is None else rows}, {'m' if cols is None else cols})"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    check_finite(arr, name)
    return arr.astype(dtype, copy=False)
