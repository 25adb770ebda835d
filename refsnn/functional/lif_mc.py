r"""Multi-compartment LIF neurons: LIF dynamics plus linear coupling.

Model
-----
The neurons of a layer are compartments whose voltages are coupled through
a conductance matrix :math:`G` (``g_coupling``, shape ``(n, n)``). On top of
the LIF equations of :mod:`refsnn.functional.lif`, each voltage receives
the coupling term :math:`(G v)_k = \sum_j G_{kj} v_j`:

.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i) + G v,
    \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i ,

with the LIF jump condition :math:`z = H(v - v_{\text{th}})` and reset to
:math:`v_{\text{reset}}`.

Discretisation (forward Euler, step :math:`\Delta t`), in this order:

1. coupling: :math:`v_c = v + \Delta t\, G v`;
2. the LIF step of :mod:`refsnn.functional.lif` starting from :math:`v_c`:
   current jump (feed-forward :math:`i' = i + i_{\text{in}}`, recurrent
   :math:`i' = i + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`), voltage
   :math:`v' = v_c + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v_c) + i')`,
   current decay, spike :math:`z = H(v' - v_{\text{th}})`, reset
   :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`.

Both the feed-forward and the recurrent step use this order, so a neuron
that spikes ends the step at exactly :math:`v_{\text{reset}}`.

Norse 1.1.0 applies the coupling first only in the feed-forward step; its
recurrent ``lif_mc_step`` adds :math:`\Delta t\,G v` *after* the LIF step,
to the post-reset voltage, so its spiking neurons leave the step away from
:math:`v_{\text{reset}}` and its two variants integrate different schemes.
:func:`refsnn.compat.norse.lif_mc.lif_mc_step` reproduces Norse.
(Norse's ``LIFMCRecurrentCell`` docstring prints a third form,
:math:`\dot v = \tau_{\text{mem}}^{-1}(v_{\text{leak}} - G v + i)`, which
neither of its functions computes; the model above is the one both of
Norse's functions share: the LIF equation plus :math:`G v`.)
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif import (
    LIFFeedForwardState,
    LIFParameters,
    LIFState,
    _lif_update,
)


def _check_coupling(g_coupling: np.ndarray) -> None:
    """The coupling matrix maps the compartments onto themselves: it must be square."""
    if g_coupling.shape[0] != g_coupling.shape[1]:
        raise ValueError(
            f"g_coupling must be a square (n, n) matrix, got shape {g_coupling.shape}"
        )


def coupling_drive(v: np.ndarray, g_coupling: np.ndarray) -> np.ndarray:
    """:math:`G v`, the coupling term of step 1 (validated ``g_coupling``)."""
    _check_coupling(g_coupling)
    return linear(v, g_coupling, "state.v", "g_coupling")


def lif_mc_feed_forward_update(state, input_current, coupling, p, dt):
    r"""One step from validated arguments, ``coupling`` being :math:`G v`.

    Step 1 (:math:`v_c = v + \Delta t\, G v`), then the LIF update with
    :math:`v_c`; returns ``(z, LIFFeedForwardState)``. Every backend's arithmetic.
    """
    z_new, v_new, i_new = _lif_update(state.i + input_current, state.v + dt * coupling, p, dt)
    return z_new, LIFFeedForwardState(v=v_new, i=i_new)


def lif_mc_recurrent_update(state, input_drive, recurrent_drive, coupling, p, dt):
    r""":func:`lif_mc_feed_forward_update` with :math:`W_{\text{in}} x` and :math:`W_{\text{rec}} z_{t-1}`."""
    z_new, v_new, i_new = _lif_update(state.i + input_drive + recurrent_drive,
                                      state.v + dt * coupling, p, dt)
    return z_new, LIFState(z=z_new, v=v_new, i=i_new)


def lif_mc_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFFeedForwardState,
    g_coupling: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFFeedForwardState]:
    r"""One Euler step of a feed-forward multi-compartment LIF layer.

    Parameters
    ----------
    input_tensor : array, shape ``(..., n)``
        Input current added to :math:`i` this step (already weighted).
    state : LIFFeedForwardState
        Fields of shape ``(..., n)``.
    g_coupling : array, shape ``(n, n)``
        Coupling conductances :math:`G`; compartment ``k`` receives
        :math:`\sum_j G_{kj} v_j`.
    p : LIFParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : LIFFeedForwardState
    """
    (x, g), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                               LIFFeedForwardState, p, LIFParameters, dt,
                               weights={"g_coupling": g_coupling})
    coupling = coupling_drive(s.v, g)
    check_neuron_shape(p, x, coupling, s.v, s.i)
    return lif_mc_feed_forward_update(s, x, coupling, p, dt)


def lif_mc_step(
    input_tensor: np.ndarray,
    state: LIFState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    g_coupling: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFState]:
    r"""One Euler step of a recurrently connected multi-compartment LIF layer.

    The coupling :math:`v_c = v + \Delta t\,G v` comes first, then the LIF
    step with the current jump :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`.

    Parameters
    ----------
    input_tensor : array, shape ``(..., n_in)``
    state : LIFState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    g_coupling : array, shape ``(n, n)``
    p : LIFParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : LIFState
    """
    (x, w_in, w_rec, g), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFState, p, LIFParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights,
                 "g_coupling": g_coupling},
    )
    coupling = coupling_drive(s.v, g)
    input_drive = linear(x, w_in, "input_tensor", "input_weights")
    recurrent_drive = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, coupling, s.v, s.i)
    return lif_mc_recurrent_update(s, input_drive, recurrent_drive, coupling, p, dt)
