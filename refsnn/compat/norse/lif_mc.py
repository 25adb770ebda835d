r"""Norse-exact recurrent multi-compartment LIF step.

Norse 1.1.0 integrates the coupling term :math:`\Delta t\,G v` at two
different points: ``lif_mc_feed_forward_step`` adds it to the voltage
*before* the LIF step (as the reference does for both variants), while
``lif_mc_step`` runs the LIF step first and then adds
:math:`\Delta t\,G v''` computed from, and added to, the post-reset voltage
:math:`v''`. Consequences: a neuron that spiked ends the step at
:math:`v_{\text{reset}} + \Delta t\,(G v'')_k` instead of
:math:`v_{\text{reset}}`; the coupling of a step acts on the voltage only
after that step's threshold test (one step late); and the recurrent and
feed-forward variants give different trajectories for the same input.
This module reproduces ``lif_mc_step``; the feed-forward step agrees with
:func:`refsnn.functional.lif_mc.lif_mc_feed_forward_step`.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif import LIFParameters, LIFState, _lif_update
from refsnn.functional.lif_mc import coupling_drive


def lif_mc_step(
    input_tensor: np.ndarray,
    state: LIFState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    g_coupling: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFState]:
    """:func:`refsnn.functional.lif_mc.lif_mc_step`, coupling applied after the LIF step."""
    (x, w_in, w_rec, g), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFState, p, LIFParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights,
                 "g_coupling": g_coupling},
    )
    coupling_drive(s.v, g)  # validates g_coupling before anything runs
    i_jump = (
        s.i
        + linear(x, w_in, "input_tensor", "input_weights")
        + linear(s.z, w_rec, "state.z", "recurrent_weights")
    )
    check_neuron_shape(p, i_jump, s.v)
    z_new, v_lif, i_new = _lif_update(i_jump, s.v, p, dt)
    v_new = v_lif + dt * coupling_drive(v_lif, g)
    return z_new, LIFState(z=z_new, v=v_new, i=i_new)
