r"""Box leaky integrate-and-fire neurons: LIF without a synaptic current.

Model
-----
.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i)

The input :math:`i` drives the voltage directly during the step in which it
arrives (a "box" of current), instead of jumping a decaying synaptic current
as in :mod:`refsnn.functional.lif`. A spike :math:`z = H(v - v_{\text{th}})`
is emitted when the voltage exceeds the threshold; the voltage is then reset
by ``p.reset_method`` (:func:`~refsnn.functional.reset.reset_value` sets it to
:math:`v_{\text{reset}}`, :func:`~refsnn.functional.reset.reset_subtract`
lowers it by :math:`v_{\text{th}}`).

Discretisation (forward Euler, step :math:`\Delta t`), in this order:

1. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((x + v_{\text{leak}}) - v)`;
2. spike: :math:`z = H(v' - v_{\text{th}})`;
3. reset: :math:`v'' = \text{reset\_method}(z, v', v_{\text{reset}}, v_{\text{th}})`.

Only a feed-forward step exists (as in Norse); a recurrent layer is built by
feeding weighted spikes in as ``input_tensor``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, prepare
from refsnn.functional.reset import reset_subtract, reset_value
from refsnn.numerics import heaviside


class LIFBoxParameters(NamedTuple):
    """Parameters of a box LIF neuron.

    Attributes
    ----------
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}}`
    v_leak : leak potential
    v_th : spike threshold
    v_reset : potential after a spike (used by :func:`reset_value`)
    reset_method : callable ``(z, v, v_reset, v_th) -> v`` applied after a spike
    """

    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0
    reset_method: Callable = reset_value


class LIFBoxState(NamedTuple):
    """State of a recurrent box LIF layer: last spikes ``z`` and voltage ``v``."""

    z: np.ndarray
    v: np.ndarray


class LIFBoxFeedForwardState(NamedTuple):
    """State of a feed-forward box LIF layer: voltage ``v``."""

    v: np.ndarray


def lif_box_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFBoxFeedForwardState,
    p: LIFBoxParameters = LIFBoxParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFBoxFeedForwardState]:
    r"""One Euler step of a feed-forward box LIF layer.

    .. math::
        v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((x + v_{\text{leak}}) - v), \quad
        z = H(v' - v_{\text{th}}), \quad
        v'' = \text{reset\_method}(z, v', v_{\text{reset}}, v_{\text{th}})

    Parameters
    ----------
    input_tensor : array
        Input current of this step (already weighted).
    state : LIFBoxFeedForwardState
    p : LIFBoxParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype).
    state : LIFBoxFeedForwardState
    """
    if isinstance(p, LIFBoxParameters) and not callable(p.reset_method):
        raise TypeError(
            "p.reset_method must be a callable (z, v, v_reset, v_th) -> v such as "
            f"reset_value or reset_subtract, got {type(p.reset_method).__name__}"
        )
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                             LIFBoxFeedForwardState, p, LIFBoxParameters, dt)
    check_neuron_shape(p, x, s.v)
    return lif_box_feed_forward_update(s, x, p, dt)


def _lif_box_decay(v, input_current, p, dt):
    """The Euler step and the threshold: ``(z, v')`` before the reset."""
    dv = dt * p.tau_mem_inv * (input_current + p.v_leak - v)
    v_decayed = v + dv
    return heaviside(v_decayed - p.v_th), v_decayed


def lif_box_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments, resetting with ``p.reset_method``.

    Returns ``(z, LIFBoxFeedForwardState)``. Compiled backends, which cannot
    call a Python callable, run :data:`UPDATES_BY_RESET` instead.
    """
    z_new, v_decayed = _lif_box_decay(state.v, input_current, p, dt)
    return z_new, LIFBoxFeedForwardState(v=p.reset_method(z_new, v_decayed, p.v_reset, p.v_th))


def _value_reset_update(state, input_current, p, dt):
    z_new, v_decayed = _lif_box_decay(state.v, input_current, p, dt)
    return z_new, LIFBoxFeedForwardState(v=reset_value(z_new, v_decayed, p.v_reset, p.v_th))


def _subtract_reset_update(state, input_current, p, dt):
    z_new, v_decayed = _lif_box_decay(state.v, input_current, p, dt)
    return z_new, LIFBoxFeedForwardState(v=reset_subtract(z_new, v_decayed, p.v_reset, p.v_th))


#: :func:`lif_box_feed_forward_update` with the reset bound, for compiled backends.
UPDATES_BY_RESET = {reset_value: _value_reset_update, reset_subtract: _subtract_reset_update}
