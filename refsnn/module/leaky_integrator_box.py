"""Norse's modules of :mod:`refsnn.functional.li_box`.

Leaky integrators without a synaptic current. See :mod:`refsnn.module._base`
for the calling convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import NeuronCell


class LIBoxCell(NeuronCell):
    """One box leaky-integrator step (:mod:`refsnn.functional.li_box`)."""

    model = "li_box"
