"""Norse-exact LIF layer with correlation sensors.

Norse 1.1.0's ``lif_correlation_step`` runs its correlation sensor, whose
batch broadcasting mixes or rejects batches larger than one (see
:mod:`refsnn.compat.norse.correlation_sensor`). This variant is
:func:`refsnn.functional.lif_correlation.lif_correlation_step` with that
sensor; the LIF part is the reference's (Norse's ``lif_step`` agrees with it).
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from refsnn.compat.norse.correlation_sensor import correlation_sensor_step
from refsnn.functional.lif_correlation import (
    LIFCorrelationParameters,
    LIFCorrelationState,
    _lif_correlation,
)


def lif_correlation_step(
    input_tensor: np.ndarray,
    state: LIFCorrelationState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFCorrelationParameters = LIFCorrelationParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFCorrelationState]:
    """:func:`refsnn.functional.lif_correlation.lif_correlation_step` with Norse's sensor."""
    return _lif_correlation(input_tensor, state, input_weights, recurrent_weights, p, dt,
                            correlation_sensor_step)
