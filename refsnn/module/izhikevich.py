"""Norse's modules of :mod:`refsnn.functional.izhikevich`.

Izhikevich neurons. As in Norse, every module takes a *spiking behaviour*
(:class:`~refsnn.functional.izhikevich.IzhikevichSpikingBehavior`: the
parameters and the initial state, e.g. ``tonic_spiking``) as its first
argument instead of ``p``. See :mod:`refsnn.module._base` for the calling
convention and the weights.
"""

from __future__ import annotations

from typing import Any

from refsnn.functional.izhikevich import IzhikevichSpikingBehavior
from refsnn.module._base import NeuronCell, NeuronLayer, RecurrentNeuronCell, RecurrentNeuronLayer
from refsnn._checks import check_type


def _behaviour(spiking_method: Any) -> Any:
    check_type(spiking_method, IzhikevichSpikingBehavior, "spiking_method")
    return spiking_method


class IzhikevichCell(NeuronCell):
    """One feed-forward Izhikevich step: ``IzhikevichCell(spiking_method, *, dt, backend)``."""

    model = "izhikevich"

    def __init__(self, spiking_method: IzhikevichSpikingBehavior, **kwargs):
        super().__init__(_behaviour(spiking_method), **kwargs)


class Izhikevich(NeuronLayer):
    """Feed-forward Izhikevich neurons over a sequence (``spiking_method`` first)."""

    model = "izhikevich"

    def __init__(self, spiking_method: IzhikevichSpikingBehavior, **kwargs):
        super().__init__(_behaviour(spiking_method), **kwargs)


class IzhikevichRecurrentCell(RecurrentNeuronCell):
    """One step of a recurrent Izhikevich layer: ``(input_size, hidden_size, spiking_method)``."""

    model = "izhikevich"

    def __init__(self, input_size: int, hidden_size: int,
                 spiking_method: IzhikevichSpikingBehavior, **kwargs):
        super().__init__(input_size, hidden_size, _behaviour(spiking_method), **kwargs)


class IzhikevichRecurrent(RecurrentNeuronLayer):
    """A recurrent Izhikevich layer over a sequence (``spiking_method`` third)."""

    model = "izhikevich"

    def __init__(self, input_size: int, hidden_size: int,
                 spiking_method: IzhikevichSpikingBehavior, **kwargs):
        super().__init__(input_size, hidden_size, _behaviour(spiking_method), **kwargs)
