r"""Integrate-and-fire (IAF) neurons: a perfect integrator with a threshold.

Model
-----
The membrane voltage :math:`v` has no leak and no synaptic current: between
inputs it stays where it is, and every input is added to it at once,

.. math::
    \dot v = 0 \ \text{between inputs}, \qquad v \leftarrow v + x \ \text{at each step}.

A spike :math:`z = H(v - v_{\text{th}})` is emitted when the
voltage exceeds the threshold, after which the voltage is set to
:math:`v_{\text{reset}}`.

Update of one step, in this order (``dt`` is accepted for a common signature
but does not enter the arithmetic):

1. voltage jump: :math:`v' = v + x` (recurrent form:
   :math:`v' = v + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`);
2. spike: :math:`z = H(v' - v_{\text{th}})`;
3. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`.

Norse's docstring writes the ODE as :math:`\dot v = v`, which would be
exponential growth; its code (and the name) is the perfect integrator above.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.numerics import complement, heaviside


class IAFParameters(NamedTuple):
    """Parameters of an integrate-and-fire neuron.

    Attributes
    ----------
    v_th : spike threshold
    v_reset : potential after a spike
    """

    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0


class IAFState(NamedTuple):
    """State of a recurrent IAF layer: last spikes ``z`` and voltage ``v``."""

    z: np.ndarray
    v: np.ndarray


class IAFFeedForwardState(NamedTuple):
    """State of a feed-forward IAF layer: voltage ``v``."""

    v: np.ndarray


def _iaf_update(v_jumped, p):
    """Steps 2-3 of the module docstring; returns (z, v) after the step."""
    z_new = heaviside(v_jumped - p.v_th)
    v_new = complement(z_new) * v_jumped + z_new * p.v_reset
    return z_new, v_new


def iaf_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, IAFFeedForwardState)`` (every backend's arithmetic)."""
    z_new, v_new = _iaf_update(state.v + input_current, p)
    return z_new, IAFFeedForwardState(v=v_new)


def iaf_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`iaf_feed_forward_update` with :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`."""
    z_new, v_new = _iaf_update(state.v + input_drive + recurrent_drive, p)
    return z_new, IAFState(z=z_new, v=v_new)


def iaf_feed_forward_step(
    input_spikes: np.ndarray,
    state: IAFFeedForwardState,
    p: IAFParameters = IAFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, IAFFeedForwardState]:
    r"""One step of a feed-forward IAF layer.

    .. math::
        v' = v + x, \quad z = H(v' - v_{\text{th}}), \quad
        v'' = (1 - z)\,v' + z\,v_{\text{reset}}

    Parameters
    ----------
    input_spikes : array
        Input added to the voltage this step (already weighted).
    state : IAFFeedForwardState
    p : IAFParameters
    dt : float
        Time step; validated but unused (the model has no time constant).

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype).
    state : IAFFeedForwardState
        The state after the step.
    """
    (x,), s, p, dt = prepare({"input_spikes": input_spikes}, state,
                             IAFFeedForwardState, p, IAFParameters, dt)
    check_neuron_shape(p, x, s.v)
    return iaf_feed_forward_update(s, x, p, dt)


def iaf_step(
    input_spikes: np.ndarray,
    state: IAFState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: IAFParameters = IAFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, IAFState]:
    r"""One step of a recurrently connected IAF layer.

    .. math::
        v' = v + W_{\text{in}} x + W_{\text{rec}} z_{t-1}, \quad
        z = H(v' - v_{\text{th}}), \quad
        v'' = (1 - z)\,v' + z\,v_{\text{reset}}

    Parameters
    ----------
    input_spikes : array, shape ``(..., n_in)``
    state : IAFState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : IAFParameters
    dt : float
        Time step; validated but unused.

    Returns
    -------
    z : array
        Spikes.
    state : IAFState
        The state after the step (``z`` is also the new recurrent input).
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_spikes": input_spikes}, state, IAFState, p, IAFParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_spikes", "input_weights")
    recurrent_drive = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.v)
    return iaf_recurrent_update(s, input_drive, recurrent_drive, p, dt)
