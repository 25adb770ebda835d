"""Norse's modules of :mod:`refsnn.functional.lif`.

Leaky integrate-and-fire neurons. See :mod:`refsnn.module._base` for the
calling convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import (NeuronCell, NeuronLayer, RecurrentNeuronCell,
                                 RecurrentNeuronLayer)


class LIFCell(NeuronCell):
    """One feed-forward LIF step (:mod:`refsnn.functional.lif`)."""

    model = "lif"


class LIF(NeuronLayer):
    """Feed-forward LIF neurons over a sequence (:mod:`refsnn.functional.lif`)."""

    model = "lif"


class LIFRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent LIF layer (:mod:`refsnn.functional.lif`)."""

    model = "lif"


class LIFRecurrent(RecurrentNeuronLayer):
    """A recurrent LIF layer over a sequence (:mod:`refsnn.functional.lif`)."""

    model = "lif"
