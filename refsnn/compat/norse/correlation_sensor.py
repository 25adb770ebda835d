r"""Norse-exact correlation sensor (its batch broadcasting included).

Norse 1.1.0 spreads the spikes over the synapse array
``(batch, n_pre, n_post)`` with plain broadcasting:
presynaptic spikes ``(batch, n_pre)`` are added to the array with its last
two axes swapped, postsynaptic spikes ``(batch, n_post)`` to the array as
it is. Broadcasting aligns the *batch* axis of the spikes with the
*neuron* axis of the synapses. With a batch of one that is harmless. The
presynaptic side needs a batch size of 1 or ``n_post``, the postsynaptic
side 1 or ``n_pre``; other batch sizes raise. With a batch size equal to
``n_pre = n_post`` (a recurrent sensor whose batch is as large as the
layer) the samples are silently mixed: synapse ``(b, i, j)`` receives the
presynaptic spike ``z_pre[j, i]`` and the postsynaptic spike
``z_post[i, j]``, whatever ``b``.
:func:`refsnn.functional.correlation_sensor.correlation_sensor_step` gives
synapse ``(b, i, j)`` the spikes ``z_pre[b, i]`` and ``z_post[b, j]``; this
variant reproduces Norse (and, like Norse, needs synapse arrays with at
least three axes).
"""

from __future__ import annotations

import numpy as np

from refsnn.functional.correlation_sensor import (
    CorrelationSensorParameters,
    CorrelationSensorState,
    _prepare_sensor,
    post_pre_update,
)


def pre_mask(weights: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Norse's presynaptic mask: ``z`` broadcast against ``weights`` with axes 1 and 2 swapped."""
    return np.swapaxes(np.swapaxes(np.zeros_like(weights), 1, 2) + z, 1, 2)


def post_mask(weights: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Norse's postsynaptic mask: ``z`` broadcast against ``weights`` as it is."""
    return np.zeros_like(weights) + z


def correlation_sensor_step(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    state: CorrelationSensorState,
    p: CorrelationSensorParameters = CorrelationSensorParameters(),
    dt: float = 0.001,
) -> CorrelationSensorState:
    """:func:`refsnn.functional.correlation_sensor.correlation_sensor_step` with Norse's masks."""
    z_pre, z_post, s, p, dt = _prepare_sensor(z_pre, z_post, state, p, dt)
    if np.ndim(s.post_pre) < 3:
        raise ValueError(
            f"Norse's correlation sensor needs synapse arrays of shape (batch, n_pre, n_post), "
            f"got state.post_pre of shape {np.shape(s.post_pre)}"
        )
    c_decayed = s.correlation_trace + (1 - s.post_pre) * (
        dt * p.tau_c_inv * (-s.correlation_trace))
    ac_decayed = s.anti_correlation_trace + s.post_pre * (
        dt * p.tau_ac_inv * (-s.anti_correlation_trace))
    try:
        pre = pre_mask(s.post_pre, z_pre)
        post = post_mask(s.post_pre, z_post)
    except ValueError:
        raise ValueError(
            f"Norse's broadcasting fails for z_pre of shape {z_pre.shape}, z_post of shape "
            f"{z_post.shape} and synapse arrays of shape {np.shape(s.post_pre)}: it works "
            f"only for a batch of one or a batch size equal to the neuron counts"
        ) from None
    return CorrelationSensorState(
        post_pre=post_pre_update(s.post_pre, post, pre),
        correlation_trace=c_decayed + p.eta_p * pre,
        anti_correlation_trace=ac_decayed + p.eta_m * post,
    )
