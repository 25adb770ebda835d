r"""Norse-exact STDP sensor step.

Norse 1.1.0 documents two time constants for its STDP sensor,
``tau_c_inv`` for the correlation (presynaptic) trace and ``tau_ac_inv``
for the anti-correlation (postsynaptic) trace, but its code decays both
traces with ``tau_c_inv``; ``tau_ac_inv`` is never read. With Norse's
defaults the two are equal and nothing changes; otherwise the postsynaptic
trace forgets at the wrong rate.
:func:`refsnn.functional.stdp_sensor.stdp_sensor_step` uses ``tau_ac_inv``
for the postsynaptic trace; this variant reproduces Norse.
"""

from __future__ import annotations

import numpy as np

from refsnn.functional.stdp_sensor import (
    STDPSensorParameters,
    STDPSensorState,
    _prepare_sensor,
)


def stdp_sensor_step(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    state: STDPSensorState,
    p: STDPSensorParameters = STDPSensorParameters(),
    dt: float = 0.001,
) -> STDPSensorState:
    """:func:`refsnn.functional.stdp_sensor.stdp_sensor_step` with both traces decaying by ``tau_c_inv``."""
    z_pre, z_post, s, p, dt = _prepare_sensor(z_pre, z_post, state, p, dt)
    a_pre_decayed = s.a_pre + dt * (p.tau_c_inv * (-s.a_pre))
    a_post_decayed = s.a_post + dt * (p.tau_c_inv * (-s.a_post))
    return STDPSensorState(
        a_pre=a_pre_decayed + z_pre * p.eta_p,
        a_post=a_post_decayed + z_post * p.eta_m,
    )
