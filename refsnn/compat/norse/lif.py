"""Norse-exact LIF current encoder.

Norse's ``lif_current_encoder`` documents the reset :math:`v = v_{\\text{reset}}`
but computes ``v - z * (v - v_reset)``. For a spiking neuron that is
``v - (v - v_reset)``, which in floating point is not always ``v_reset``:
the inner subtraction rounds to the precision of ``v``, so Norse's
post-spike voltage misses ``v_reset`` by up to an ulp of the pre-reset
voltage (in the parity run, most post-spike voltages do).
:func:`refsnn.functional.lif.lif_current_encoder` sets ``v_reset`` exactly;
this variant reproduces Norse.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, prepare
from refsnn.functional.lif import LIFFeedForwardState, LIFParameters
from refsnn.functional.threshold import heaviside


def subtractive_reset(z: np.ndarray, v: np.ndarray, v_reset: np.ndarray) -> np.ndarray:
    """Norse's encoder reset ``v - z (v - v_reset)`` (shared by the encoders in this package)."""
    return v - z * (v - v_reset)


def lif_current_encoder(
    input_current: np.ndarray,
    voltage: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`refsnn.functional.lif.lif_current_encoder` with Norse's subtractive reset."""
    (i_in, v), _, p, dt = prepare(
        {"input_current": input_current, "voltage": voltage},
        LIFFeedForwardState(voltage, 0.0), LIFFeedForwardState, p, LIFParameters, dt,
    )
    check_neuron_shape(p, i_in, v)
    v = v + dt * p.tau_mem_inv * ((p.v_leak - v) + i_in)
    z = heaviside(v - p.v_th)
    return z, subtractive_reset(z, v, p.v_reset)
