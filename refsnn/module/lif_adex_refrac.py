"""Norse's modules of :mod:`refsnn.functional.lif_adex_refrac`.

AdEx neurons with a refractory period. See :mod:`refsnn.module._base` for
the calling convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import NeuronCell, RecurrentNeuronCell, RecurrentNeuronLayer


class LIFAdExRefracCell(NeuronCell):
    """One feed-forward refractory-AdEx step (:mod:`refsnn.functional.lif_adex_refrac`)."""

    model = "lif_adex_refrac"


class LIFAdExRefracRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent refractory-AdEx layer (:mod:`refsnn.functional.lif_adex_refrac`)."""

    model = "lif_adex_refrac"


class LIFAdExRefracRecurrent(RecurrentNeuronLayer):
    """A recurrent refractory-AdEx layer over a sequence (the module's family)."""

    model = "lif_adex_refrac"
