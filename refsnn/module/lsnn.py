"""Norse's modules of :mod:`refsnn.functional.lsnn`.

Long short-term memory spiking neurons (adaptive threshold). See
:mod:`refsnn.module._base` for the calling convention, the initial state and
the weights.
"""

from __future__ import annotations

from refsnn.module._base import (NeuronCell, NeuronLayer, RecurrentNeuronCell,
                                 RecurrentNeuronLayer)


class LSNNCell(NeuronCell):
    """One feed-forward LSNN step (:mod:`refsnn.functional.lsnn`)."""

    model = "lsnn"


class LSNN(NeuronLayer):
    """Feed-forward LSNN neurons over a sequence (:mod:`refsnn.functional.lsnn`)."""

    model = "lsnn"


class LSNNRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent LSNN layer (:mod:`refsnn.functional.lsnn`)."""

    model = "lsnn"


class LSNNRecurrent(RecurrentNeuronLayer):
    """A recurrent LSNN layer over a sequence (:mod:`refsnn.functional.lsnn`)."""

    model = "lsnn"
