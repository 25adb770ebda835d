r"""Norse-exact recurrent COBA LIF step.

Norse 1.1.0's ``coba_lif_step`` (and the ``CobaLIFCell`` built on it)
documents the conductance jumps

.. math::
    g_e \leftarrow g_e + \mathrm{relu}(W_{\text{in}})\,x + \mathrm{relu}(W_{\text{rec}})\,z_{t-1}

(likewise :math:`g_i` with :math:`\mathrm{relu}(-W)`), but its code assigns
the input jumps to ``g_e``/``g_i`` and then overwrites them with
``state.g_e + recurrent jump``. The input term is computed and discarded:
input spikes never change the conductances, so a recurrent COBA layer that
starts silent stays silent whatever its input. The reference
:func:`refsnn.functional.coba_lif.coba_lif_step` adds both jumps; this
variant reproduces Norse (the input weights still have their shape checked,
since Norse evaluates the product). The feed-forward step has no such
problem and needs no variant.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.numerics import relu
from refsnn.functional.coba_lif import (
    CobaLIFParameters,
    CobaLIFState,
    _coba_update,
)


def coba_lif_step(
    input_spikes: np.ndarray,
    state: CobaLIFState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: CobaLIFParameters = CobaLIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, CobaLIFState]:
    """:func:`refsnn.functional.coba_lif.coba_lif_step` without the input jump, as in Norse."""
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_spikes": input_spikes}, state, CobaLIFState, p, CobaLIFParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    linear(x, w_in, "input_spikes", "input_weights")  # evaluated by Norse, then discarded
    g_e = s.g_e + linear(s.z, relu(w_rec), "state.z", "recurrent_weights")
    g_i = s.g_i + linear(s.z, relu(-w_rec), "state.z", "recurrent_weights")
    check_neuron_shape(p, g_e, g_i, s.v)
    z_new, v_new, g_e, g_i = _coba_update(g_e, g_i, s.v, p, dt)
    return z_new, CobaLIFState(z=z_new, v=v_new, g_e=g_e, g_i=g_i)
