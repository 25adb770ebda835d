r"""LIF neurons with an absolute refractory period.

Model
-----
The LIF neuron of :mod:`refsnn.functional.lif` plus a refractory counter
:math:`\rho`. A spike sets :math:`\rho = \rho_{\text{reset}}`; while
:math:`\rho > 0` the neuron is refractory: it cannot spike, its voltage is
held where it was, and :math:`\rho` counts down by one per step. The
synaptic current keeps integrating its input throughout:

.. math::
    \tau_{\text{mem}} \dot v = (1 - H(\rho))\,(v_{\text{leak}} - v + i), \qquad
    \tau_{\text{syn}} \dot i = -i.

With an integer :math:`\rho_{\text{reset}} = n` a neuron is silent for
exactly :math:`n` steps after each spike (a non-integer value acts as its
ceiling), so the refractory time is :math:`n\,\Delta t`.

Update of one step, in this order:

1. LIF step: :math:`(z, v', i') =` one step of
   :func:`~refsnn.functional.lif.lif_feed_forward_step` (or
   :func:`~refsnn.functional.lif.lif_step`) from :math:`(v, i)`;
2. refractory mask: :math:`r = H(\rho)`, 1 while the neuron is refractory;
3. hold the voltage: :math:`v'' = (1 - r)\,v' + r\,v`;
4. suppress spikes: :math:`z' = (1 - r)\,z`;
5. counter: :math:`\rho' = (1 - z')\,\max(\rho - r, 0) + z'\,\rho_{\text{reset}}`.

Steps 2-5 are shared with :mod:`refsnn.functional.lif_adex_refrac`.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn import _checks
from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif import (
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    _lif_update,
)
from refsnn.numerics import complement, heaviside, relu


class LIFRefracParameters(NamedTuple):
    """Parameters of a LIF neuron with an absolute refractory period.

    Attributes
    ----------
    lif : LIFParameters
        Parameters of the LIF dynamics.
    rho_reset : refractory period in steps (the counter's value after a spike)
    """

    lif: LIFParameters = LIFParameters()
    rho_reset: float | np.ndarray = 5.0


class LIFRefracState(NamedTuple):
    """State of a recurrent refractory LIF layer: the LIF state and the counter ``rho``."""

    lif: LIFState
    rho: np.ndarray


class LIFRefracFeedForwardState(NamedTuple):
    """State of a feed-forward refractory LIF layer: the LIF state and the counter ``rho``."""

    lif: LIFFeedForwardState
    rho: np.ndarray


def _refractory_update(rho, v_held, z_new, v_new, rho_reset):
    """Steps 2-5 of the module docstring on plain arrays; returns (v, z, rho)."""
    refractory = heaviside(rho)
    v = complement(refractory) * v_new + refractory * v_held
    z = complement(refractory) * z_new
    rho_new = complement(z) * relu(rho - refractory) + z * rho_reset
    return v, z, rho_new


def lif_refrac_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, LIFRefracFeedForwardState)`` (every backend's arithmetic)."""
    z_lif, v_lif, i_new = _lif_update(state.lif.i + input_current, state.lif.v, p.lif, dt)
    v_new, z_new, rho_new = _refractory_update(state.rho, state.lif.v, z_lif, v_lif, p.rho_reset)
    return z_new, LIFRefracFeedForwardState(LIFFeedForwardState(v=v_new, i=i_new), rho_new)


def lif_refrac_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`lif_refrac_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z_lif, v_lif, i_new = _lif_update(state.lif.i + input_drive + recurrent_drive,
                                      state.lif.v, p.lif, dt)
    v_new, z_new, rho_new = _refractory_update(state.rho, state.lif.v, z_lif, v_lif, p.rho_reset)
    return z_new, LIFRefracState(LIFState(z=z_new, v=v_new, i=i_new), rho_new)


def _cast_refractory_arguments(state, state_types, p, parameters_type, z_new, v_new):
    """Type-check and cast the arguments of a ``compute_refractory_update``."""
    if not isinstance(state, state_types):
        expected = " or ".join(t.__name__ for t in state_types)
        raise TypeError(f"state must be a {expected}, got {type(state).__name__}")
    _checks.check_type(p, parameters_type, "p")
    dtype = _checks.state_dtype(state)
    state = _checks.cast_tree(state, dtype, "state")
    p = _checks.cast_tree(p, dtype, "p")
    z_new = _checks.as_input(z_new, dtype, "z_new")
    v_new = _checks.as_input(v_new, dtype, "v_new")
    return state, p, z_new, v_new


def compute_refractory_update(
    state: LIFRefracState | LIFRefracFeedForwardState,
    z_new: np.ndarray,
    v_new: np.ndarray,
    p: LIFRefracParameters = LIFRefracParameters(),
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Apply the refractory period to the result of a LIF step.

    Parameters
    ----------
    state : LIFRefracState or LIFRefracFeedForwardState
        The state *before* the LIF step (its voltage is the one held).
    z_new, v_new : arrays
        Spikes and voltage computed by the LIF step.
    p : LIFRefracParameters

    Returns
    -------
    v, z, rho : arrays
        Voltage (held where refractory), spikes (suppressed where refractory)
        and the updated counter.
    """
    state, p, z_new, v_new = _cast_refractory_arguments(
        state, (LIFRefracState, LIFRefracFeedForwardState), p, LIFRefracParameters,
        z_new, v_new,
    )
    return _refractory_update(state.rho, state.lif.v, z_new, v_new, p.rho_reset)


def lif_refrac_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFRefracFeedForwardState,
    p: LIFRefracParameters = LIFRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFRefracFeedForwardState]:
    r"""One Euler step of a feed-forward LIF layer with a refractory period.

    Parameters
    ----------
    input_tensor : array
        Input current added to :math:`i` this step (already weighted).
    state : LIFRefracFeedForwardState
    p : LIFRefracParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (none from refractory neurons).
    state : LIFRefracFeedForwardState
    """
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                             LIFRefracFeedForwardState, p, LIFRefracParameters, dt)
    check_neuron_shape(p, x, s.lif.v, s.lif.i, s.rho)
    return lif_refrac_feed_forward_update(s, x, p, dt)


def lif_refrac_step(
    input_tensor: np.ndarray,
    state: LIFRefracState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFRefracParameters = LIFRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFRefracState]:
    r"""One Euler step of a recurrently connected LIF layer with a refractory period.

    The recurrent input is the previous step's *emitted* spikes
    (``state.lif.z``, refractory suppression included).

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LIFRefracState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LIFRefracParameters
    dt : float
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFRefracState, p, LIFRefracParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_tensor", "input_weights")
    recurrent_drive = linear(s.lif.z, w_rec, "state.lif.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.lif.v, s.lif.i, s.rho)
    return lif_refrac_recurrent_update(s, input_drive, recurrent_drive, p, dt)
