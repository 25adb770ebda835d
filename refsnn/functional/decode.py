r"""Decoders: from spike trains (time on axis 0) back to numbers.

Two decoders are provided.

**Spike count** (:func:`sum_decode`): the sum over the time axis,

.. math::
    y_j = \sum_{t=0}^{T-1} x_{t,j}.

For spike trains the count is exact (below :math:`2^{24}` in float32). For
non-integer data the rounding depends on the summation order, which NumPy and
PyTorch choose differently; such sums agree with Norse to rounding only.

**First spike times** (:func:`to_spike_times`, Norse's ``ToSpikeTimes``):
for every neuron :math:`j`, the time indices of its first :math:`k` spikes
in ascending order,

.. math::
    y_{m,j} = t_m(j) \ \text{(the } (m+1)\text{-th spike of neuron } j),
    \qquad m = 0, \dots, \min(k, T) - 1,

where a neuron with fewer than :math:`m + 1` spikes gets :math:`+\infty`
in row :math:`m`. Algorithm: replace every spike at time :math:`t` by the
index :math:`t` (computed as :math:`(t + 1) - 1` in the output dtype, as
Norse does) and every silent step by :math:`+\infty`, sort along the time
axis and keep the first :math:`\min(k, T)` rows. Multiplying the indices by
the time step :math:`\Delta t` turns them into times (what Norse's
``SpikesToTimesDecoder`` module does).
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np

from refsnn.functional._elementwise import FLOAT32, as_real, total


def sum_decode(tensor: np.ndarray, dimension: int = 0) -> np.ndarray:
    r"""Sum over an axis, by default the time axis 0: :math:`y = \sum_t x_t`.

    Parameters
    ----------
    tensor : array_like
        The data, e.g. spikes of shape ``(T, ...)``.
    dimension : int, default 0
        The axis to sum over (negative values count from the end).

    Returns
    -------
    ndarray
        The sums, shape of ``tensor`` without ``dimension``. Float data keep
        their dtype; integer and bool data give int64 (as in PyTorch). An
        empty axis sums to zeros.
    """
    x = as_real(tensor, "tensor")
    if isinstance(dimension, bool) or not isinstance(dimension, numbers.Integral):
        raise TypeError(f"dimension must be an integer, got {type(dimension).__name__}")
    ndim = max(x.ndim, 1)  # PyTorch lets a 0-d tensor be summed over axis 0 or -1
    if not -ndim <= dimension < ndim:
        raise ValueError(
            f"dimension {dimension} is out of range for tensor of shape {x.shape} "
            f"(expected {-ndim} <= dimension < {ndim})"
        )
    if x.ndim == 0:
        x = x.reshape(1)
        dimension = 0
    return np.asarray(total(x, dimension))


def _spike_count(spike_count: Any) -> int:
    """``spike_count`` as a Python int >= 1 (a 0-d integer array is accepted)."""
    if isinstance(spike_count, (bool, np.bool_)):
        raise TypeError("spike_count must be an integer, got a bool")
    try:
        k = operator.index(spike_count)
    except TypeError:
        arr = np.asarray(spike_count)
        if arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise TypeError(
                f"spike_count must be an integer, got {type(spike_count).__name__}"
                + (f" of dtype {arr.dtype} and shape {arr.shape}" if arr.dtype != object else "")
            ) from None
        k = int(arr)
    if k < 1:
        raise ValueError(f"spike_count must be >= 1, got {k}")
    return k


def to_spike_times(spike_input: np.ndarray, spike_count: int) -> np.ndarray:
    r"""Time indices of each neuron's first ``spike_count`` spikes.

    Parameters
    ----------
    spike_input : array_like, shape ``(T, ...)``
        Spike trains with time on axis 0 (Norse documents
        ``(T, batch, neurons)``); every value must be 0 or 1 (bool, integer
        or float). ``T = 0`` is allowed.
    spike_count : int
        :math:`k \ge 1`, how many spikes to report per neuron (a 0-d integer
        array is accepted).

    Returns
    -------
    ndarray, shape ``(min(k, T), ...)``
        Row :math:`m` holds the index of each neuron's :math:`(m+1)`-th
        spike, :math:`+\infty` if it has fewer spikes. Rows are ascending
        along axis 0. The dtype is that of a float ``spike_input``, float32
        for bool or integer input.

    Raises
    ------
    ValueError
        If ``spike_input`` is 0-d or holds a value other than 0 and 1 (NaN
        included), or if ``spike_count < 1``.
    TypeError
        If ``spike_count`` is not an integer or ``spike_input`` not numeric.

    Notes
    -----
    Norse's code builds the time index with shape ``(T, 1, 1)``, so it is
    only correct for 3-d input; this function accepts any number of axes
    after the time axis and agrees with Norse on 3-d input.
    """
    k = _spike_count(spike_count)
    z = as_real(spike_input, "spike_input")
    if z.ndim == 0:
        raise ValueError("spike_input must have a time axis (axis 0), got a 0-d array")
    binary = (z == 0) | (z == 1)
    if not binary.all():
        bad = z[~binary].flat[0]
        raise ValueError(
            f"spike_input must hold only 0 and 1 (spikes), found {bad!r}"
        )
    dtype = z.dtype if z.dtype.kind == "f" else FLOAT32
    steps = z.shape[0]
    # Index of step t, formed as (t + 1) - 1 in the output dtype like Norse.
    index = np.arange(1, steps + 1).astype(dtype) - dtype.type(1)
    index = index.reshape((steps,) + (1,) * (z.ndim - 1))
    times = np.where(z == 1, index, dtype.type(np.inf))
    return np.sort(times, axis=0)[: min(k, steps)]


class ToSpikeTimes:
    """Norse's name for :func:`to_spike_times`: ``ToSpikeTimes.apply(spike_input, spike_count)``.

    Norse exposes the decoder as an autograd function whose ``apply`` runs
    the forward pass; this class keeps that call working.
    """

    apply = staticmethod(to_spike_times)

    def __init__(self):
        raise TypeError("ToSpikeTimes is not instantiated; call ToSpikeTimes.apply(...)")
