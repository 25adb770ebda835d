r"""Frequency–current (f–I) curves: one fused simulation, one neuron per current."""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.analysis._inputs import count, positive
from refsnn.models import get_model
from refsnn.simulate import simulate


def fi_curve(model: str, currents: Any, *, params: Any = None, steps: int, dt: float,
             backend: str | None = "numba", transient: int = 0,
             dtype: Any = np.float64) -> np.ndarray:
    r"""Mean firing rate against a constant input, for each input value.

    One call of :func:`refsnn.simulate` runs a population with one neuron
    per value of ``currents`` (the parameters broadcast over it, or given
    per neuron), so a compiled backend runs the whole sweep in one fused
    kernel. Neuron :math:`j` receives ``currents[j]`` as its input at every
    step, from the family's default initial state; its rate counts the
    spikes after the first ``transient`` steps:

    .. math:: r_j = \frac{\#\{\text{spikes of } j \text{ in steps }
              [\text{transient}, \text{steps})\}}{(\text{steps} - \text{transient})\,\Delta t}

    What "input" means is the family's: Izhikevich's current :math:`I` is
    added to the voltage derivative; the LIF family adds the input to its
    synaptic current every step (so a constant input :math:`x` holds the
    current near :math:`x / (\Delta t\,\tau_{\text{syn}}^{-1})`, see
    :mod:`refsnn.functional.lif`).

    Parameters
    ----------
    model : str
        A spiking family of :data:`refsnn.models.MODELS` (feed-forward).
    currents : array, shape ``(K,)``
        Input values.
    params : Parameters, optional
        The family's parameters (default: its defaults); fields may be
        scalars or arrays of shape ``(K,)``.
    steps : int
        Number of time steps simulated.
    dt : float
        Time step.
    backend : str or None
        Backend name (``None``: :func:`refsnn.backends.default`).
    transient : int
        Steps discarded before counting (``0 <= transient < steps``).
    dtype : np.float32 or np.float64
        Arithmetic dtype of the run.

    Returns
    -------
    array, shape ``(K,)``
        Spikes per unit of ``dt``'s time: Hz when ``dt`` is in seconds. An
        Izhikevich step advances its model by :math:`\tau^{-1}\Delta t`
        milliseconds, so its rate in Hz of model time is
        ``rates / (p.tau_inv * 1e-3)``.

    Examples
    --------
    >>> from refsnn.functional.lif import LIFParameters
    >>> rates = fi_curve("lif", [0.0, 0.5, 1.0], params=LIFParameters(),
    ...                  steps=1000, dt=1e-3, backend="numpy")
    >>> rates[0], bool(rates[2] > rates[1] > 0)
    (np.float64(0.0), True)
    """
    descriptor = get_model(model)
    if descriptor.output != "spikes":
        raise ValueError(f"model {model!r} outputs voltages, not spikes; fi_curve needs a "
                         "spiking family")
    levels = np.asarray(currents)
    if levels.dtype.kind not in "iuf" or levels.ndim != 1 or levels.size == 0:
        raise ValueError(f"currents must be a non-empty 1-D array of numbers, got dtype "
                         f"{levels.dtype} and shape {levels.shape}")
    if not np.all(np.isfinite(levels)):
        raise ValueError("currents must be finite")
    steps = count(steps, "steps", minimum=1)
    transient = count(transient, "transient")
    if transient >= steps:
        raise ValueError(f"transient must be < steps={steps}, got {transient}")
    dt = positive(dt, "dt")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    inputs = np.broadcast_to(levels.astype(dtype), (steps, levels.size))
    spikes, _ = simulate(model, inputs, p=params, dt=dt, backend=backend,
                         spike_dtype=np.bool_)
    counted = np.count_nonzero(np.asarray(spikes)[transient:], axis=0)
    return counted / ((steps - transient) * dt)
