r"""Adaptive exponential integrate-and-fire neurons with a spike cut (Brette & Gerstner 2005).

refsnn's own family: Norse 1.1.0 has no counterpart. Norse's AdEx
(:mod:`refsnn.functional.lif_adex`) declares a spike when :math:`v` crosses
``v_th``, which is also the centre :math:`V_T` of the exponential, so it cuts
every spike at the *start* of its upswing, and a reset at or above
:math:`V_T` fires again on the next step. The published model (Brette &
Gerstner 2005; Naud, Marcille, Clopath & Gerstner 2008) integrates the
upswing and cuts the spike at a separate :math:`V_{\text{peak}}`; bursting
and the other patterns of Naud et al. need trajectories that start above
:math:`V_T` after a reset and turn back. This family adds that cut,
``v_peak``; everything else is :mod:`~refsnn.functional.lif_adex`'s.

Model
-----
Brette & Gerstner's equations

.. math::
    C \dot V = -g_L (V - E_L) + g_L \Delta_T e^{(V - V_T)/\Delta_T} - w + I, \qquad
    \tau_w \dot w = a (V - E_L) - w,

divided by :math:`g_L` (the per-unit-leak form of ``lif_adex``):
:math:`\tau_{\text{mem}}^{-1} = g_L / C`, :math:`v_{\text{leak}} = E_L`,
:math:`v_{\text{th}} = V_T`, :math:`v_{\text{peak}} = V_{\text{peak}}`,
:math:`v_{\text{reset}} = V_r`, :math:`\tau_{\text{ada}} = \tau_w`,
:math:`a_{\text{current}} = a / g_L`, :math:`a_{\text{spike}} = b / g_L`,
and the state :math:`a = w / g_L`, :math:`i = I / g_L` (voltages):

.. math::
    \dot v &= \frac{1}{\tau_{\text{mem}}}\left(v_{\text{leak}} - v + i
             + \Delta_T \exp\!\left(\frac{v - v_{\text{th}}}{\Delta_T}\right) - a\right), \\
    \dot i &= -\frac{1}{\tau_{\text{syn}}}\, i, \\
    \dot a &= \frac{1}{\tau_{\text{ada}}}\left(a_{\text{current}}\,(v - v_{\text{leak}}) - a\right).

The input jumps the synaptic current :math:`i` (the feed-forward input
:math:`x`, or the recurrent layer's :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`),
as in every current-based family: the same inputs, weights and states as
``lif_adex``. A step current :math:`I` is ``tau_syn_inv = 0`` and one input
of :math:`I/g_L` at its onset.

A spike :math:`z = H(v - v_{\text{peak}})` resets the voltage to
:math:`v_{\text{reset}}` and raises the adaptation by :math:`a_{\text{spike}}`.
With ``v_peak == v_th`` the step gives ``lif_adex``'s results exactly
(wherever :math:`v'` is finite).

Discretisation (forward Euler, step :math:`\Delta t`), in this order; every
right-hand side uses the voltage and adaptation from before the step:

1. current jump: :math:`i' = i + i_{\text{in}}` (recurrent form:
   :math:`i' = i + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`);
2. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,
   \big((((v_{\text{leak}} - v) + \Delta_T e^{(v - v_{\text{th}})/\Delta_T}) + i') - a\big)`;
3. current decay: :math:`i'' = i' - \Delta t\,\tau_{\text{syn}}^{-1}\, i'`;
4. adaptation: :math:`a' = a + \Delta t\,\tau_{\text{ada}}^{-1}\,
   (a_{\text{current}}\,(v - v_{\text{leak}}) - a)`;
5. spike: :math:`z = H(v' - v_{\text{peak}})`;
6. reset: :math:`v'' = v_{\text{reset}}` where :math:`z = 1`, else :math:`v'`;
7. spike-triggered adaptation: :math:`a'' = a' + z\,a_{\text{spike}}`.

Steps 2 and 4 are ``lif_adex``'s own functions. The exponential is
:func:`refsnn.numerics.exp` (in float64 for float32 runs) of the voltage
before the step. A voltage past the cut is reset within its step, so after
the first step that voltage is at most :math:`\max(v_{\text{peak}}, v_{\text{reset}})`
and the exponential stays finite while :math:`(v_{\text{peak}} - v_{\text{th}})/\Delta_T`
is below 88 (float32; 709 in float64). Near the cut, though,
one Euler step may carry :math:`v'` far beyond :math:`v_{\text{peak}}` — to
:math:`+\infty` when :math:`\Delta t/\tau_{\text{mem}}` is large or
:math:`\Delta_T` small — which is the model's divergence, i.e. a spike. The
reset therefore *selects* :math:`v_{\text{reset}}` instead of forming
``lif_adex``'s :math:`(1 - z)\,v' + z\,v_{\text{reset}}` (equal for finite
:math:`v'`, but :math:`0 \cdot \infty` is NaN). A NaN voltage never spikes
and stays NaN.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif_adex import _adaptation_step, _voltage_step
from refsnn.numerics import heaviside, select


class AdExParameters(NamedTuple):
    """Parameters of an AdEx neuron with a spike cut.

    The defaults are ``lif_adex``'s (Norse's; dimensionless voltage, seconds)
    with the cut five slope factors above the threshold,
    :math:`v_{\\text{peak}} = v_{\\text{th}} + 5\\,\\Delta_T`, where the
    exponential term is :math:`e^5 \\approx 150` times :math:`\\Delta_T`.

    Attributes
    ----------
    adaptation_current : coupling :math:`a_{\\text{current}} = a/g_L` of the adaptation to
        the voltage
    adaptation_spike : jump :math:`a_{\\text{spike}} = b/g_L` of the adaptation at each spike
    delta_T : slope factor :math:`\\Delta_T` of the exponential run-away (> 0)
    tau_ada_inv : inverse adaptation time constant :math:`1/\\tau_{\\text{ada}}`
    tau_syn_inv : inverse synaptic time constant :math:`1/\\tau_{\\text{syn}}`
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}} = g_L/C`
    v_leak : leak potential :math:`E_L`
    v_th : centre :math:`V_T` of the exponential (the soft threshold)
    v_peak : spike cut :math:`V_{\\text{peak}}`: a spike when the voltage exceeds it
    v_reset : potential :math:`V_r` after a spike
    """

    adaptation_current: float | np.ndarray = 4.0
    adaptation_spike: float | np.ndarray = 0.02
    delta_T: float | np.ndarray = 0.5
    tau_ada_inv: float | np.ndarray = 2.0
    tau_syn_inv: float | np.ndarray = 1.0 / 5e-3
    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_peak: float | np.ndarray = 3.5
    v_reset: float | np.ndarray = 0.0


class AdExState(NamedTuple):
    """State of a recurrent AdEx layer.

    Last spikes ``z``, voltage ``v``, synaptic current ``i``, adaptation ``a``.
    """

    z: np.ndarray
    v: np.ndarray
    i: np.ndarray
    a: np.ndarray


class AdExFeedForwardState(NamedTuple):
    """State of a feed-forward AdEx layer: voltage ``v``, current ``i``, adaptation ``a``."""

    v: np.ndarray
    i: np.ndarray
    a: np.ndarray


def _adex_update(i_new, v, a, p, dt):
    """Steps 2-7 of the module docstring; returns (z, v, i, a) after the step."""
    v_decayed = _voltage_step(v, i_new, a, p, dt)
    di = -dt * p.tau_syn_inv * i_new
    i_decayed = i_new + di
    a_decayed = _adaptation_step(v, a, p, dt)
    z_new = heaviside(v_decayed - p.v_peak)
    v_new = select(z_new > 0, p.v_reset, v_decayed)
    a_new = a_decayed + z_new * p.adaptation_spike
    return z_new, v_new, i_decayed, a_new


def adex_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, AdExFeedForwardState)``.

    Every backend runs this arithmetic (the module docstring's steps 1-7).
    """
    z_new, v_new, i_new, a_new = _adex_update(state.i + input_current, state.v, state.a, p, dt)
    return z_new, AdExFeedForwardState(v=v_new, i=i_new, a=a_new)


def adex_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`adex_feed_forward_update` with drives :math:`W_{\text{in}} x` and
    :math:`W_{\text{rec}} z_{t-1}`."""
    z_new, v_new, i_new, a_new = _adex_update(state.i + input_drive + recurrent_drive,
                                              state.v, state.a, p, dt)
    return z_new, AdExState(z=z_new, v=v_new, i=i_new, a=a_new)


def adex_feed_forward_step(
    input_spikes: np.ndarray,
    state: AdExFeedForwardState = AdExFeedForwardState(0.0, 0.0, 0.0),
    p: AdExParameters = AdExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, AdExFeedForwardState]:
    r"""One Euler step of a feed-forward AdEx layer with a spike cut.

    Parameters
    ----------
    input_spikes : array
        Input current added to :math:`i` this step (already weighted).
    state : AdExFeedForwardState
        Defaults to rest at zero (a float32 run).
    p : AdExParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype): :math:`v' > v_{\text{peak}}`.
    state : AdExFeedForwardState
    """
    (x,), s, p, dt = prepare({"input_spikes": input_spikes}, state,
                             AdExFeedForwardState, p, AdExParameters, dt)
    check_neuron_shape(p, x, s.v, s.i, s.a)
    return adex_feed_forward_update(s, x, p, dt)


def adex_step(
    input_spikes: np.ndarray,
    state: AdExState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: AdExParameters = AdExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, AdExState]:
    r"""One Euler step of a recurrently connected AdEx layer with a spike cut.

    The current jumps by :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`
    before the update of the module docstring.

    Parameters
    ----------
    input_spikes : array, shape ``(..., n_in)``
    state : AdExState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : AdExParameters
    dt : float

    Returns
    -------
    z : array
        Spikes, shape ``(..., n)``.
    state : AdExState
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_spikes": input_spikes}, state, AdExState, p, AdExParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_spikes", "input_weights")
    recurrent_drive = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.v, s.i, s.a)
    return adex_recurrent_update(s, input_drive, recurrent_drive, p, dt)
