"""Norse-exact refractory AdEx steps.

Norse builds ``lif_adex_refrac_feed_forward_step`` and
``lif_adex_refrac_step`` by running its AdEx step and then applying the
refractory mask to the spikes and the voltage. The AdEx step has already
added the spike-triggered adaptation ``adaptation_spike * z`` for every
threshold crossing, including crossings the mask then suppresses. A
refractory neuron therefore emits no spike but its adaptation still jumps
(this happens when one Euler step carries the held voltage over the
threshold, i.e. under strong drive or large ``dt``). The AdEx equations that
Norse documents tie the jump to the neuron's spikes, and a suppressed
crossing is not a spike: :mod:`refsnn.functional.lif_adex_refrac` adds the
jump for emitted spikes only. Whenever no crossing is suppressed the two are
bit-identical; this variant reproduces Norse in every case.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, prepare
from refsnn.functional.lif_adex import (
    LIFAdExFeedForwardState,
    LIFAdExState,
    lif_adex_feed_forward_step,
    lif_adex_step,
)
from refsnn.functional.lif_adex_refrac import (
    LIFAdExRefracFeedForwardState,
    LIFAdExRefracParameters,
    LIFAdExRefracState,
    compute_refractory_update,
)


def lif_adex_refrac_feed_forward_step(
    input_tensor: np.ndarray,
    state: LIFAdExRefracFeedForwardState,
    p: LIFAdExRefracParameters = LIFAdExRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFAdExRefracFeedForwardState]:
    """Feed-forward refractory AdEx step; the adaptation jumps at suppressed crossings too."""
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                             LIFAdExRefracFeedForwardState, p, LIFAdExRefracParameters, dt)
    check_neuron_shape(p, x, s.lif_adex.v, s.lif_adex.i, s.lif_adex.a, s.rho)
    z_adex, adex_new = lif_adex_feed_forward_step(x, s.lif_adex, p.lif_adex, dt)
    v_new, z_new, rho_new = compute_refractory_update(s, z_adex, adex_new.v, p)
    return z_new, LIFAdExRefracFeedForwardState(
        LIFAdExFeedForwardState(v=v_new, i=adex_new.i, a=adex_new.a), rho_new
    )


def lif_adex_refrac_step(
    input_tensor: np.ndarray,
    state: LIFAdExRefracState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFAdExRefracParameters = LIFAdExRefracParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFAdExRefracState]:
    """Recurrent refractory AdEx step; the adaptation jumps at suppressed crossings too."""
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_tensor": input_tensor}, state, LIFAdExRefracState,
        p, LIFAdExRefracParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    z_adex, adex_new = lif_adex_step(x, s.lif_adex, w_in, w_rec, p.lif_adex, dt)
    check_neuron_shape(p, z_adex, s.lif_adex.v, s.lif_adex.a, s.rho)
    v_new, z_new, rho_new = compute_refractory_update(s, z_adex, adex_new.v, p)
    return z_new, LIFAdExRefracState(
        LIFAdExState(z=z_new, v=v_new, i=adex_new.i, a=adex_new.a), rho_new
    )
