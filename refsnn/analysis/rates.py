r"""Firing rates: per neuron over a whole run, and over time (bins or kernels).

Rates are spikes per unit of ``dt``'s time: Hz when ``dt`` is in seconds
(refsnn's convention, ``dt = 0.001`` by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.analysis._inputs import positive, spike_raster

#: Gaussian kernels are cut at this many standard deviations on each side.
GAUSSIAN_CUTOFF = 5.0
#: Exponential kernels are cut at this many time constants.
EXPONENTIAL_CUTOFF = 10.0


def mean_rate(spikes: Any, dt: float) -> np.ndarray:
    r"""The mean firing rate of each neuron over the whole array.

    .. math:: r_j = \frac{\sum_k z_{kj}}{T\,\Delta t}

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
    dt : float
        Time step (seconds for Hz).

    Returns
    -------
    array, shape ``()`` or ``(N,)``
        Rates in spikes per unit time.
    """
    raster = _nonempty(spikes)
    dt = positive(dt, "dt")
    return raster.sum(axis=0) / (raster.shape[0] * dt)


def firing_rate(spikes: Any, dt: float, *, bin: float | None = None,
                kernel: str | None = None, width: float | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    r"""The firing rate of each neuron over time, by binning or by kernel smoothing.

    Exactly one of ``bin`` and ``kernel`` must be given.

    * ``bin``: spike counts in consecutive bins of :math:`m = \text{bin}/\Delta t`
      steps (``bin`` must be a whole number of steps), divided by the bin
      width; a trailing partial bin is dropped. Times are the bin centres.
    * ``kernel="gaussian"``: the spike train convolved with a normalised
      Gaussian of standard deviation ``width`` (cut at
      :data:`GAUSSIAN_CUTOFF` widths), centred on each step;
      ``kernel="exponential"``: with the causal kernel
      :math:`\tau^{-1} e^{-t/\tau}`, :math:`\tau` = ``width`` (cut at
      :data:`EXPONENTIAL_CUTOFF` widths). The discrete kernel is normalised
      to sum 1, so the rate integrates to the spike count
      (:math:`\sum_k r_k \Delta t = n`) except for mass the kernel moves past
      either end of the array. One value per step; times are :math:`k\,\Delta t`.

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
    dt : float
        Time step (seconds for Hz).
    bin : float, optional
        Bin width, in the units of ``dt``.
    kernel : {"gaussian", "exponential"}, optional
    width : float
        The kernel's standard deviation or time constant (required with
        ``kernel``), in the units of ``dt``.

    Returns
    -------
    times : array, shape ``(B,)``
    rates : array, shape ``(B,)`` or ``(B, N)``
        Spikes per unit time; average over the last axis for a population rate.

    Examples
    --------
    >>> z = np.zeros(1000); z[::100] = 1          # 10 Hz at dt = 1 ms
    >>> t, r = firing_rate(z, 1e-3, bin=0.2)
    >>> r
    array([10., 10., 10., 10., 10.])
    """
    raster = _nonempty(spikes)
    dt = positive(dt, "dt")
    if (bin is None) == (kernel is None):
        raise ValueError("firing_rate needs exactly one of bin= (a bin width) and kernel= "
                         "('gaussian' or 'exponential', with width=)")
    counts = raster.astype(np.float64)
    if bin is not None:
        if width is not None:
            raise ValueError("width= applies to kernel=, not to bin=")
        return _binned(counts, dt, positive(bin, "bin"))
    if kernel not in ("gaussian", "exponential"):
        raise ValueError(f"kernel must be 'gaussian' or 'exponential', got {kernel!r}")
    if width is None:
        raise ValueError(f"kernel={kernel!r} needs width= (its time scale)")
    weights, centre = _kernel(kernel, positive(width, "width"), dt)
    return np.arange(raster.shape[0]) * dt, _convolve(counts, weights, centre) / dt


def _nonempty(spikes: Any) -> np.ndarray:
    raster = spike_raster(spikes)
    if raster.shape[0] == 0:
        raise ValueError("spikes has no time steps (shape[0] == 0)")
    return raster


def _binned(counts: np.ndarray, dt: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    per_bin = int(round(width / dt))
    if per_bin < 1 or not np.isclose(per_bin * dt, width, rtol=1e-9, atol=0):
        raise ValueError(f"bin must be a whole number of steps (a multiple of dt={dt:g}), "
                         f"got {width!r}")
    n_bins = counts.shape[0] // per_bin
    binned = counts[:n_bins * per_bin].reshape((n_bins, per_bin) + counts.shape[1:]).sum(axis=1)
    return (np.arange(n_bins) + 0.5) * per_bin * dt, binned / (per_bin * dt)


def _kernel(kind: str, width: float, dt: float) -> tuple[np.ndarray, int]:
    """Discrete kernel weights (summing to 1) and the index of its t = 0 sample."""
    if kind == "gaussian":
        half = int(np.ceil(GAUSSIAN_CUTOFF * width / dt))
        lags = np.arange(-half, half + 1) * dt
        weights = np.exp(-0.5 * (lags / width) ** 2)
        centre = half
    else:
        lags = np.arange(int(np.ceil(EXPONENTIAL_CUTOFF * width / dt)) + 1) * dt
        weights = np.exp(-lags / width)
        centre = 0
    return weights / weights.sum(), centre


def _convolve(counts: np.ndarray, weights: np.ndarray, centre: int) -> np.ndarray:
    """``counts`` (time on axis 0) convolved with ``weights``; output aligned with the input."""
    columns = counts.reshape(counts.shape[0], -1)
    out = np.empty_like(columns)
    for j in range(columns.shape[1]):
        full = np.convolve(columns[:, j], weights)
        out[:, j] = full[centre:centre + columns.shape[0]]
    return out.reshape(counts.shape)
