"""Analysis of simulated spike trains: conversions, rates, interval statistics, f–I, phase planes.

NumPy only. Plots live in :mod:`refsnn.analysis.plot` (matplotlib, the
``plot`` extra), imported only when used.

* spikes: :func:`spike_times`, :func:`spike_indices`, :func:`spike_array`;
* rates: :func:`mean_rate`, :func:`firing_rate` (bins or kernels);
* intervals: :func:`isi`, :func:`cv`, :func:`adaptation_index`, :func:`fano_factor`;
* :func:`fi_curve` (one fused :func:`refsnn.simulate` call) and
  :func:`phase_portrait` (Izhikevich, AdEx).
"""

from refsnn.analysis.intervals import adaptation_index, cv, fano_factor, isi
from refsnn.analysis.phase import PhasePortrait, phase_portrait
from refsnn.analysis.rates import firing_rate, mean_rate
from refsnn.analysis.spikes import spike_array, spike_indices, spike_times
from refsnn.analysis.sweep import fi_curve

__all__ = ["PhasePortrait", "adaptation_index", "cv", "fano_factor", "fi_curve", "firing_rate",
           "isi", "mean_rate", "phase_portrait", "spike_array", "spike_indices", "spike_times"]
