r"""Norse-exact multi-compartment LIF steps with a refractory period.

Norse 1.1.0's ``lif_mc_refrac_step`` and ``lif_mc_refrac_feed_forward_step``
do not compose its ``lif_mc`` step with its refractory update (as its
``lif_refrac`` does for LIF); they integrate their own scheme, which departs
from the documented refractory LIF model in four ways:

1. the coupling :math:`G v` is added to the voltage without the factor
   :math:`\Delta t`, so its strength depends on the step size
   (:math:`\Delta t = 10^{-3}` makes it a thousand times stronger than in
   ``lif_mc``);
2. refractoriness only masks the leak-and-current term of :math:`\dot v`:
   the coupling still moves a refractory voltage (it is not held), and
3. spikes are not suppressed while :math:`\rho > 0`; a refractory neuron
   pushed over threshold by the coupling spikes and restarts its counter;
4. the voltage update uses the current from *before* this step's jump and
   the input is added to :math:`i` afterwards, so input reaches the
   voltage one step later than in ``lif``/``lif_refrac``.

The references in :mod:`refsnn.functional.lif_mc_refrac` apply the
``lif_mc`` step followed by the ``lif_refrac`` refractory update; this
module reproduces Norse. Update of one Norse step: mask :math:`r = H(\rho)`;
:math:`v' = v + (1 - r)\,\Delta t\,\tau_{\text{mem}}^{-1}((v_{\text{leak}} - v) + i) + G v`;
:math:`i' = i - \Delta t\,\tau_{\text{syn}}^{-1} i`;
:math:`z = H(v' - v_{\text{th}})`; :math:`v'' = (1 - z) v' + z v_{\text{reset}}`;
:math:`i'' = i' + \text{input}`;
:math:`\rho' = (1 - z)\max(\rho - r, 0) + z\,\rho_{\text{reset}}`.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.functional.lif import LIFFeedForwardState, LIFState
from refsnn.functional.lif_mc import _check_coupling
from refsnn.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
)
from refsnn.functional.threshold import heaviside


def _norse_mc_refrac_update(v, i, rho, g, p, dt):
    """Norse's voltage, current decay, spike, reset; returns (z, v, i_decayed, mask)."""
    refractory = heaviside(rho)
    dv = (1 - refractory) * dt * p.lif.tau_mem_inv * ((p.lif.v_leak - v) + i) + linear(
        v, g, "state.lif.v", "g_coupling"
    )
    v_decayed = v + dv
    di = -dt * p.lif.tau_syn_inv * i
    i_decayed = i + di
    z_new = heaviside(v_decayed - p.lif.v_th)
    v_new = (1 - z_new) * v_decayed + z_new * p.lif.v_reset
    return z_new, v_new, i_decayed, refractory


def _norse_counter(rho, refractory, z_new, rho_reset):
    return (1 - z_new) * np.maximum(rho - refractory, 0) + z_new * rho_reset


def lif_mc_refrac_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFRefracFeedForwardState,
    g_coupling: np.ndarray,
    p: LIFRefracParameters = LIFRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFRefracFeedForwardState]:
    """Norse's ``lif_mc_refrac_feed_forward_step`` (see the module docstring)."""
    (x, g), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                               LIFRefracFeedForwardState, p, LIFRefracParameters, dt,
                               weights={"g_coupling": g_coupling})
    _check_coupling(g)
    check_neuron_shape(p, x, s.lif.v, s.lif.i, s.rho)
    z_new, v_new, i_decayed, refractory = _norse_mc_refrac_update(
        s.lif.v, s.lif.i, s.rho, g, p, dt)
    i_new = i_decayed + x
    rho_new = _norse_counter(s.rho, refractory, z_new, p.rho_reset)
    return z_new, LIFRefracFeedForwardState(LIFFeedForwardState(v=v_new, i=i_new), rho_new)


def lif_mc_refrac_step(
    input_tensor: np.ndarray,
    state: LIFRefracState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    g_coupling: np.ndarray,
    p: LIFRefracParameters = LIFRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFRefracState]:
    """Norse's ``lif_mc_refrac_step`` (see the module docstring)."""
    (x, w_in, w_rec, g), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFRefracState, p, LIFRefracParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights,
                 "g_coupling": g_coupling},
    )
    _check_coupling(g)
    jump = (linear(x, w_in, "input_tensor", "input_weights"),
            linear(s.lif.z, w_rec, "state.lif.z", "recurrent_weights"))
    check_neuron_shape(p, s.lif.v, s.lif.i, s.rho, *jump)
    z_new, v_new, i_decayed, refractory = _norse_mc_refrac_update(
        s.lif.v, s.lif.i, s.rho, g, p, dt)
    i_new = i_decayed + jump[0] + jump[1]
    rho_new = _norse_counter(s.rho, refractory, z_new, p.rho_reset)
    return z_new, LIFRefracState(LIFState(z=z_new, v=v_new, i=i_new), rho_new)
