r"""Norse-exact encoders, where Norse's code departs from its documentation.

* ``constant_current_lif_encode``: Norse steps its ``lif_current_encoder``,
  which resets a spiking neuron to ``v - z (v - v_reset)`` instead of the
  documented :math:`v_{\text{reset}}` (see :mod:`refsnn.compat.norse.lif`).
  The post-spike voltage can miss :math:`v_{\text{reset}}` by an ulp, and
  when a neuron hovers near threshold that shifts or removes later spikes.
  (``spike_latency_lif_encode`` is unaffected: only the first spike is kept,
  and nothing before it depends on the reset.) Also, Norse starts from a
  float32 zero voltage whatever the input's dtype; with float64 input and a
  scalar (0-d) ``v_leak``, PyTorch's promotion then evaluates
  ``v_leak - v`` in float32 in the first step, i.e. with ``v_leak`` rounded
  to float32. This variant reproduces that too.
* ``spike_latency_encode``: documented as keeping each element's first
  spike, Norse's code keeps an entry while the running sum of the entries
  kept so far is not positive (the sum held in float32). For 0/1 spikes that
  is the first spike; after a negative spike (e.g. from
  ``signed_poisson_encode``) the sum is negative and later spikes pass
  until the sum becomes positive; NaN entries disable the mask.
* ``population_encode``: Norse builds the centres with ``torch.linspace`` in
  float32 (the default dtype) whatever the input's dtype, so float64 inputs
  are compared with float32-rounded centres; refsnn uses float64 centres
  for float64 input. For float32 input both agree.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from refsnn.compat.norse.lif import lif_current_encoder
from refsnn.functional.encode import (
    _constant_current,
    _population_encode,
    _spike_train,
    euclidean_distance,
    gaussian_rbf,
)
from refsnn.functional.lif import LIFParameters

__all__ = ["constant_current_lif_encode", "population_encode", "spike_latency_encode"]


def constant_current_lif_encode(
    input_current: np.ndarray,
    seq_length: int,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> np.ndarray:
    """:func:`refsnn.functional.encode.constant_current_lif_encode` as Norse computes it.

    Subtractive reset, and (float64 input, scalar ``v_leak``) ``v_leak``
    rounded to float32 in the first step; see the module docstring.
    """
    return _constant_current(lif_current_encoder, input_current, seq_length, p, dt, False,
                             _float32_first_leak)


def _float32_first_leak(p: LIFParameters, dtype: np.dtype) -> LIFParameters:
    if dtype == np.float64 and np.ndim(p.v_leak) == 0:
        return p._replace(v_leak=np.float32(p.v_leak))
    return p


def spike_latency_encode(input_spikes: np.ndarray) -> np.ndarray:
    r"""Norse's first-spike filter: pass :math:`z_t` while :math:`m_t \le 0`.

    :math:`m_0 = 0`, :math:`z'_t = z_t [m_t \le 0]` (NaN compares false, so
    it passes), :math:`m_{t+1} = \mathrm{fl}_{32}(m_t + z'_t)`. Output has the
    input's shape and dtype.
    """
    z = _spike_train(input_spikes)
    mask = np.zeros(z.shape[1:], dtype=np.float32)
    out = np.empty_like(z)
    zero = np.zeros((), dtype=z.dtype)
    wide = np.float64 if z.dtype == np.float64 else np.float32
    for t in range(z.shape[0]):
        out[t] = np.where(mask > 0, zero, z[t])
        mask = (mask.astype(wide) + out[t].astype(wide)).astype(np.float32)
    return out


def population_encode(
    input_values: np.ndarray,
    out_features: int,
    scale: float | np.ndarray | None = None,
    kernel: Callable[[np.ndarray], np.ndarray] = gaussian_rbf,
    distance_function: Callable[[np.ndarray, np.ndarray], np.ndarray] = euclidean_distance,
) -> np.ndarray:
    """:func:`refsnn.functional.encode.population_encode` with float32 centres for every dtype."""
    return _population_encode(input_values, out_features, scale, kernel, distance_function,
                              np.dtype(np.float32))
