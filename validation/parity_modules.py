"""Parity rows of the module layer: every ``norse.torch`` module against its refsnn conversion.

Each row builds the module in **Norse** (its own constructor, its own random
weights), converts it with :func:`refsnn.compat.norse.from_norse` and runs
both on the same inputs for :data:`STEPS` steps (a batch of :data:`BATCH`):
cells step by step (every step's output and state compared), sequence layers
in one call (outputs, and every step's state with ``record_states``).
Spiking rows must be lively (:data:`validation.norse_parity.LIVELY`).
float32, Norse's module dtype. Recurrent rows use spike inputs and weights
rounded to multiples of 2**-6 (every matrix product exact), and every row
runs with Norse's own ``exp`` (:func:`validation.norse_parity.norse_exp`), so
rows are expected **identical**, except:

* the families whose Norse code departs from its documented model
  (``docs/deviations.rst``): the refsnn module must differ and the
  Norse-exact functional variant (``refsnn.compat.norse``), stepped with the
  module's own weights and initial state, must be identical to Norse's module;
* the networks with ``Linear``/``Conv2d`` layers on real-valued data: torch
  sums the products in another order, so states agree within a few eps of
  their scale and spikes must be identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from validation.norse_parity import Case, Differences, judge, leaves, norse_exp

STEPS = 200
BATCH, HIDDEN, INPUTS = 3, 16, 8


@dataclass
class Row:
    label: str
    build: Callable  # (torch, nt, rng) -> (Norse module, inputs (T, ...) float32)
    stepwise: bool  # a cell: feed it step by step
    compat: Callable | None = None  # (refsnn module) -> stepper(x, state) of Norse's variant
    tol: float = 0  # scaled error accepted (0: identical)
    spikes: bool = True


def _dyadic(tensor, bits=6):
    """Round a weight tensor in place to multiples of 2**-bits (exact products)."""
    import torch

    with torch.no_grad():
        tensor.copy_(torch.round(tensor * 2**bits) / 2**bits)
    return tensor


def _currents(rng, scale=1.5, mean=1.0, shape=(STEPS, BATCH, HIDDEN)):
    return rng.normal(mean, scale, shape).astype(np.float32)


def _spikes(rng, shape=(STEPS, BATCH, INPUTS), rate=0.3):
    return (rng.random(shape) < rate).astype(np.float32)


def _feed_forward(name, scale=1.0, mean=1.0, **kwargs):
    def build(torch, nt, rng):
        return getattr(nt, name)(**kwargs), _currents(rng, 1.5 * scale, mean * scale)
    return build


def _recurrent(name, *extra, w_scale=1.0, **kwargs):
    def build(torch, nt, rng):
        module = getattr(nt, name)(INPUTS, HIDDEN, *extra, **kwargs)
        with torch.no_grad():
            for field in ("input_weights", "recurrent_weights", "g_coupling"):
                w = getattr(module, field, None)
                if w is not None:
                    w.mul_(w_scale if field == "input_weights" else 0.25)
                    _dyadic(w)
        return module, _spikes(rng)
    return build


def _izhikevich():
    from norse.torch.functional import izhikevich
    return izhikevich.tonic_spiking


def _compat(step_name: str, family: str, recurrent: bool):
    """Norse's variant of the module's step, with the module's weights and initial state."""
    def make(ours):
        import importlib

        from refsnn.models import get_model

        step = getattr(importlib.import_module(f"refsnn.compat.norse.{family}"), step_name)
        weights = [ours.input_weights, ours.recurrent_weights] if recurrent else []
        if getattr(ours, "g_coupling", None) is not None:
            weights.append(ours.g_coupling)

        def stepper(x, state):
            if state is None:
                shape = x.shape[:-1] + (ours.hidden_size,) if recurrent else x.shape
                state = get_model(ours.model).initial_state(ours.p, shape, np.dtype(np.float32),
                                                            recurrent)
            return step(x, state, *weights, ours.p, ours.dt)
        return stepper
    return make


ROWS = [
    Row("LIFCell", _feed_forward("LIFCell"), True),
    Row("LIF", _feed_forward("LIF", record_states=True), False),
    Row("LICell", _feed_forward("LICell"), True, spikes=False),
    Row("LI", _feed_forward("LI"), False, spikes=False),
    Row("LIBoxCell", _feed_forward("LIBoxCell"), True, spikes=False),
    Row("LIFBoxCell", _feed_forward("LIFBoxCell"), True),
    Row("IAFCell", _feed_forward("IAFCell", scale=0.1), True),
    Row("IAF", _feed_forward("IAF", scale=0.1), False),
    Row("LIFExCell", _feed_forward("LIFExCell"), True),
    Row("LIFEx", _feed_forward("LIFEx", record_states=True), False),
    Row("LIFAdExCell", _feed_forward("LIFAdExCell"), True),
    Row("LIFAdEx", _feed_forward("LIFAdEx"), False),
    Row("LIFRefracCell", _feed_forward("LIFRefracCell"), True),
    Row("LIFAdExRefracCell", _feed_forward("LIFAdExRefracCell"), True,
        compat=_compat("lif_adex_refrac_feed_forward_step", "lif_adex_refrac", False)),
    Row("LSNNCell", _feed_forward("LSNNCell", scale=4.0), True),
    Row("LSNN", _feed_forward("LSNN", scale=4.0), False),
    Row("IzhikevichCell", lambda torch, nt, rng: (nt.IzhikevichCell(_izhikevich()),
                                                  _currents(rng, 10.0, 10.0)), True),
    Row("Izhikevich", lambda torch, nt, rng: (nt.Izhikevich(_izhikevich()),
                                              _currents(rng, 10.0, 10.0)), False),
    Row("LIFRecurrentCell", _recurrent("LIFRecurrentCell"), True),
    Row("LIFRecurrent", _recurrent("LIFRecurrent", record_states=True), False),
    Row("LIFExRecurrentCell", _recurrent("LIFExRecurrentCell"), True),
    Row("LIFExRecurrent", _recurrent("LIFExRecurrent"), False),
    Row("LIFAdExRecurrentCell", _recurrent("LIFAdExRecurrentCell"), True),
    Row("LIFAdExRecurrent", _recurrent("LIFAdExRecurrent"), False),
    Row("LIFRefracRecurrentCell", _recurrent("LIFRefracRecurrentCell"), True),
    Row("LIFRefracRecurrent", _recurrent("LIFRefracRecurrent"), False),
    Row("LIFAdExRefracRecurrentCell", _recurrent("LIFAdExRefracRecurrentCell", w_scale=8.0), True,
        compat=_compat("lif_adex_refrac_step", "lif_adex_refrac", True)),
    Row("LSNNRecurrentCell", _recurrent("LSNNRecurrentCell", w_scale=4.0), True),
    Row("LSNNRecurrent", _recurrent("LSNNRecurrent", w_scale=4.0), False),
    Row("IzhikevichRecurrentCell",
        lambda torch, nt, rng: _recurrent("IzhikevichRecurrentCell", _izhikevich(),
                                          w_scale=64.0)(torch, nt, rng), True),
    Row("IzhikevichRecurrent",
        lambda torch, nt, rng: _recurrent("IzhikevichRecurrent", _izhikevich(),
                                          w_scale=64.0)(torch, nt, rng), False),
    Row("LILinearCell", _recurrent("LILinearCell"), True, spikes=False),
    Row("CobaLIFCell", _recurrent("CobaLIFCell", w_scale=4.0), True,
        compat=_compat("coba_lif_step", "coba_lif", True)),
    Row("LIFMCRecurrentCell", _recurrent("LIFMCRecurrentCell", w_scale=2.0), True,
        compat=_compat("lif_mc_step", "lif_mc", True)),
    Row("LIFMCRefracRecurrentCell", _recurrent("LIFMCRefracRecurrentCell", w_scale=2.0), True,
        compat=_compat("lif_mc_refrac_step", "lif_mc_refrac", True)),
]


# --------------------------------------------------------------------------- networks
def _linear_network(torch, nt, rng):
    """Linear → LIFCell → Linear → LIFRecurrentCell → Linear → LICell on Poisson-like spikes.

    Dyadic weights and biases: every sum is exact, so the network is
    expected to be identical.
    """
    net = nt.SequentialState(
        torch.nn.Linear(INPUTS, HIDDEN), nt.LIFCell(), torch.nn.Linear(HIDDEN, HIDDEN),
        nt.LIFRecurrentCell(HIDDEN, HIDDEN), torch.nn.Linear(HIDDEN, 4), nt.LICell())
    with torch.no_grad():
        for name, w in net.named_parameters():
            w.mul_(8.0 if name.startswith("0.") else 4.0)
            _dyadic(w)
    return net, _spikes(rng)


def _images(rng, shape):
    return rng.uniform(0.0, 1.0, shape).astype(np.float32)


def _conv_network(torch, nt, rng):
    """Conv2d → LIFCell → MaxPool2d → Flatten → Linear → LIFCell → Linear → LICell, per step."""
    net = nt.SequentialState(
        torch.nn.Conv2d(1, 4, 3), nt.LIFCell(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(4 * 3 * 3, 10), nt.LIFCell(), torch.nn.Linear(10, 2), nt.LICell())
    with torch.no_grad():
        net[0].weight.mul_(12.0)
        net[4].weight.mul_(12.0)
    return net, _images(rng, (STEPS, BATCH, 1, 8, 8))


def _lconv_network(torch, nt, rng):
    """LConv2d → LIF → Lift(MaxPool2d) → Lift(Flatten) → Lift(Linear) → LI, whole sequences."""
    net = nt.SequentialState(
        nt.LConv2d(1, 4, 3), nt.LIF(), nt.Lift(torch.nn.MaxPool2d(2)),
        nt.Lift(torch.nn.Flatten()), nt.Lift(torch.nn.Linear(4 * 3 * 3, 3)), nt.LI())
    with torch.no_grad():
        net[0].weight.mul_(12.0)
    return net, _images(rng, (STEPS, BATCH, 1, 8, 8))


ROWS += [
    Row("network[Linear, LIFCell, Linear, LIFRecurrentCell, Linear, LICell]", _linear_network,
        True, spikes=False),
    Row("network[Conv2d, LIFCell, MaxPool2d, Flatten, Linear, LIFCell, Linear, LICell]",
        _conv_network, True, tol=64, spikes=False),
    Row("network[LConv2d, LIF, Lift(MaxPool2d), Lift(Flatten), Lift(Linear), LI]",
        _lconv_network, False, tol=64, spikes=False),
]


# --------------------------------------------------------------------------- running
def _run(module: Any, x: np.ndarray, stepwise: bool, torch_module: bool) -> list:
    """The module's outputs and states as a list of stacked leaves (every step where stepwise)."""
    import torch

    def call(*args):
        if torch_module:
            with torch.no_grad():
                out = module(*(torch.as_tensor(a) if isinstance(a, np.ndarray) else a
                               for a in args))
            return out
        return module(*args)

    if not stepwise:
        out, state = call(x)
        return [_numpy(leaf) for leaf in leaves((out, state)) if leaf is not None]
    state, steps = None, []
    for t in range(x.shape[0]):
        out, state = call(x[t], state)
        steps.append([_numpy(leaf) for leaf in leaves((out, state)) if leaf is not None])
    return [np.stack(leaf) for leaf in zip(*steps)]


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        return value.detach().numpy()
    return np.asarray(value)


def _differences(ours: list, theirs: list, spikes: bool, steps: bool) -> Differences:
    d = Differences()
    if spikes:
        d.add_spikes(ours[0], theirs[0])
        d.spike_rates.append(float(np.mean(ours[0])))
    for a, b in zip(ours, theirs):
        d.add(a, b, dtype=np.float32, steps=steps)
    return d


def run_row(row: Row):
    """Run one module row (see the module docstring)."""
    import torch
    import norse.torch as nt

    from refsnn.compat.norse import from_norse

    torch.manual_seed(0)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    theirs, x = row.build(torch, nt, rng)
    ours = from_norse(theirs)
    with norse_exp():
        run_n = _run(theirs, x, row.stepwise, torch_module=True)
        run_r = _run(ours, x, row.stepwise, torch_module=False)
        d = _differences(run_r, run_n, row.spikes, row.stepwise)
        compat = None
        if row.compat is not None:
            run_c = _run(row.compat(ours), x, True, torch_module=False)
            compat = judge(row.label, "compat", "float32",
                           _differences(run_c, run_n, row.spikes, True), 0, row.spikes)
    result = judge(row.label, "refsnn", "float32", d, row.tol, row.spikes, compat=compat,
                   lively=row.spikes)
    return [result] + ([compat] if compat is not None else [])


def cases() -> list[Case]:
    """One row per module (and its compat row where the family deviates)."""
    out = []
    for row in ROWS:
        out.append(Case(row.label, "refsnn", "float32", lambda row=row: run_row(row)[0]))
        if row.compat is not None:
            out.append(Case(row.label, "compat", "float32", lambda row=row: run_row(row)[1]))
    return out
