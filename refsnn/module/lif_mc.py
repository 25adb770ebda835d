"""Norse's modules of :mod:`refsnn.functional.lif_mc` and :mod:`refsnn.functional.lif_mc_refrac`.

Multi-compartment LIF neurons: a recurrent LIF layer whose voltages are
coupled by the conductances ``g_coupling`` ``(hidden, hidden)``. Without
``g_coupling`` the cell draws standard normal entries over
:math:`\\sqrt{\\text{hidden}}`, as Norse's. See :mod:`refsnn.module._base`
for the calling convention and the other weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.module._base import RecurrentNeuronCell, _weights, initial_weights


class _Coupled(RecurrentNeuronCell):
    def __init__(self, input_size: int, hidden_size: int, p: Any = None,
                 g_coupling: Any = None, **kwargs):
        super().__init__(input_size, hidden_size, p, **kwargs)
        n = self.hidden_size
        self.g_coupling = _weights(g_coupling, (n, n), "g_coupling",
                                   lambda: initial_weights(n, n, float(np.sqrt(1.0 / n)),
                                                           self.rng))


class LIFMCRecurrentCell(_Coupled):
    """One step of a recurrent multi-compartment LIF layer (:mod:`refsnn.functional.lif_mc`)."""

    model = "lif_mc"


class LIFMCRefracRecurrentCell(_Coupled):
    """The same with a refractory period (:mod:`refsnn.functional.lif_mc_refrac`)."""

    model = "lif_mc_refrac"
