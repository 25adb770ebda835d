r"""Adaptive exponential LIF (AdEx) neurons with an absolute refractory period.

Model
-----
The AdEx neuron of :mod:`refsnn.functional.lif_adex` with the refractory
counter :math:`\rho` of :mod:`refsnn.functional.lif_refrac`: a spike sets
:math:`\rho = \rho_{\text{reset}}`; while :math:`\rho > 0` the neuron cannot
spike, its voltage is held and :math:`\rho` counts down by one per step. The
synaptic current and the adaptation keep evolving (the adaptation from the
held voltage):

.. math::
    \dot v &= \frac{1 - H(\rho)}{\tau_{\text{mem}}}\left(v_{\text{leak}} - v + i
             + \Delta_T \exp\!\left(\frac{v - v_{\text{th}}}{\Delta_T}\right) - a\right), \\
    \dot i &= -\frac{1}{\tau_{\text{syn}}}\, i, \qquad
    \dot a = \frac{1}{\tau_{\text{ada}}}\left(a_{\text{current}}\,(v - v_{\text{leak}}) - a\right).

Update of one step, in this order:

1. AdEx step without the spike-triggered jump: steps 1-6 of
   :mod:`refsnn.functional.lif_adex`, giving :math:`(z, v', i', a')`;
2. refractory mask :math:`r = H(\rho)`, held voltage
   :math:`v'' = (1 - r)\,v' + r\,v`, emitted spikes :math:`z' = (1 - r)\,z`,
   counter :math:`\rho' = (1 - z')\,\max(\rho - r, 0) + z'\,\rho_{\text{reset}}`
   (shared with :mod:`refsnn.functional.lif_refrac`);
3. spike-triggered adaptation for the emitted spikes:
   :math:`a'' = a' + z'\,a_{\text{spike}}`.

Step 3 uses the emitted spikes :math:`z'`: a threshold crossing suppressed
by refractoriness is not a spike and does not raise the adaptation. Norse
applies the jump inside its AdEx step, before the suppression, so its
adaptation also jumps at suppressed crossings (see
:mod:`refsnn.compat.norse.lif_adex_refrac`). Outside refractory periods the
two agree bit for bit.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif_adex import (
    LIFAdExFeedForwardState,
    LIFAdExParameters,
    LIFAdExState,
    _lif_adex_update_without_jump,
)
from refsnn.functional.lif_refrac import _cast_refractory_arguments, _refractory_update


class LIFAdExRefracParameters(NamedTuple):
    """Parameters of an AdEx neuron with an absolute refractory period.

    Attributes
    ----------
    lif_adex : LIFAdExParameters
        Parameters of the AdEx dynamics.
    rho_reset : refractory period in steps (the counter's value after a spike)
    """

    lif_adex: LIFAdExParameters = LIFAdExParameters()
    rho_reset: float | np.ndarray = 5.0


class LIFAdExRefracState(NamedTuple):
    """State of a recurrent refractory AdEx layer: the AdEx state and the counter ``rho``."""

    lif_adex: LIFAdExState
    rho: np.ndarray


class LIFAdExRefracFeedForwardState(NamedTuple):
    """State of a feed-forward refractory AdEx layer: the AdEx state and the counter ``rho``."""

    lif_adex: LIFAdExFeedForwardState
    rho: np.ndarray


def compute_refractory_update(
    state: LIFAdExRefracState | LIFAdExRefracFeedForwardState,
    z_new: np.ndarray,
    v_new: np.ndarray,
    p: LIFAdExRefracParameters = LIFAdExRefracParameters(),
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Apply the refractory period to the result of an AdEx step.

    Parameters
    ----------
    state : LIFAdExRefracState or LIFAdExRefracFeedForwardState
        The state *before* the AdEx step (its voltage is the one held).
    z_new, v_new : arrays
        Spikes and voltage computed by the AdEx step.
    p : LIFAdExRefracParameters

    Returns
    -------
    v, z, rho : arrays
        Voltage (held where refractory), spikes (suppressed where refractory)
        and the updated counter.
    """
    state, p, z_new, v_new = _cast_refractory_arguments(
        state, (LIFAdExRefracState, LIFAdExRefracFeedForwardState),
        p, LIFAdExRefracParameters, z_new, v_new,
    )
    return _refractory_update(state.rho, state.lif_adex.v, z_new, v_new, p.rho_reset)


def _lif_adex_refrac_update(state, i_new, p, dt):
    """The AdEx step without its spike jump, refractoriness, then the jump: (z, v, i, a, rho)."""
    s = state.lif_adex
    z_adex, v_adex, i_decayed, a_decayed = _lif_adex_update_without_jump(i_new, s.v, s.a,
                                                                         p.lif_adex, dt)
    v_new, z_new, rho_new = _refractory_update(state.rho, s.v, z_adex, v_adex, p.rho_reset)
    a_new = a_decayed + z_new * p.lif_adex.adaptation_spike
    return z_new, v_new, i_decayed, a_new, rho_new


def lif_adex_refrac_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, LIFAdExRefracFeedForwardState)`` (every backend's arithmetic)."""
    z, v, i, a, rho = _lif_adex_refrac_update(state, state.lif_adex.i + input_current, p, dt)
    return z, LIFAdExRefracFeedForwardState(LIFAdExFeedForwardState(v=v, i=i, a=a), rho)


def lif_adex_refrac_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`lif_adex_refrac_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z, v, i, a, rho = _lif_adex_refrac_update(
        state, state.lif_adex.i + input_drive + recurrent_drive, p, dt)
    return z, LIFAdExRefracState(LIFAdExState(z=z, v=v, i=i, a=a), rho)


def lif_adex_refrac_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFAdExRefracFeedForwardState,
    p: LIFAdExRefracParameters = LIFAdExRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFAdExRefracFeedForwardState]:
    r"""One Euler step of a feed-forward AdEx layer with a refractory period.

    Parameters
    ----------
    input_tensor : array
        Input current added to :math:`i` this step (already weighted).
    state : LIFAdExRefracFeedForwardState
    p : LIFAdExRefracParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (none from refractory neurons).
    state : LIFAdExRefracFeedForwardState
    """
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                             LIFAdExRefracFeedForwardState, p, LIFAdExRefracParameters, dt)
    check_neuron_shape(p, x, s.lif_adex.v, s.lif_adex.i, s.lif_adex.a, s.rho)
    return lif_adex_refrac_feed_forward_update(s, x, p, dt)


def lif_adex_refrac_step(
    input_tensor: np.ndarray,
    state: LIFAdExRefracState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFAdExRefracParameters = LIFAdExRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFAdExRefracState]:
    r"""One Euler step of a recurrently connected AdEx layer with a refractory period.

    The recurrent input is the previous step's *emitted* spikes
    (``state.lif_adex.z``).

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LIFAdExRefracState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LIFAdExRefracParameters
    dt : float
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFAdExRefracState,
        p, LIFAdExRefracParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_tensor", "input_weights")
    recurrent_drive = linear(s.lif_adex.z, w_rec, "state.lif_adex.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.lif_adex.v, s.lif_adex.i,
                       s.lif_adex.a, s.rho)
    return lif_adex_refrac_recurrent_update(s, input_drive, recurrent_drive, p, dt)
