r"""Multi-compartment LIF neurons with an absolute refractory period.

Model
-----
The coupled compartments of :mod:`refsnn.functional.lif_mc`,

.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i) + G v,
    \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i ,

with the refractory period of :mod:`refsnn.functional.lif_refrac`: a spike
sets the counter :math:`\rho = \rho_{\text{reset}}`; while :math:`\rho > 0`
the compartment cannot spike, its voltage is held, and :math:`\rho` counts
down by one per step. The synaptic current keeps integrating.

Update of one step, in this order:

1. multi-compartment LIF step: :math:`(z, v', i') =` one step of
   :func:`~refsnn.functional.lif_mc.lif_mc_feed_forward_step` (or
   :func:`~refsnn.functional.lif_mc.lif_mc_step`) from :math:`(v, i)`:
   coupling :math:`v_c = v + \Delta t\,G v`, current jump, voltage, current
   decay, spike, reset;
2. refractory mask: :math:`r = H(\rho)`;
3. hold the voltage: :math:`v'' = (1 - r)\,v' + r\,v`;
4. suppress spikes: :math:`z' = (1 - r)\,z`;
5. counter: :math:`\rho' = (1 - z')\,\max(\rho - r, 0) + z'\,\rho_{\text{reset}}`.

Steps 2-5 are :func:`refsnn.functional.lif_refrac.compute_refractory_update`.

Norse 1.1.0's ``lif_mc_refrac_step`` and ``lif_mc_refrac_feed_forward_step``
integrate a different scheme: the coupling term :math:`G v` is added
without the factor :math:`\Delta t`; refractoriness only removes the leak
and current terms from :math:`\dot v`, so the voltage is not held and a
refractory neuron can still spike (its counter restarting); and the input
current is added after the voltage update, reaching the voltage one step
later than in the LIF models. :mod:`refsnn.compat.norse.lif_mc_refrac`
reproduces that scheme.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif import LIFFeedForwardState, LIFState, _lif_update
from refsnn.functional.lif_mc import coupling_drive
from refsnn.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
    _refractory_update,
)


def _lif_mc_refrac_update(state, i_new, coupling, p, dt):
    """Coupling and LIF step (:mod:`.lif_mc`), then refractoriness: (z, v, i, rho)."""
    s = state.lif
    z_mc, v_mc, i_decayed = _lif_update(i_new, s.v + dt * coupling, p.lif, dt)
    v_new, z_new, rho_new = _refractory_update(state.rho, s.v, z_mc, v_mc, p.rho_reset)
    return z_new, v_new, i_decayed, rho_new


def lif_mc_refrac_feed_forward_update(state, input_current, coupling, p, dt):
    """One step from validated arguments, ``coupling`` being :math:`G v`; every backend's arithmetic."""
    z, v, i, rho = _lif_mc_refrac_update(state, state.lif.i + input_current, coupling, p, dt)
    return z, LIFRefracFeedForwardState(LIFFeedForwardState(v=v, i=i), rho)


def lif_mc_refrac_recurrent_update(state, input_drive, recurrent_drive, coupling, p, dt):
    r""":func:`lif_mc_refrac_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z, v, i, rho = _lif_mc_refrac_update(
        state, state.lif.i + input_drive + recurrent_drive, coupling, p, dt)
    return z, LIFRefracState(LIFState(z=z, v=v, i=i), rho)


def lif_mc_refrac_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFRefracFeedForwardState,
    g_coupling: np.ndarray,
    p: LIFRefracParameters = LIFRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFRefracFeedForwardState]:
    r"""One Euler step of a feed-forward multi-compartment LIF layer with refractoriness.

    Parameters
    ----------
    input_tensor : array, shape ``(..., n)``
        Input current added to :math:`i` this step (already weighted).
    state : LIFRefracFeedForwardState
    g_coupling : array, shape ``(n, n)``
        Coupling conductances :math:`G`.
    p : LIFRefracParameters
    dt : float

    Returns
    -------
    z : array
        Spikes (none from refractory neurons).
    state : LIFRefracFeedForwardState
    """
    (x, g), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                               LIFRefracFeedForwardState, p, LIFRefracParameters, dt,
                               weights={"g_coupling": g_coupling})
    coupling = coupling_drive(s.lif.v, g)
    check_neuron_shape(p, x, coupling, s.lif.v, s.lif.i, s.rho)
    return lif_mc_refrac_feed_forward_update(s, x, coupling, p, dt)


def lif_mc_refrac_step(
    input_tensor: np.ndarray,
    state: LIFRefracState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    g_coupling: np.ndarray,
    p: LIFRefracParameters = LIFRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFRefracState]:
    r"""One Euler step of a recurrent multi-compartment LIF layer with refractoriness.

    The recurrent input is the previous step's *emitted* spikes
    (``state.lif.z``, refractory suppression included).

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LIFRefracState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    g_coupling : array, shape ``(n, n)``
    p : LIFRefracParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : LIFRefracState
    """
    (x, w_in, w_rec, g), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFRefracState, p, LIFRefracParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights,
                 "g_coupling": g_coupling},
    )
    coupling = coupling_drive(s.lif.v, g)
    input_drive = linear(x, w_in, "input_tensor", "input_weights")
    recurrent_drive = linear(s.lif.z, w_rec, "state.lif.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, coupling, s.lif.v, s.lif.i, s.rho)
    return lif_mc_refrac_recurrent_update(s, input_drive, recurrent_drive, coupling, p, dt)
