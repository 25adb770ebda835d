r"""Correlation sensor: an idealised model of the BrainScaleS-2 synapse sensors.

Model
-----
Every synapse :math:`(i, j)` from presynaptic neuron :math:`i` to
postsynaptic neuron :math:`j` remembers which of its two neurons fired last,
:math:`p_{ij} \in \{0, 1\}` (``post_pre``: 1 after a postsynaptic spike, 0
after a presynaptic one; simultaneous spikes leave it unchanged), and keeps
two traces:

* the correlation (causal) trace :math:`c_{ij}` jumps by :math:`\eta_p` at
  each presynaptic spike and decays with :math:`\tau_c` while the last event
  was presynaptic (:math:`p = 0`), so it is still high when a postsynaptic
  spike follows soon after;
* the anti-correlation (acausal) trace :math:`\bar c_{ij}` jumps by
  :math:`\eta_m` at each postsynaptic spike and decays with :math:`\tau_{ac}`
  while the last event was postsynaptic (:math:`p = 1`).

Discretisation (step :math:`\Delta t`), decay with the start-of-step
:math:`p`, then the jumps of this step's spikes
(:math:`z^{\text{pre}}_i`, :math:`z^{\text{post}}_j` broadcast over the synapses):

.. math::
    c' &= c + (1 - p)\,\bigl(\Delta t\,\tau_c^{-1}\,(-c)\bigr) + \eta_p\, z^{\text{pre}}_i, \\
    \bar c' &= \bar c + p\,\bigl(\Delta t\,\tau_{ac}^{-1}\,(-\bar c)\bigr) + \eta_m\, z^{\text{post}}_j, \\
    p' &= H\bigl((p + z^{\text{post}}_j) - z^{\text{pre}}_i\bigr),

with :math:`H(0) = 0`. Synapse arrays have shape ``(..., n_pre, n_post)``
(Norse's layout is ``(batch, input_features, hidden_features)``),
presynaptic spikes ``(..., n_pre)`` and postsynaptic spikes
``(..., n_post)`` with the same leading (batch) axes.

Norse 1.1.0 broadcasts the spikes of a batch against the synapse array as
if the batch axis were a neuron axis: with a batch of one it agrees with
this module; with a batch size equal to both ``n_pre`` and ``n_post`` it
silently mixes the samples (a presynaptic spike of sample 0, neuron 0
reaches synapse ``(i=0, j=0)`` of every sample), and any other batch size
raises. The
functions here keep the samples apart; :mod:`refsnn.compat.norse.correlation_sensor`
reproduces Norse.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from refsnn import _checks
from refsnn.functional import _plasticity
from refsnn.functional.threshold import heaviside


class CorrelationSensorParameters(NamedTuple):
    """Parameters of the correlation sensor (floats or arrays broadcastable to the synapses).

    Attributes
    ----------
    eta_p : jump of the correlation trace at a presynaptic spike
    eta_m : jump of the anti-correlation trace at a postsynaptic spike
    tau_ac_inv : inverse anti-correlation time constant :math:`1/\\tau_{ac}`
    tau_c_inv : inverse correlation time constant :math:`1/\\tau_c`
    """

    eta_p: float | np.ndarray = 1.0
    eta_m: float | np.ndarray = 1.0
    tau_ac_inv: float | np.ndarray = 1.0 / 100e-3
    tau_c_inv: float | np.ndarray = 1.0 / 100e-3


class CorrelationSensorState(NamedTuple):
    """Per-synapse state, each field of shape ``(..., n_pre, n_post)``.

    Attributes
    ----------
    post_pre : 1 if the synapse's last event was a postsynaptic spike, else 0
    correlation_trace : causal (pre-then-post) trace :math:`c`
    anti_correlation_trace : acausal (post-then-pre) trace :math:`\\bar c`
    """

    post_pre: np.ndarray
    correlation_trace: np.ndarray
    anti_correlation_trace: np.ndarray


def pre_mask(weights: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Presynaptic spikes ``z`` (``(..., n_pre)``) spread over synapses shaped like ``weights``."""
    return np.zeros_like(weights) + z[..., :, None]


def post_mask(weights: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Postsynaptic spikes ``z`` (``(..., n_post)``) spread over synapses shaped like ``weights``."""
    return np.zeros_like(weights) + z[..., None, :]


def post_pre_update(post_pre: np.ndarray, post_spike_mask: np.ndarray,
                    pre_spike_mask: np.ndarray) -> np.ndarray:
    """Which neuron fired last: :math:`H((p + z^{\\text{post}}) - z^{\\text{pre}})`."""
    return heaviside(post_pre + post_spike_mask - pre_spike_mask)


def _prepare_sensor(z_pre, z_post, state, p, dt):
    """Validate and cast the arguments of a correlation sensor step."""
    _checks.check_type(state, CorrelationSensorState, "state")
    _checks.check_type(p, CorrelationSensorParameters, "p")
    _checks.check_dt(dt)
    dtype = _plasticity.governing_dtype(("state", state))
    s = _checks.cast_tree(state, dtype, "state")
    p = _checks.cast_tree(p, dtype, "p")
    _plasticity.check_nonnegative(p, ("tau_ac_inv", "tau_c_inv"))
    z_pre = _checks.as_input(z_pre, dtype, "z_pre")
    z_post = _checks.as_input(z_post, dtype, "z_post")
    shape = np.shape(s.post_pre)
    for field in ("correlation_trace", "anti_correlation_trace"):
        if np.shape(getattr(s, field)) != shape:
            raise ValueError(
                f"state.{field} has shape {np.shape(getattr(s, field))}, but state.post_pre "
                f"has shape {shape}; all three must be (..., n_pre, n_post)"
            )
    _plasticity.check_fits(p, p._fields, shape, "the synapse arrays")
    return z_pre, z_post, s, p, dtype.type(dt)


def _check_spikes(z_pre, z_post, shape):
    """Spikes ``(..., n_pre)`` and ``(..., n_post)`` must fit synapses ``(..., n_pre, n_post)``."""
    if len(shape) < 2:
        raise ValueError(
            f"state.post_pre must have shape (..., n_pre, n_post), got {shape}"
        )
    for name, z, expected in (("z_pre", z_pre, shape[:-1]),
                              ("z_post", z_post, shape[:-2] + shape[-1:])):
        if z.shape != expected:
            raise ValueError(
                f"{name} must have shape {expected} for synapse arrays of shape {shape} "
                f"(..., n_pre, n_post), got {z.shape}"
            )


def correlation_sensor_step(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    state: CorrelationSensorState,
    p: CorrelationSensorParameters = CorrelationSensorParameters(),
    dt: float = 0.001,
) -> CorrelationSensorState:
    r"""One Euler step of the correlation sensor.

    .. math::
        c' = c - (1 - p)\,\Delta t\,\tau_c^{-1} c + \eta_p z^{\text{pre}}_i, \quad
        \bar c' = \bar c - p\,\Delta t\,\tau_{ac}^{-1} \bar c + \eta_m z^{\text{post}}_j, \quad
        p' = H(p + z^{\text{post}}_j - z^{\text{pre}}_i)

    Parameters
    ----------
    z_pre : array, shape ``(..., n_pre)``
        Presynaptic spikes (0/1 or bool).
    z_post : array, shape ``(..., n_post)``
        Postsynaptic spikes.
    state : CorrelationSensorState
        Fields of shape ``(..., n_pre, n_post)``.
    p : CorrelationSensorParameters
    dt : float

    Returns
    -------
    CorrelationSensorState
        The state after the step (new arrays).
    """
    z_pre, z_post, s, p, dt = _prepare_sensor(z_pre, z_post, state, p, dt)
    _check_spikes(z_pre, z_post, np.shape(s.post_pre))
    c_decayed = s.correlation_trace + (1 - s.post_pre) * (
        dt * p.tau_c_inv * (-s.correlation_trace))
    ac_decayed = s.anti_correlation_trace + s.post_pre * (
        dt * p.tau_ac_inv * (-s.anti_correlation_trace))
    pre = pre_mask(s.post_pre, z_pre)
    post = post_mask(s.post_pre, z_post)
    return CorrelationSensorState(
        post_pre=post_pre_update(s.post_pre, post, pre),
        correlation_trace=c_decayed + p.eta_p * pre,
        anti_correlation_trace=ac_decayed + p.eta_m * post,
    )
