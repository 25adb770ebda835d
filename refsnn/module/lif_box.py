"""Norse's modules of :mod:`refsnn.functional.lif_box`.

LIF neurons without a synaptic current. See :mod:`refsnn.module._base` for
the calling convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import NeuronCell


class LIFBoxCell(NeuronCell):
    """One box-LIF step (``p.reset_method`` resets) (:mod:`refsnn.functional.lif_box`)."""

    model = "lif_box"
