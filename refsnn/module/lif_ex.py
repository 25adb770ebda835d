"""Norse's modules of :mod:`refsnn.functional.lif_ex`.

Exponential integrate-and-fire neurons. See :mod:`refsnn.module._base` for
the calling convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import (NeuronCell, NeuronLayer, RecurrentNeuronCell,
                                 RecurrentNeuronLayer)


class LIFExCell(NeuronCell):
    """One feed-forward exponential-LIF step (:mod:`refsnn.functional.lif_ex`)."""

    model = "lif_ex"


class LIFEx(NeuronLayer):
    """Feed-forward exponential-LIF neurons over a sequence (:mod:`refsnn.functional.lif_ex`)."""

    model = "lif_ex"


class LIFExRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent exponential-LIF layer (:mod:`refsnn.functional.lif_ex`)."""

    model = "lif_ex"


class LIFExRecurrent(RecurrentNeuronLayer):
    """A recurrent exponential-LIF layer over a sequence (:mod:`refsnn.functional.lif_ex`)."""

    model = "lif_ex"
