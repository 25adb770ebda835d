"""Argument checks shared by the analysis functions (every message names the argument)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def positive(value: Any, name: str) -> float:
    """A finite real number > 0 (``dt``, a bin width, a kernel width)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(float(value)) or float(value) <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return float(value)


def count(value: Any, name: str, minimum: int = 0) -> int:
    """An integer >= ``minimum`` (a number of steps, of neurons, ...)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def spike_raster(spikes: Any, name: str = "spikes") -> np.ndarray:
    """A spike array of shape ``(T,)`` or ``(T, N)`` holding only 0 and 1, as a bool array."""
    arr = np.asarray(spikes)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a bool or numeric array, got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (T,) or (T, N) with time on axis 0, got "
                         f"shape {arr.shape}; reshape it to (T, -1) first")
    if arr.dtype.kind != "b" and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must hold only 0 and 1 (one spike per step at most)")
    return arr.astype(bool, copy=False)


def spike_times_1d(times: Any, name: str = "times") -> np.ndarray:
    """One neuron's spike times: a finite, non-decreasing 1-D float array."""
    arr = np.asarray(times)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric spike times, got dtype {arr.dtype}")
    arr = arr.astype(float, copy=False)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of one neuron's spike times, got shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if np.any(np.diff(arr) < 0):
        raise ValueError(f"{name} must be sorted in increasing order")
    return arr


def is_per_neuron(times: Any) -> bool:
    """Whether ``times`` is a list/tuple of per-neuron arrays (as :func:`spike_times` returns)."""
    return (isinstance(times, (list, tuple)) and len(times) > 0
            and all(np.ndim(t) == 1 for t in times))
