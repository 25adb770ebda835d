r"""One descriptor per neuron family: what a backend needs to know about a model.

A :class:`NeuronModel` names the family's parameter and state types, its
reference step functions, its **update functions** (the model's arithmetic,
written once in :mod:`refsnn.functional` and run by every backend) and how
Norse initialises its state. Backends see the reference only through these
descriptors; the driver (:func:`refsnn.simulate`) uses them to validate
input and build states.

The update contract
-------------------
``update(state, *drives, p, dt) -> (output, new_state)`` where ``state``
and ``p`` are the family's NamedTuples (of arrays for NumPy, of one neuron's
scalars in compiled code) and ``drives`` are the per-neuron terms computed
outside the update, in this order (:meth:`NeuronModel.drives`):

* feed-forward: the input ``x``;
* recurrent: :math:`W_{\text{in}} x` then :math:`W_{\text{rec}} z_{t-1}`
  (COBA splits each by the sign of the weights: excitatory inputs,
  inhibitory inputs, excitatory recurrent, inhibitory recurrent; leaky
  integrators have no recurrent term);
* multi-compartment families add the coupling :math:`G v` last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

from refsnn.functional import (
    adex,
    coba_lif,
    iaf,
    izhikevich,
    li,
    li_box,
    lif,
    lif_adex,
    lif_adex_refrac,
    lif_box,
    lif_ex,
    lif_mc,
    lif_mc_refrac,
    lif_refrac,
    lsnn,
)


class Connectivity(NamedTuple):
    """Weight matrices of a recurrent (or weighted, or coupled) layer; ``None`` if absent."""

    input_weights: np.ndarray | None = None
    recurrent_weights: np.ndarray | None = None
    g_coupling: np.ndarray | None = None


def full(value: Any, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A new array of ``shape`` filled with ``value`` (a scalar or a per-neuron array)."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=dtype), shape))


@dataclass(frozen=True)
class NeuronModel:
    """Descriptor of a neuron family.

    Attributes
    ----------
    name : the family name used by :func:`refsnn.simulate` and the registry.
    parameters : the Parameters NamedTuple type.
    feed_forward_state, recurrent_state : State types (``None`` if the
        variant does not exist).
    feed_forward_step, recurrent_step : the reference step functions.
    initial_state : ``(p, shape, dtype, recurrent) -> State``, Norse's default.
    takes_recurrent_weights : whether the recurrent step takes
        ``recurrent_weights`` (leaky integrators take input weights only).
    takes_coupling : whether the steps take ``g_coupling`` (multi-compartment).
    feed_forward_update, recurrent_update : the update functions (see the
        module docstring); ``None`` where the variant does not exist.
    sign_split : recurrent drives are split by the sign of the weights (COBA).
    reset_updates : for families whose parameters hold a reset callable
        (``lif_box``): ``{reset: update}`` with the reset bound, the updates a
        compiled backend can run.
    output : ``"spikes"`` or ``"voltage"`` (what a step returns first).
    default_parameters : ``() -> Parameters`` when ``p=None``.
    behaviour : a type bundling parameters ``.p`` with an initial state ``.s``
        (Izhikevich's spiking behaviours), accepted wherever ``p`` is.
    """

    name: str
    parameters: type
    feed_forward_state: type | None
    recurrent_state: type | None
    feed_forward_step: Callable | None
    recurrent_step: Callable | None
    initial_state: Callable[[Any, tuple, np.dtype, bool], NamedTuple]
    takes_recurrent_weights: bool = True
    takes_coupling: bool = False
    output: str = "spikes"
    default_parameters: Callable[[], Any] | None = None
    behaviour: type | None = None
    feed_forward_update: Callable | None = None
    recurrent_update: Callable | None = None
    sign_split: bool = False
    reset_updates: dict | None = None

    def drives(self, recurrent: bool) -> tuple[str, ...]:
        r"""Names of the drive terms the ``recurrent`` (or feed-forward) update takes, in order.

        ``"input"`` (``x``, or :math:`W_{\text{in}} x`), ``"recurrent"``
        (:math:`W_{\text{rec}} z_{t-1}`), their ``"_exc"``/``"_inh"`` halves
        for sign-split families, and ``"coupling"`` (:math:`G v`).
        """
        if not recurrent or not self.takes_recurrent_weights:
            terms = ("input",)
        elif self.sign_split:
            terms = ("input_exc", "input_inh", "recurrent_exc", "recurrent_inh")
        else:
            terms = ("input", "recurrent")
        return terms + (("coupling",) if self.takes_coupling else ())

    def updates(self) -> dict[str, Callable]:
        """Every update a compiled backend may run, by a stable name.

        ``"<family>/feed_forward"``, ``"<family>/recurrent"`` and, for
        :attr:`reset_updates`, ``"<family>/feed_forward/<reset name>"``.
        """
        found = {}
        if self.reset_updates is not None:
            for reset, update in self.reset_updates.items():
                found[f"{self.name}/feed_forward/{reset.__name__}"] = update
        elif self.feed_forward_update is not None:
            found[f"{self.name}/feed_forward"] = self.feed_forward_update
        if self.recurrent_update is not None:
            found[f"{self.name}/recurrent"] = self.recurrent_update
        return found

    def update_name(self, p: Any, recurrent: bool) -> str:
        """The key of :meth:`updates` that runs parameters ``p`` (a ValueError if none can)."""
        if recurrent:
            return f"{self.name}/recurrent"
        if self.reset_updates is None:
            return f"{self.name}/feed_forward"
        reset = p.reset_method
        if reset not in self.reset_updates:
            known = " or ".join(f"refsnn.functional.reset.{r.__name__}" for r in self.reset_updates)
            raise ValueError(
                f"a compiled backend runs {self.name} with p.reset_method = {known}, "
                f"got {reset!r}; use backend='numpy' for another reset"
            )
        return f"{self.name}/feed_forward/{reset.__name__}"

    def make_parameters(self) -> Any:
        """The parameters used when ``p=None``."""
        return self.default_parameters() if self.default_parameters else self.parameters()

    def step_parameters(self, p: Any) -> Any:
        """The Parameters tuple inside ``p`` (``p`` itself unless it is a behaviour)."""
        if self.behaviour is not None and isinstance(p, self.behaviour):
            return p.p
        return p

    def step_arguments(self, connectivity: Connectivity, recurrent: bool) -> tuple:
        """The matrices a step takes between ``state`` and ``p``, in Norse's order."""
        args = []
        if recurrent:
            args.append(connectivity.input_weights)
            if self.takes_recurrent_weights:
                args.append(connectivity.recurrent_weights)
        if self.takes_coupling:
            args.append(connectivity.g_coupling)
        return tuple(args)


def _lif_like(state_type, ff_type, extra_ff=(), extra_rec=()):
    """Initial-state factory for the LIF family: v = v_leak, everything else 0.

    ``extra_*`` names further zero-initialised fields after ``(v, i)``.
    """

    def make(p, shape, dtype, recurrent):
        zeros = lambda: np.zeros(shape, dtype)  # noqa: E731
        if recurrent:
            return state_type(zeros(), full(p.v_leak, shape, dtype), zeros(),
                              *(zeros() for _ in extra_rec))
        return ff_type(full(p.v_leak, shape, dtype), zeros(), *(zeros() for _ in extra_ff))

    return make


def _lif_state(p, shape, dtype, recurrent):
    return _lif_like(lif.LIFState, lif.LIFFeedForwardState)(p, shape, dtype, recurrent)


def _li_state(p, shape, dtype, recurrent):
    return li.LIState(full(p.v_leak, shape, dtype), np.zeros(shape, dtype))


def _li_box_state(p, shape, dtype, recurrent):
    return li_box.LIBoxState(full(p.v_leak, shape, dtype))


def _lif_box_state(p, shape, dtype, recurrent):
    return lif_box.LIFBoxFeedForwardState(full(p.v_leak, shape, dtype))


def _iaf_state(p, shape, dtype, recurrent):
    v = full(p.v_reset, shape, dtype)
    if recurrent:
        return iaf.IAFState(np.zeros(shape, dtype), v)
    return iaf.IAFFeedForwardState(v)


def _lif_ex_state(p, shape, dtype, recurrent):
    return _lif_like(lif_ex.LIFExState, lif_ex.LIFExFeedForwardState)(p, shape, dtype, recurrent)


def _lif_adex_state(p, shape, dtype, recurrent):
    return _lif_like(lif_adex.LIFAdExState, lif_adex.LIFAdExFeedForwardState,
                     extra_ff=("a",), extra_rec=("a",))(p, shape, dtype, recurrent)


def _adex_state(p, shape, dtype, recurrent):
    return _lif_like(adex.AdExState, adex.AdExFeedForwardState,
                     extra_ff=("a",), extra_rec=("a",))(p, shape, dtype, recurrent)


def _lif_refrac_state(p, shape, dtype, recurrent):
    inner = _lif_state(p.lif, shape, dtype, recurrent)
    cls = lif_refrac.LIFRefracState if recurrent else lif_refrac.LIFRefracFeedForwardState
    return cls(inner, np.zeros(shape, dtype))


def _lif_adex_refrac_state(p, shape, dtype, recurrent):
    inner = _lif_adex_state(p.lif_adex, shape, dtype, recurrent)
    cls = (lif_adex_refrac.LIFAdExRefracState if recurrent
           else lif_adex_refrac.LIFAdExRefracFeedForwardState)
    return cls(inner, np.zeros(shape, dtype))


def _coba_state(p, shape, dtype, recurrent):
    zeros = [np.zeros(shape, dtype) for _ in range(4)]
    if recurrent:
        return coba_lif.CobaLIFState(*zeros)
    return coba_lif.CobaLIFFeedForwardState(*zeros[1:])


def _lsnn_state(p, shape, dtype, recurrent):
    v, i, b = full(p.v_leak, shape, dtype), np.zeros(shape, dtype), full(p.v_th, shape, dtype)
    if recurrent:
        return lsnn.LSNNState(np.zeros(shape, dtype), v, i, b)
    return lsnn.LSNNFeedForwardState(v, i, b)


def _ada_lif_state(p, shape, dtype, recurrent):
    zeros = lambda: np.zeros(shape, dtype)  # noqa: E731
    return lsnn.LSNNState(zeros(), full(p.v_leak, shape, dtype), zeros(), zeros())


def _izhikevich_state(p, shape, dtype, recurrent):
    if isinstance(p, izhikevich.IzhikevichSpikingBehavior):
        v0, u0 = p.s.v, p.s.u
    else:
        v0, u0 = p.c, np.multiply(p.b, p.c)
    v, u = full(v0, shape, dtype), full(u0, shape, dtype)
    if recurrent:
        return izhikevich.IzhikevichRecurrentState(np.zeros(shape, dtype), v, u)
    return izhikevich.IzhikevichState(v, u)


MODELS: dict[str, NeuronModel] = {
    m.name: m
    for m in [
        NeuronModel("lif", lif.LIFParameters, lif.LIFFeedForwardState, lif.LIFState,
                    lif.lif_feed_forward_step, lif.lif_step, _lif_state,
                    feed_forward_update=lif.lif_feed_forward_update,
                    recurrent_update=lif.lif_recurrent_update),
        NeuronModel("li", li.LIParameters, li.LIState, li.LIState,
                    li.li_feed_forward_step, li.li_step, _li_state,
                    takes_recurrent_weights=False, output="voltage",
                    feed_forward_update=li.li_feed_forward_update,
                    recurrent_update=li.li_feed_forward_update),
        NeuronModel("li_box", li_box.LIBoxParameters, li_box.LIBoxState, li_box.LIBoxState,
                    li_box.li_box_feed_forward_step, li_box.li_box_step, _li_box_state,
                    takes_recurrent_weights=False, output="voltage",
                    feed_forward_update=li_box.li_box_feed_forward_update,
                    recurrent_update=li_box.li_box_feed_forward_update),
        NeuronModel("iaf", iaf.IAFParameters, iaf.IAFFeedForwardState, iaf.IAFState,
                    iaf.iaf_feed_forward_step, iaf.iaf_step, _iaf_state,
                    feed_forward_update=iaf.iaf_feed_forward_update,
                    recurrent_update=iaf.iaf_recurrent_update),
        NeuronModel("lif_box", lif_box.LIFBoxParameters, lif_box.LIFBoxFeedForwardState, None,
                    lif_box.lif_box_feed_forward_step, None, _lif_box_state,
                    feed_forward_update=lif_box.lif_box_feed_forward_update,
                    reset_updates=lif_box.UPDATES_BY_RESET),
        NeuronModel("lif_ex", lif_ex.LIFExParameters, lif_ex.LIFExFeedForwardState,
                    lif_ex.LIFExState, lif_ex.lif_ex_feed_forward_step, lif_ex.lif_ex_step,
                    _lif_ex_state,
                    feed_forward_update=lif_ex.lif_ex_feed_forward_update,
                    recurrent_update=lif_ex.lif_ex_recurrent_update),
        NeuronModel("lif_adex", lif_adex.LIFAdExParameters, lif_adex.LIFAdExFeedForwardState,
                    lif_adex.LIFAdExState, lif_adex.lif_adex_feed_forward_step,
                    lif_adex.lif_adex_step, _lif_adex_state,
                    feed_forward_update=lif_adex.lif_adex_feed_forward_update,
                    recurrent_update=lif_adex.lif_adex_recurrent_update),
        NeuronModel("adex", adex.AdExParameters, adex.AdExFeedForwardState, adex.AdExState,
                    adex.adex_feed_forward_step, adex.adex_step, _adex_state,
                    feed_forward_update=adex.adex_feed_forward_update,
                    recurrent_update=adex.adex_recurrent_update),
        NeuronModel("lif_refrac", lif_refrac.LIFRefracParameters,
                    lif_refrac.LIFRefracFeedForwardState, lif_refrac.LIFRefracState,
                    lif_refrac.lif_refrac_feed_forward_step, lif_refrac.lif_refrac_step,
                    _lif_refrac_state,
                    feed_forward_update=lif_refrac.lif_refrac_feed_forward_update,
                    recurrent_update=lif_refrac.lif_refrac_recurrent_update),
        NeuronModel("lif_adex_refrac", lif_adex_refrac.LIFAdExRefracParameters,
                    lif_adex_refrac.LIFAdExRefracFeedForwardState,
                    lif_adex_refrac.LIFAdExRefracState,
                    lif_adex_refrac.lif_adex_refrac_feed_forward_step,
                    lif_adex_refrac.lif_adex_refrac_step, _lif_adex_refrac_state,
                    feed_forward_update=lif_adex_refrac.lif_adex_refrac_feed_forward_update,
                    recurrent_update=lif_adex_refrac.lif_adex_refrac_recurrent_update),
        NeuronModel("coba_lif", coba_lif.CobaLIFParameters, coba_lif.CobaLIFFeedForwardState,
                    coba_lif.CobaLIFState, coba_lif.coba_lif_feed_forward_step,
                    coba_lif.coba_lif_step, _coba_state,
                    feed_forward_update=coba_lif.coba_lif_feed_forward_update,
                    recurrent_update=coba_lif.coba_lif_recurrent_update, sign_split=True),
        NeuronModel("lif_mc", lif.LIFParameters, lif.LIFFeedForwardState, lif.LIFState,
                    lif_mc.lif_mc_feed_forward_step, lif_mc.lif_mc_step, _lif_state,
                    takes_coupling=True,
                    feed_forward_update=lif_mc.lif_mc_feed_forward_update,
                    recurrent_update=lif_mc.lif_mc_recurrent_update),
        NeuronModel("lif_mc_refrac", lif_refrac.LIFRefracParameters,
                    lif_refrac.LIFRefracFeedForwardState, lif_refrac.LIFRefracState,
                    lif_mc_refrac.lif_mc_refrac_feed_forward_step,
                    lif_mc_refrac.lif_mc_refrac_step, _lif_refrac_state, takes_coupling=True,
                    feed_forward_update=lif_mc_refrac.lif_mc_refrac_feed_forward_update,
                    recurrent_update=lif_mc_refrac.lif_mc_refrac_recurrent_update),
        NeuronModel("lsnn", lsnn.LSNNParameters, lsnn.LSNNFeedForwardState, lsnn.LSNNState,
                    lsnn.lsnn_feed_forward_step, lsnn.lsnn_step, _lsnn_state,
                    feed_forward_update=lsnn.lsnn_feed_forward_update,
                    recurrent_update=lsnn.lsnn_recurrent_update),
        NeuronModel("ada_lif", lsnn.LSNNParameters, None, lsnn.LSNNState,
                    None, lsnn.ada_lif_step, _ada_lif_state,
                    recurrent_update=lsnn.ada_lif_recurrent_update),
        NeuronModel("izhikevich", izhikevich.IzhikevichParameters, izhikevich.IzhikevichState,
                    izhikevich.IzhikevichRecurrentState,
                    izhikevich.izhikevich_feed_forward_step,
                    izhikevich.izhikevich_recurrent_step, _izhikevich_state,
                    default_parameters=lambda: izhikevich.tonic_spiking,
                    behaviour=izhikevich.IzhikevichSpikingBehavior,
                    feed_forward_update=izhikevich.izhikevich_feed_forward_update,
                    recurrent_update=izhikevich.izhikevich_recurrent_update),
    ]
}


def get_model(name: str) -> NeuronModel:
    """The descriptor of a family, or a ValueError listing the known names."""
    if not isinstance(name, str):
        raise TypeError(f"model must be a family name (str), got {type(name).__name__}")
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}"
        ) from None
