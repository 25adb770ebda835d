"""Norse's modules of :mod:`refsnn.functional.lif_adex`.

Adaptive exponential integrate-and-fire neurons. See
:mod:`refsnn.module._base` for the calling convention, the initial state and
the weights.
"""

from __future__ import annotations

from refsnn.module._base import (NeuronCell, NeuronLayer, RecurrentNeuronCell,
                                 RecurrentNeuronLayer)


class LIFAdExCell(NeuronCell):
    """One feed-forward AdEx step (:mod:`refsnn.functional.lif_adex`)."""

    model = "lif_adex"


class LIFAdEx(NeuronLayer):
    """Feed-forward AdEx neurons over a sequence (:mod:`refsnn.functional.lif_adex`)."""

    model = "lif_adex"


class LIFAdExRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent AdEx layer (:mod:`refsnn.functional.lif_adex`)."""

    model = "lif_adex"


class LIFAdExRecurrent(RecurrentNeuronLayer):
    """A recurrent AdEx layer over a sequence (:mod:`refsnn.functional.lif_adex`)."""

    model = "lif_adex"
