r"""Exponential leaky integrate-and-fire (LIFEx) neurons.

Model
-----
The LIF membrane equation gains an exponential term that makes the voltage
run away once it approaches the threshold (Fourcaud-Trocmé et al. 2003;
Gerstner et al., *Neuronal Dynamics*, ch. 5.2):

.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\left(v_{\text{leak}} - v + i
             + \Delta_T \exp\!\left(\frac{v - v_{\text{th}}}{\Delta_T}\right)\right),
    \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i .

:math:`\Delta_T` (``delta_T``) sets how sharp the run-away is. A spike
:math:`z = H(v - v_{\text{th}})` is emitted when the voltage exceeds
:math:`v_{\text{th}}` (the same value serves as the exponential's reference
point), and the voltage then jumps to :math:`v_{\text{reset}}`.

Discretisation (forward Euler, step :math:`\Delta t`), in this order:

1. current jump: :math:`i' = i + i_{\text{in}}` (recurrent form:
   :math:`i' = i + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`);
2. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,
   \big(((v_{\text{leak}} - v) + \Delta_T e^{(v - v_{\text{th}})/\Delta_T}) + i'\big)`;
3. current decay: :math:`i'' = i' - \Delta t\,\tau_{\text{syn}}^{-1}\, i'`;
4. spike: :math:`z = H(v' - v_{\text{th}})`;
5. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`.

The exponential is evaluated with :func:`refsnn.numerics.exp`
(in float64 for float32 runs). A voltage far above threshold can overflow
the exponential to ``inf``; the reset blend then yields NaN, as in Norse.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare, prepare_encoder
from refsnn.numerics import complement, exp, heaviside


class LIFExParameters(NamedTuple):
    """Parameters of an exponential LIF neuron.

    Attributes
    ----------
    delta_T : sharpness :math:`\\Delta_T` of the exponential run-away
    tau_syn_inv : inverse synaptic time constant :math:`1/\\tau_{\\text{syn}}`
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}}`
    v_leak : leak potential
    v_th : spike threshold (and reference point of the exponential)
    v_reset : potential after a spike
    """

    delta_T: float | np.ndarray = 0.5
    tau_syn_inv: float | np.ndarray = 1.0 / 5e-3
    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0


class LIFExState(NamedTuple):
    """State of a recurrent LIFEx layer: last spikes ``z``, voltage ``v``, current ``i``."""

    z: np.ndarray
    v: np.ndarray
    i: np.ndarray


class LIFExFeedForwardState(NamedTuple):
    """State of a feed-forward LIFEx layer: voltage ``v`` and current ``i``."""

    v: np.ndarray
    i: np.ndarray


def _voltage_derivative_times_tau(v, i, p):
    r""":math:`(v_{\text{leak}} - v) + \Delta_T e^{(v - v_{\text{th}})/\Delta_T} + i`."""
    dv_leak = p.v_leak - v
    dv_exp = p.delta_T * exp((v - p.v_th) / p.delta_T)
    return dv_leak + dv_exp + i


def _lif_ex_update(i_new, v, p, dt):
    """Steps 2-5 of the module docstring; returns (z, v, i) after the step."""
    dv = dt * p.tau_mem_inv * _voltage_derivative_times_tau(v, i_new, p)
    v_decayed = v + dv
    di = -dt * p.tau_syn_inv * i_new
    i_decayed = i_new + di
    z_new = heaviside(v_decayed - p.v_th)
    v_new = complement(z_new) * v_decayed + z_new * p.v_reset
    return z_new, v_new, i_decayed


def lif_ex_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, LIFExFeedForwardState)`` (every backend's arithmetic)."""
    z_new, v_new, i_new = _lif_ex_update(state.i + input_current, state.v, p, dt)
    return z_new, LIFExFeedForwardState(v=v_new, i=i_new)


def lif_ex_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`lif_ex_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z_new, v_new, i_new = _lif_ex_update(state.i + input_drive + recurrent_drive, state.v, p, dt)
    return z_new, LIFExState(z=z_new, v=v_new, i=i_new)


def lif_ex_feed_forward_step(
    input_spikes: np.ndarray,
    state: LIFExFeedForwardState = LIFExFeedForwardState(0.0, 0.0),
    p: LIFExParameters = LIFExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFExFeedForwardState]:
    r"""One Euler step of a feed-forward exponential LIF layer.

    Parameters
    ----------
    input_spikes : array
        Input current added to :math:`i` this step (already weighted).
    state : LIFExFeedForwardState
        Defaults to rest at zero (a float32 run).
    p : LIFExParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype).
    state : LIFExFeedForwardState
    """
    (x,), s, p, dt = prepare({"input_spikes": input_spikes}, state,
                             LIFExFeedForwardState, p, LIFExParameters, dt)
    check_neuron_shape(p, x, s.v, s.i)
    return lif_ex_feed_forward_update(s, x, p, dt)


def lif_ex_step(
    input_tensor: np.ndarray,
    state: LIFExState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFExParameters = LIFExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFExState]:
    r"""One Euler step of a recurrently connected exponential LIF layer.

    The current jumps by :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`
    before the update of the module docstring.

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LIFExState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LIFExParameters
    dt : float
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFExState, p, LIFExParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_tensor", "input_weights")
    recurrent_drive = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.v, s.i)
    return lif_ex_recurrent_update(s, input_drive, recurrent_drive, p, dt)


def lif_ex_current_encoder(
    input_current: np.ndarray,
    voltage: np.ndarray,
    p: LIFExParameters = LIFExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, np.ndarray]:
    r"""One Euler step of an exponential LIF neuron driven directly by a current.

    .. math::
        v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,
             \big((v_{\text{leak}} - v) + \Delta_T e^{(v - v_{\text{th}})/\Delta_T} + I\big),
        \quad z = H(v' - v_{\text{th}}), \quad
        v'' = (1 - z)\,v' + z\,v_{\text{reset}}

    The voltage of a spiking neuron is set to exactly ``v_reset``; Norse
    computes ``v - z (v - v_reset)``, which can miss ``v_reset`` by an ulp
    (see :func:`refsnn.compat.norse.lif_ex.lif_ex_current_encoder`).

    Returns
    -------
    z, voltage : arrays
        Spikes and the new voltage (the ``voltage`` array is the state).
    """
    (i_in, v), _, p, dt = prepare_encoder({"input_current": input_current},
                                          {"voltage": voltage}, p, LIFExParameters, dt)
    check_neuron_shape(p, i_in, v)
    return lif_ex_current_encoder_update(v, i_in, p, dt)


def lif_ex_current_encoder_update(voltage, input_current, p, dt):
    """The arithmetic of :func:`lif_ex_current_encoder` (validated arguments); ``(z, v)``."""
    v = voltage + dt * p.tau_mem_inv * _voltage_derivative_times_tau(voltage, input_current, p)
    z = heaviside(v - p.v_th)
    return z, complement(z) * v + z * p.v_reset
