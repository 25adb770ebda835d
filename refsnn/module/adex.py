"""Modules of :mod:`refsnn.functional.adex`, refsnn's AdEx with a spike cut.

Not in Norse 1.1.0: the Brette–Gerstner AdEx whose spike is detected at
``v_peak`` above the exponential's centre ``v_th`` (Norse's AdEx,
:mod:`refsnn.module.lif_adex`, detects it at ``v_th``). See
:mod:`refsnn.module._base` for the calling convention, the initial state and
the weights.
"""

from __future__ import annotations

from refsnn.module._base import (NeuronCell, NeuronLayer, RecurrentNeuronCell,
                                 RecurrentNeuronLayer)


class AdExCell(NeuronCell):
    """One feed-forward AdEx step (:mod:`refsnn.functional.adex`)."""

    model = "adex"


class AdEx(NeuronLayer):
    """Feed-forward AdEx neurons over a sequence (:mod:`refsnn.functional.adex`)."""

    model = "adex"


class AdExRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent AdEx layer (:mod:`refsnn.functional.adex`)."""

    model = "adex"


class AdExRecurrent(RecurrentNeuronLayer):
    """A recurrent AdEx layer over a sequence (:mod:`refsnn.functional.adex`)."""

    model = "adex"
