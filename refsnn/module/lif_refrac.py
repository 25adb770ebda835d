"""Norse's modules of :mod:`refsnn.functional.lif_refrac`.

LIF neurons with a refractory period. See :mod:`refsnn.module._base` for the
calling convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import NeuronCell, RecurrentNeuronCell, RecurrentNeuronLayer


class LIFRefracCell(NeuronCell):
    """One feed-forward refractory-LIF step (:mod:`refsnn.functional.lif_refrac`)."""

    model = "lif_refrac"


class LIFRefracRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent refractory-LIF layer (:mod:`refsnn.functional.lif_refrac`)."""

    model = "lif_refrac"


class LIFRefracRecurrent(RecurrentNeuronLayer):
    """A recurrent refractory-LIF layer over a sequence (:mod:`refsnn.functional.lif_refrac`)."""

    model = "lif_refrac"
