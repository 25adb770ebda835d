"""Norse-exact adaptive exponential LIF current encoder.

Norse's ``lif_adex_current_encoder`` documents the AdEx equations (the same
as for ``lif_adex_feed_forward_step``) but departs from them in two ways:

1. Adaptation. The documented update is a forward-Euler step of
   :math:`\\dot a = \\tau_{\\text{ada}}^{-1}(a_{\\text{current}}(v - v_{\\text{leak}}) - a)`
   followed by the jump :math:`a \\mathrel{+}= a_{\\text{spike}} z`. Norse
   instead returns
   ``tau_ada_inv * (adaptation_current * (v_new - v_leak) - a) + z * adaptation_spike``:
   the right-hand side of the ODE (a rate, missing both the ``a +`` and the
   factor ``dt``), and evaluated at the voltage *after* the step and reset
   rather than the voltage the step started from. Fed back step after step,
   this is the map ``a -> -tau_ada_inv * a + (terms in v and z)``, which
   diverges whenever ``tau_ada_inv > 1``: with Norse's default parameters
   (``tau_ada_inv = 2``) the adaptation doubles in magnitude with alternating
   sign every step, so the neuron fires every other step whatever its
   input (zero input included), and the adaptation overflows (after about a hundred steps in
   float32, eight hundred in float64), after which the voltage is NaN. For ``tau_ada_inv < 1`` it stays bounded, but the spike
   times still differ from the documented model's.
2. Reset. As in the LIF encoder, the voltage is reset with
   ``v - z * (v - v_reset)``, which can miss ``v_reset`` in the last bits.

:func:`refsnn.functional.lif_adex.lif_adex_current_encoder` implements the
documented model (it equals one feed-forward AdEx step with no synaptic
current); this variant reproduces Norse.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.compat.norse.lif import subtractive_reset
from refsnn.functional._prepare import check_neuron_shape, prepare
from refsnn.functional.lif_adex import (
    LIFAdExFeedForwardState,
    LIFAdExParameters,
    _voltage_step,
)
from refsnn.functional.threshold import heaviside


def lif_adex_current_encoder(
    input_current: np.ndarray,
    voltage: np.ndarray,
    adaptation: np.ndarray,
    p: LIFAdExParameters = LIFAdExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`refsnn.functional.lif_adex.lif_adex_current_encoder` as Norse computes it.

    Returns ``(z, voltage, adaptation)`` with Norse's subtractive reset and
    its adaptation formula (see the module docstring).
    """
    (i_in, v, a), _, p, dt = prepare(
        {"input_current": input_current, "voltage": voltage, "adaptation": adaptation},
        LIFAdExFeedForwardState(voltage, 0.0, adaptation), LIFAdExFeedForwardState,
        p, LIFAdExParameters, dt,
    )
    check_neuron_shape(p, i_in, v, a)
    v_decayed = _voltage_step(v, i_in, a, p, dt)
    z = heaviside(v_decayed - p.v_th)
    v_new = subtractive_reset(z, v_decayed, p.v_reset)
    a_new = (
        p.tau_ada_inv * (p.adaptation_current * (v_new - p.v_leak) - a)
        + z * p.adaptation_spike
    )
    return z, v_new, a_new
