"""Norse-exact exponential LIF current encoder.

Norse's ``lif_ex_current_encoder`` documents the jump condition
:math:`z = H(v - v_{\\text{th}})` followed by :math:`v = v_{\\text{reset}}`
for spiking neurons, but computes the new voltage as ``v - z * (v - v_reset)``.
For a spiking neuron that is ``v - (v - v_reset)``; the subtraction rounds,
so the post-spike voltage can differ from ``v_reset`` in the last bits, and
every later step starts from that slightly different voltage.
:func:`refsnn.functional.lif_ex.lif_ex_current_encoder` sets ``v_reset``
exactly; this variant reproduces Norse.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.compat.norse.lif import subtractive_reset
from refsnn.functional._prepare import check_neuron_shape, prepare
from refsnn.functional.lif_ex import (
    LIFExFeedForwardState,
    LIFExParameters,
    _voltage_derivative_times_tau,
)
from refsnn.functional.threshold import heaviside


def lif_ex_current_encoder(
    input_current: np.ndarray,
    voltage: np.ndarray,
    p: LIFExParameters = LIFExParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`refsnn.functional.lif_ex.lif_ex_current_encoder` with Norse's subtractive reset."""
    (i_in, v), _, p, dt = prepare(
        {"input_current": input_current, "voltage": voltage},
        LIFExFeedForwardState(voltage, 0.0), LIFExFeedForwardState, p, LIFExParameters, dt,
    )
    check_neuron_shape(p, i_in, v)
    v = v + dt * p.tau_mem_inv * _voltage_derivative_times_tau(v, i_in, p)
    z = heaviside(v - p.v_th)
    return z, subtractive_reset(z, v, p.v_reset)
