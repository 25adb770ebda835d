r"""Norse-exact adaptive-current LIF step (``ada_lif_step``).

Norse 1.1.0 documents ``ada_lif_step`` with the value reset
:math:`v \leftarrow (1 - z)\,v + z\,v_{\text{reset}}` but computes the
subtractive reset :math:`v \leftarrow v - z\,(v_{\text{th}} - v_{\text{reset}})`.
A spiking neuron therefore lands at
:math:`v_{\text{reset}} + (v - v_{\text{th}})`, above :math:`v_{\text{reset}}`
by however far the step overshot the threshold, so strongly driven neurons
keep part of their overshoot and fire faster than the documented model.
The reference :func:`refsnn.functional.lsnn.ada_lif_step` implements the
documented reset; this variant reproduces Norse. (Norse's docstring also prints
:math:`+b` in :math:`\dot v`; both its code and the reference use
:math:`-b`, the sign that makes the adaptation inhibit.)

``lsnn_step`` and ``lsnn_feed_forward_step`` agree with Norse's code and
need no variant.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lsnn import LSNNParameters, LSNNState
from refsnn.functional.threshold import heaviside


def ada_lif_step(
    input_tensor: np.ndarray,
    state: LSNNState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LSNNParameters = LSNNParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LSNNState]:
    """:func:`refsnn.functional.lsnn.ada_lif_step` with Norse's subtractive reset."""
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LSNNState, p, LSNNParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    jump = (linear(x, w_in, "input_tensor", "input_weights"),
            linear(s.z, w_rec, "state.z", "recurrent_weights"))
    check_neuron_shape(p, s.v, s.i, s.b, *jump)
    dv = dt * p.tau_mem_inv * ((p.v_leak - s.v) + s.i - s.b)
    v_decayed = s.v + dv
    di = -dt * p.tau_syn_inv * s.i
    i_decayed = s.i + di
    db = -dt * p.tau_adapt_inv * s.b
    b_decayed = s.b + db
    z_new = heaviside(v_decayed - p.v_th)
    v_new = v_decayed - z_new * (p.v_th - p.v_reset)
    b_new = b_decayed + z_new * p.beta
    i_new = i_decayed + jump[0] + jump[1]
    return z_new, LSNNState(z=z_new, v=v_new, i=i_new, b=b_new)
