r"""Spike arrays, spike times and spike indices, and the conversions between them.

A **spike array** is what :func:`refsnn.simulate` returns: time on axis 0,
shape ``(T,)`` for one neuron or ``(T, N)`` for ``N`` neurons, holding 0 and
1 (float, integer or bool). Row :math:`k` is labelled with the time
:math:`t_k = k\,\Delta t`, so a spike in row :math:`k` is at :math:`k\,\Delta t`
(the run starts at row 0; intervals and rates do not depend on this choice
of origin).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.analysis._inputs import count, positive, spike_raster, spike_times_1d


def spike_times(spikes: Any, dt: float = 1.0) -> list[np.ndarray]:
    r"""The spike times of every neuron.

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
        Spike array (0/1 or bool); a 1-D array is one neuron.
    dt : float
        Time step; a spike in row :math:`k` is at :math:`k\,\Delta t`.
        With the default ``dt=1`` the times are step indices.

    Returns
    -------
    list of arrays
        One sorted float array per neuron (a list of one array for 1-D input).

    Examples
    --------
    >>> spike_times([[0, 1], [1, 0], [0, 1]], dt=0.5)
    [array([0.5]), array([0., 1.])]
    """
    raster = spike_raster(spikes)
    dt = positive(dt, "dt")
    columns = raster[:, None] if raster.ndim == 1 else raster
    return [np.flatnonzero(columns[:, j]) * dt for j in range(columns.shape[1])]


def spike_indices(spikes: Any) -> tuple[np.ndarray, np.ndarray]:
    """The ``(steps, neurons)`` index pairs of every spike, ordered by step then neuron.

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
        Spike array; for 1-D input every neuron index is 0.

    Returns
    -------
    steps, neurons : integer arrays of equal length

    Examples
    --------
    >>> spike_indices([[0, 1], [1, 1]])
    (array([0, 1, 1]), array([1, 0, 1]))
    """
    raster = spike_raster(spikes)
    if raster.ndim == 1:
        steps = np.flatnonzero(raster)
        return steps, np.zeros_like(steps)
    steps, neurons = np.nonzero(raster)
    return steps, neurons


def spike_array(times_or_indices: Any, steps: int, neurons: int, dt: float = 1.0,
                *, dtype: Any = np.bool_) -> np.ndarray:
    r"""A spike array of shape ``(steps, neurons)`` from spike times or spike indices.

    The inverse of :func:`spike_times` and :func:`spike_indices`.

    Parameters
    ----------
    times_or_indices : list of arrays, or tuple ``(steps, neurons)``
        A **list** with one array of spike times per neuron (as
        :func:`spike_times` returns; a time :math:`t` goes to row
        :math:`\operatorname{round}(t/\Delta t)`), or a **tuple** of two
        integer arrays of step and neuron indices (as :func:`spike_indices`
        returns; ``dt`` is then unused). Two spikes landing in one cell give
        one spike.
    steps : int
        Number of rows (time steps) of the result.
    neurons : int
        Number of columns.
    dt : float
        Time step of the spike times.
    dtype : dtype
        Of the result (default bool; ``np.float32`` gives Norse's spike type).

    Returns
    -------
    array, shape ``(steps, neurons)``

    Raises
    ------
    ValueError
        A spike outside ``[0, steps)`` × ``[0, neurons)``, a list whose
        length is not ``neurons``, non-finite or unsorted times.

    Examples
    --------
    >>> spike_array([[0.0, 1.0], [0.5]], steps=3, neurons=2, dt=0.5).astype(int)
    array([[1, 0],
           [0, 1],
           [1, 0]])
    """
    steps = count(steps, "steps")
    neurons = count(neurons, "neurons")
    if isinstance(times_or_indices, tuple):
        rows, cols = _indices(times_or_indices)
    elif isinstance(times_or_indices, list):
        dt = positive(dt, "dt")
        if len(times_or_indices) != neurons:
            raise ValueError(f"times_or_indices has spike times for {len(times_or_indices)} "
                             f"neurons, expected neurons={neurons}")
        per_neuron = [spike_times_1d(t, f"times_or_indices[{j}]")
                      for j, t in enumerate(times_or_indices)]
        rows = np.concatenate([np.rint(t / dt) for t in per_neuron] + [np.zeros(0)])
        cols = np.concatenate([np.full(len(t), j) for j, t in enumerate(per_neuron)]
                              + [np.zeros(0)])
        rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    else:
        raise TypeError("times_or_indices must be a list of per-neuron spike-time arrays or a "
                        "tuple (steps, neurons) of index arrays, got "
                        f"{type(times_or_indices).__name__}")
    _in_range(rows, steps, "step", "steps")
    _in_range(cols, neurons, "neuron", "neurons")
    out = np.zeros((steps, neurons), dtype=dtype)
    out[rows, cols] = 1
    return out


def _in_range(index: np.ndarray, limit: int, what: str, name: str) -> None:
    bad = index[(index < 0) | (index >= limit)]
    if bad.size:
        raise ValueError(f"times_or_indices has a spike at {what} {int(bad[0])}, outside "
                         f"[0, {name}={limit})")


def _indices(pair: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The ``(steps, neurons)`` tuple checked: two 1-D integer arrays of equal length."""
    if len(pair) != 2:
        raise ValueError(f"times_or_indices as a tuple must be (steps, neurons), got "
                         f"{len(pair)} arrays")
    arrays = [np.asarray(a) for a in pair]
    for name, arr in zip(("steps", "neurons"), arrays):
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError(f"times_or_indices: the {name} indices must be a 1-D integer "
                            f"array, got dtype {arr.dtype} and shape {arr.shape}")
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"times_or_indices: {arrays[0].size} step indices but "
                         f"{arrays[1].size} neuron indices")
    return arrays[0].astype(np.int64), arrays[1].astype(np.int64)
