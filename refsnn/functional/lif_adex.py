r"""Adaptive exponential leaky integrate-and-fire (AdEx) neurons.

Model
-----
The exponential LIF neuron of :mod:`refsnn.functional.lif_ex` with an
adaptation current :math:`a` that is driven by the voltage and jumps at every
spike (Brette & Gerstner 2005; Scholarpedia "Adaptive exponential
integrate-and-fire model"):

.. math::
    \dot v &= \frac{1}{\tau_{\text{mem}}}\left(v_{\text{leak}} - v + i
             + \Delta_T \exp\!\left(\frac{v - v_{\text{th}}}{\Delta_T}\right) - a\right), \\
    \dot i &= -\frac{1}{\tau_{\text{syn}}}\, i, \\
    \dot a &= \frac{1}{\tau_{\text{ada}}}\left(a_{\text{current}}\,(v - v_{\text{leak}}) - a\right).

A spike :math:`z = H(v - v_{\text{th}})` resets the voltage to
:math:`v_{\text{reset}}` and raises the adaptation by
:math:`a_{\text{spike}}` (``adaptation_spike``). A positive :math:`a`
lowers the voltage, so the neuron adapts: its rate drops under sustained
drive.

Discretisation (forward Euler, step :math:`\Delta t`), in this order; every
right-hand side uses the voltage and adaptation from before the step:

1. current jump: :math:`i' = i + i_{\text{in}}` (recurrent form:
   :math:`i' = i + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`);
2. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,
   \big((((v_{\text{leak}} - v) + \Delta_T e^{(v - v_{\text{th}})/\Delta_T}) + i') - a\big)`;
3. current decay: :math:`i'' = i' - \Delta t\,\tau_{\text{syn}}^{-1}\, i'`;
4. adaptation: :math:`a' = a + \Delta t\,\tau_{\text{ada}}^{-1}\,
   (a_{\text{current}}\,(v - v_{\text{leak}}) - a)`;
5. spike: :math:`z = H(v' - v_{\text{th}})`;
6. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`;
7. spike-triggered adaptation: :math:`a'' = a' + z\,a_{\text{spike}}`.

The exponential is evaluated with :func:`refsnn.numerics.exp`
(in float64 for float32 runs).
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare, prepare_encoder
from refsnn.numerics import complement, exp, heaviside


class LIFAdExParameters(NamedTuple):
    """Parameters of an adaptive exponential LIF neuron.

    Defaults are Norse's (``adaptation_current`` as the float 4.0 where Norse
    stores an integer tensor).

    Attributes
    ----------
    adaptation_current : coupling :math:`a_{\\text{current}}` of the adaptation to the voltage
    adaptation_spike : jump :math:`a_{\\text{spike}}` of the adaptation at each spike
    delta_T : sharpness :math:`\\Delta_T` of the exponential run-away
    tau_ada_inv : inverse adaptation time constant :math:`1/\\tau_{\\text{ada}}`
    tau_syn_inv : inverse synaptic time constant :math:`1/\\tau_{\\text{syn}}`
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}}`
    v_leak : leak potential
    v_th : spike threshold (and reference point of the exponential)
    v_reset : potential after a spike
    """

    adaptation_current: float | np.ndarray = 4.0
    adaptation_spike: float | np.ndarray = 0.02
    delta_T: float | np.ndarray = 0.5
    tau_ada_inv: float | np.ndarray = 2.0
    tau_syn_inv: float | np.ndarray = 1.0 / 5e-3
    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0


class LIFAdExState(NamedTuple):
    """State of a recurrent AdEx layer.

    Last spikes ``z``, voltage ``v``, synaptic current ``i``, adaptation ``a``.
    """

    z: np.ndarray
    v: np.ndarray
    i: np.ndarray
    a: np.ndarray


class LIFAdExFeedForwardState(NamedTuple):
    """State of a feed-forward AdEx layer: voltage ``v``, current ``i``, adaptation ``a``."""

    v: np.ndarray
    i: np.ndarray
    a: np.ndarray


def _voltage_step(v, i, a, p, dt):
    """Step 2 of the module docstring: the voltage after the Euler step, before reset."""
    dv_leak = p.v_leak - v
    dv_exp = p.delta_T * exp((v - p.v_th) / p.delta_T)
    dv = dt * p.tau_mem_inv * (dv_leak + dv_exp + i - a)
    return v + dv


def _adaptation_step(v, a, p, dt):
    """Step 4 of the module docstring: the adaptation after the Euler step."""
    da = dt * p.tau_ada_inv * (p.adaptation_current * (v - p.v_leak) - a)
    return a + da


def _lif_adex_update(i_new, v, a, p, dt):
    """Steps 2-7 of the module docstring; returns (z, v, i, a) after the step."""
    z_new, v_new, i_decayed, a_decayed = _lif_adex_update_without_jump(i_new, v, a, p, dt)
    a_new = a_decayed + z_new * p.adaptation_spike
    return z_new, v_new, i_decayed, a_new


def _lif_adex_update_without_jump(i_new, v, a, p, dt):
    """Steps 2-6 of the module docstring (no spike-triggered adaptation); (z, v, i, a)."""
    v_decayed = _voltage_step(v, i_new, a, p, dt)
    di = -dt * p.tau_syn_inv * i_new
    i_decayed = i_new + di
    a_decayed = _adaptation_step(v, a, p, dt)
    z_new = heaviside(v_decayed - p.v_th)
    v_new = complement(z_new) * v_decayed + z_new * p.v_reset
    return z_new, v_new, i_decayed, a_decayed


def lif_adex_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, LIFAdExFeedForwardState)`` (every backend's arithmetic)."""
    z_new, v_new, i_new, a_new = _lif_adex_update(state.i + input_current, state.v, state.a,
                                                  p, dt)
    return z_new, LIFAdExFeedForwardState(v=v_new, i=i_new, a=a_new)


def lif_adex_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`lif_adex_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z_new, v_new, i_new, a_new = _lif_adex_update(state.i + input_drive + recurrent_drive,
                                                  state.v, state.a, p, dt)
    return z_new, LIFAdExState(z=z_new, v=v_new, i=i_new, a=a_new)


def lif_adex_feed_forward_step(
    input_spikes: np.ndarray,
    state: LIFAdExFeedForwardState = LIFAdExFeedForwardState(0.0, 0.0, 0.0),
    p: LIFAdExParameters = LIFAdExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFAdExFeedForwardState]:
    r"""One Euler step of a feed-forward AdEx layer.

    Parameters
    ----------
    input_spikes : array
        Input current added to :math:`i` this step (already weighted).
    state : LIFAdExFeedForwardState
        Defaults to rest at zero (a float32 run).
    p : LIFAdExParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype).
    state : LIFAdExFeedForwardState
    """
    (x,), s, p, dt = prepare({"input_spikes": input_spikes}, state,
                             LIFAdExFeedForwardState, p, LIFAdExParameters, dt)
    check_neuron_shape(p, x, s.v, s.i, s.a)
    return lif_adex_feed_forward_update(s, x, p, dt)


def lif_adex_step(
    input_spikes: np.ndarray,
    state: LIFAdExState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFAdExParameters = LIFAdExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFAdExState]:
    r"""One Euler step of a recurrently connected AdEx layer.

    The current jumps by :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`
    before the update of the module docstring.

    Parameters
    ----------
    input_spikes : array, shape ``(..., n_in)``
    state : LIFAdExState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LIFAdExParameters
    dt : float
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_spikes": input_spikes}, state, LIFAdExState, p, LIFAdExParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_spikes", "input_weights")
    recurrent_drive = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.v, s.i, s.a)
    return lif_adex_recurrent_update(s, input_drive, recurrent_drive, p, dt)


def lif_adex_current_encoder(
    input_current: np.ndarray,
    voltage: np.ndarray,
    adaptation: np.ndarray,
    p: LIFAdExParameters = LIFAdExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""One Euler step of an AdEx neuron driven directly by a current (no synapse).

    Steps 2 and 4-7 of the module docstring with the input current :math:`I`
    in place of :math:`i'`:

    .. math::
        v' &= v + \Delta t\,\tau_{\text{mem}}^{-1}\,
              \big((v_{\text{leak}} - v) + \Delta_T e^{(v - v_{\text{th}})/\Delta_T} + I - a\big), \\
        a' &= a + \Delta t\,\tau_{\text{ada}}^{-1}\,(a_{\text{current}}\,(v - v_{\text{leak}}) - a), \\
        z &= H(v' - v_{\text{th}}), \quad
        v'' = (1 - z)\,v' + z\,v_{\text{reset}}, \quad
        a'' = a' + z\,a_{\text{spike}} .

    This is exactly one step of :func:`lif_adex_feed_forward_step` with a
    zero synaptic current. Norse's version differs (see
    :func:`refsnn.compat.norse.lif_adex.lif_adex_current_encoder`): it returns
    :math:`\tau_{\text{ada}}^{-1}(a_{\text{current}}(v'' - v_{\text{leak}}) - a) + z\,a_{\text{spike}}`
    as the new adaptation (a derivative, not an Euler update, evaluated at the
    reset voltage; iterated with Norse's default ``tau_ada_inv = 2`` it
    diverges and ends in NaN) and resets with
    ``v - z (v - v_reset)``.

    Returns
    -------
    z, voltage, adaptation : arrays
        Spikes, new voltage and new adaptation.
    """
    (i_in, v, a), _, p, dt = prepare_encoder(
        {"input_current": input_current}, {"voltage": voltage, "adaptation": adaptation},
        p, LIFAdExParameters, dt)
    check_neuron_shape(p, i_in, v, a)
    return lif_adex_current_encoder_update(v, a, i_in, p, dt)


def lif_adex_current_encoder_update(voltage, adaptation, input_current, p, dt):
    """The arithmetic of :func:`lif_adex_current_encoder` (validated arguments); ``(z, v, a)``."""
    v_decayed = _voltage_step(voltage, input_current, adaptation, p, dt)
    a_decayed = _adaptation_step(voltage, adaptation, p, dt)
    z = heaviside(v_decayed - p.v_th)
    v_new = complement(z) * v_decayed + z * p.v_reset
    a_new = a_decayed + z * p.adaptation_spike
    return z, v_new, a_new
