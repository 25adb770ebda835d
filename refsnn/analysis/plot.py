"""Plots of spike trains, state traces, rates, intervals and phase portraits.

Needs matplotlib (``pip install "refsnn[plot]"``), imported when a function
is called. Every function draws on ``ax`` (default: the current Axes,
:func:`matplotlib.pyplot.gca`) and returns it; extra keyword arguments go
to the underlying matplotlib call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.analysis import intervals, rates
from refsnn.analysis._inputs import is_per_neuron, positive, spike_raster
from refsnn.analysis.phase import PhasePortrait
from refsnn.analysis.spikes import spike_indices


def _axes(ax: Any):
    """``ax``, or the current Axes; a clear ImportError without matplotlib."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError('refsnn.analysis.plot needs matplotlib: pip install "refsnn[plot]"'
                          ) from error
    return plt.gca()


def raster(spikes: Any, dt: float = 1.0, *, ax: Any = None, **kwargs):
    """Raster plot: a mark at (time, neuron) for every spike.

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
    dt : float
        Time step (the x axis is in its units).
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter` (default: small black marks).
    """
    steps, neurons = spike_indices(spikes)
    ax = _axes(ax)
    ax.scatter(steps * positive(dt, "dt"), neurons,
               **{"s": 4, "color": "k", "marker": "|", **kwargs})
    ax.set_xlabel("time")
    ax.set_ylabel("neuron")
    return ax


def traces(states: Any, dt: float = 1.0, *, spikes: Any = None, labels: Any = None,
           ax: Any = None, **kwargs):
    """State traces over time (voltages, currents, ...), with the spikes marked.

    Parameters
    ----------
    states : array, shape ``(T,)`` or ``(T, N)``
        One trace per column (a state field recorded with ``record_states``).
    dt : float
    spikes : array of the same shape, optional
        A dot is drawn on the trace at every spike.
    labels : list of str, optional
        One legend entry per trace.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot`.
    """
    values = np.asarray(states, dtype=np.float64)
    if values.ndim not in (1, 2):
        raise ValueError(f"states must have shape (T,) or (T, N), got {values.shape}")
    values = values.reshape(values.shape[0], -1)
    t = np.arange(values.shape[0]) * positive(dt, "dt")
    if labels is not None and len(labels) != values.shape[1]:
        raise ValueError(f"labels has {len(labels)} entries for {values.shape[1]} traces")
    marks = None
    if spikes is not None:
        marks = spike_raster(spikes).reshape(values.shape[0], -1)
        if marks.shape != values.shape:
            raise ValueError(f"spikes has shape {np.shape(spikes)}, states {np.shape(states)}")
    ax = _axes(ax)
    for j in range(values.shape[1]):
        line, = ax.plot(t, values[:, j], label=None if labels is None else labels[j], **kwargs)
        if marks is not None:
            ax.plot(t[marks[:, j]], values[marks[:, j], j], "o", ms=3, color=line.get_color())
    if labels is not None:
        ax.legend()
    ax.set_xlabel("time")
    return ax


def rate(spikes: Any, dt: float, *, bin: float | None = None, kernel: str | None = None,
         width: float | None = None, ax: Any = None, **kwargs):
    """The population rate over time: :func:`refsnn.analysis.firing_rate` averaged over neurons.

    Parameters
    ----------
    spikes : array, shape ``(T,)`` or ``(T, N)``
    dt, bin, kernel, width
        As for :func:`refsnn.analysis.firing_rate`.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` (``drawstyle="steps-mid"`` for bins).
    """
    t, r = rates.firing_rate(spikes, dt, bin=bin, kernel=kernel, width=width)
    population = r.reshape(r.shape[0], -1).mean(axis=1)
    ax = _axes(ax)
    style = {"drawstyle": "steps-mid"} if bin is not None else {}
    ax.plot(t, population, **{**style, **kwargs})
    ax.set_xlabel("time")
    ax.set_ylabel("rate")
    return ax


def isi_histogram(times: Any, *, bins: Any = 30, ax: Any = None, **kwargs):
    """Histogram of the interspike intervals (pooled over neurons for a list of trains).

    Parameters
    ----------
    times : array or list of arrays
        Spike times (:func:`refsnn.analysis.spike_times`).
    bins : int or sequence
        Passed to :meth:`~matplotlib.axes.Axes.hist`.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.hist`.
    """
    found = intervals.isi(times)
    pooled = np.concatenate(found + [np.zeros(0)]) if is_per_neuron(times) else found
    ax = _axes(ax)
    ax.hist(pooled, bins=bins, **kwargs)
    ax.set_xlabel("interspike interval")
    ax.set_ylabel("count")
    return ax


def phase_portrait(portrait: PhasePortrait, *, trajectory: Any = None, ax: Any = None,
                   **kwargs):
    """Draw a :class:`~refsnn.analysis.PhasePortrait`: arrows, nullclines, threshold, reset.

    Parameters
    ----------
    portrait : PhasePortrait
        From :func:`refsnn.analysis.phase_portrait`.
    trajectory : tuple of two arrays, optional
        A recorded trajectory ``(v, w)`` (e.g. ``state.v`` and ``state.u``)
        drawn over the field.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.quiver`.
    """
    if not isinstance(portrait, PhasePortrait):
        raise TypeError("portrait must be a PhasePortrait (refsnn.analysis.phase_portrait), "
                        f"got {type(portrait).__name__}")
    ax = _axes(ax)
    # Unit arrows: the two variables change on very different scales.
    norm = np.hypot(portrait.dv / np.ptp(portrait.v), portrait.dw / np.ptp(portrait.w))
    norm[norm == 0] = 1
    ax.quiver(portrait.v, portrait.w, portrait.dv / np.ptp(portrait.v) / norm,
              portrait.dw / np.ptp(portrait.w) / norm, angles="xy",
              **{"color": "0.6", "width": 0.003, **kwargs})
    ax.plot(portrait.v, portrait.v_nullcline, color="tab:blue", label="v-nullcline")
    ax.plot(portrait.v, portrait.w_nullcline, color="tab:orange", label="w-nullcline")
    ax.axvline(portrait.threshold, color="k", ls="--", lw=0.8, label="threshold")
    ax.axvline(portrait.reset, color="k", ls=":", lw=0.8, label="reset")
    if trajectory is not None:
        v, w = (np.asarray(x, dtype=np.float64).ravel() for x in trajectory)
        if v.shape != w.shape:
            raise ValueError(f"trajectory: v has {v.size} points, w {w.size}")
        ax.plot(v, w, color="tab:red", lw=1, label="trajectory")
    ax.set_xlim(portrait.v[0], portrait.v[-1])
    ax.set_ylim(portrait.w[0], portrait.w[-1])
    ax.set_xlabel("v")
    ax.set_ylabel("u" if portrait.model == "izhikevich" else "a")
    ax.legend(fontsize=8)
    return ax
