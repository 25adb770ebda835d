r"""Spike-train statistics: interspike intervals, their CV, adaptation, Fano factor.

The functions of spike times take one neuron's sorted times (a 1-D array)
or a list of such arrays, one per neuron (as
:func:`refsnn.analysis.spike_times` returns).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.analysis._inputs import count, is_per_neuron, spike_raster, spike_times_1d


def isi(times: Any) -> np.ndarray | list[np.ndarray]:
    r"""Interspike intervals :math:`t_{n+1} - t_n`.

    Parameters
    ----------
    times : array or list of arrays
        One neuron's sorted spike times, or a list of them.

    Returns
    -------
    array, or list of arrays
        ``len(times) - 1`` intervals per neuron (empty with fewer than 2 spikes).
    """
    if is_per_neuron(times):
        return [np.diff(spike_times_1d(t, f"times[{j}]")) for j, t in enumerate(times)]
    return np.diff(spike_times_1d(times))


def cv(times: Any) -> float | np.ndarray:
    r"""Coefficient of variation of the interspike intervals.

    .. math:: \mathrm{CV} = \frac{\sigma_{\text{ISI}}}{\mu_{\text{ISI}}}

    with the sample standard deviation (``ddof=1``). A Poisson process has
    :math:`\mathrm{CV} = 1`, a regular train :math:`\mathrm{CV} = 0`.

    Parameters
    ----------
    times : array or list of arrays
        One neuron's sorted spike times, or a list of them.

    Returns
    -------
    float, or array of one value per neuron
        NaN where there are fewer than 2 intervals (fewer than 3 spikes):
        the spread of one interval is undefined.
    """
    if is_per_neuron(times):
        return np.array([_cv(d) for d in isi(times)])
    return _cv(isi(times))


def _cv(intervals: np.ndarray) -> float:
    if intervals.size < 2 or intervals.mean() == 0:
        return float("nan")
    return float(intervals.std(ddof=1) / intervals.mean())


def adaptation_index(times: Any) -> float | np.ndarray:
    r"""Mean normalised change of consecutive interspike intervals.

    .. math:: A = \frac{1}{n - 1} \sum_{k=1}^{n-1}
              \frac{\tau_{k+1} - \tau_k}{\tau_{k+1} + \tau_k}

    over the intervals :math:`\tau_1, \dots, \tau_n`: 0 for a regular
    train, > 0 when the intervals lengthen (adaptation), < 0 when they
    shorten (acceleration); :math:`|A| \le 1`.

    Parameters
    ----------
    times : array or list of arrays
        One neuron's sorted spike times, or a list of them.

    Returns
    -------
    float, or array of one value per neuron
        NaN with fewer than 2 intervals.
    """
    if is_per_neuron(times):
        return np.array([_adaptation(d) for d in isi(times)])
    return _adaptation(isi(times))


def _adaptation(intervals: np.ndarray) -> float:
    sums = intervals[1:] + intervals[:-1]
    if intervals.size < 2 or np.any(sums == 0):
        return float("nan")
    return float(np.mean((intervals[1:] - intervals[:-1]) / sums))


def fano_factor(spikes: Any, window: int) -> float | np.ndarray:
    r"""Fano factor of the spike counts in consecutive windows, per neuron.

    .. math:: F = \frac{\operatorname{Var}[n]}{\operatorname{E}[n]}

    over the counts :math:`n` in the non-overlapping windows of ``window``
    steps (a trailing partial window is dropped), with the sample variance
    (``ddof=1``). A Poisson process has :math:`F = 1`; a Bernoulli process
    with spike probability :math:`p` per step has :math:`F = 1 - p`; a
    regular train whose period divides the window, :math:`F = 0`.

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
    window : int
        Window length in steps.

    Returns
    -------
    float, or array of shape ``(N,)``
        NaN for a neuron without spikes or with fewer than 2 windows.
    """
    raster = spike_raster(spikes)
    window = count(window, "window", minimum=1)
    n = raster.shape[0] // window
    counts = raster[:n * window].reshape((n, window) + raster.shape[1:]).sum(axis=1)
    if n < 2:
        fano = np.full(raster.shape[1:], np.nan)
    else:
        mean = counts.mean(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            fano = np.where(mean > 0, counts.var(axis=0, ddof=1) / mean, np.nan)
    return float(fano) if raster.ndim == 1 else fano
