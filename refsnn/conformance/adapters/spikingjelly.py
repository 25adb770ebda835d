r"""Adapter for SpikingJelly 2.0 on the CPU, for the families whose equations coincide.

SpikingJelly's LIF charges :math:`H = V + (X - (V - V_{\text{reset}}))/\tau`
(``decay_input=True``), fires :math:`S = [H \ge V_{\text{th}}]` and resets
hard (:math:`V = V_{\text{reset}}`) or soft (:math:`V = H - V_{\text{th}}`,
leaking towards 0). That is refsnn's (and Norse's) box LIF
:math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}((x + v_{\text{leak}}) - v)`
with :math:`\tau = 1 / (\Delta t\,\tau_{\text{mem}}^{-1})` when the leak
target is the reset voltage, except for the threshold test at equality.
The mapping:

* ``lif_box`` → ``functional.neuron.lif_multi_step`` (``LIFNode``'s
  kernel): value reset with :math:`v_{\text{leak}} = v_{\text{reset}}`
  (hard reset), or subtractive reset with :math:`v_{\text{leak}} = 0` (soft
  reset); :math:`\tau > 1` (SpikingJelly's condition);
* ``iaf`` → ``functional.neuron.if_multi_step`` (``IFNode``): :math:`H = V + X`,
  hard reset to :math:`v_{\text{reset}}`;
* ``li_box`` → ``neuron.NonSpikingLIFNode``: :math:`V \mathrel{+}= (X - V)/\tau`
  from :math:`V = 0`, so :math:`v_{\text{leak}} = 0` and a zero initial voltage.

SpikingJelly takes scalar parameters: neurons with per-neuron parameters
run in groups of equal parameters. Every other case is ``n/a`` with the
reason (recurrent steps, synaptic currents, refractory periods, other
parametrisations). Where :math:`\tau` is not a power of two, SpikingJelly
divides by :math:`\tau` where refsnn multiplies by
:math:`\Delta t\,\tau_{\text{mem}}^{-1}`, which differs by rounding.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from refsnn.conformance.case import Case, NotApplicable
from refsnn.functional import reset

__all__ = ["adapter", "name", "REASONS"]

name = "spikingjelly 2.0 (CPU)"

#: Why the families without a mapping do not apply.
REASONS = {
    "lif": "SpikingJelly's current-based LIF (cuba_lif_step) adds the input to the current "
           "before the voltage update and adds the current to the voltage without the factor "
           "dt/tau_mem: another discretisation of another model",
    "izhikevich": "SpikingJelly's Izhikevich neuron has another parametrisation "
                  "(tau, a0, v_c, tau_w) than Izhikevich's (a, b, c, d)",
}
_GENERIC = ("no SpikingJelly model is mapped onto {family}: only iaf, lif_box and li_box have "
            "SpikingJelly counterparts with the same equations")
_RECURRENT = ("SpikingJelly's neurons take an input current per step; recurrent weights belong "
              "to separate layers, so a recurrent step does not apply")


def _per_neuron(case: Case, **values: Any) -> dict[str, np.ndarray]:
    """Each value broadcast to the neurons, flattened (shape ``(n,)``)."""
    return {k: np.broadcast_to(np.asarray(v, case.dtype), case.neurons).reshape(-1)
            for k, v in values.items()}


def _groups(params: dict[str, np.ndarray]) -> list[tuple[np.ndarray, dict[str, float]]]:
    """``(neuron indices, {name: scalar})`` for each set of equal parameters."""
    table = np.stack(list(params.values()), axis=1)
    rows, inverse = np.unique(table, axis=0, return_inverse=True)
    return [(np.flatnonzero(inverse.reshape(-1) == k),
             {name: float(value) for name, value in zip(params, row)})
            for k, row in enumerate(rows)]


def _run_groups(case: Case, params: dict[str, np.ndarray], v0: np.ndarray,
                simulate: Callable) -> dict[str, np.ndarray]:
    """Run ``simulate(x, v0, **scalars) -> (z, v)`` per group of neurons; gather the traces."""
    import torch

    x = np.array(case.inputs).reshape(case.steps, -1)
    z = np.zeros_like(x)
    v = np.zeros_like(x)
    with torch.no_grad():
        for index, scalars in _groups(params):
            zk, vk = simulate(torch.from_numpy(x[:, index].copy()),
                              torch.from_numpy(v0[index].copy()), **scalars)
            z[:, index], v[:, index] = zk.numpy(), vk.numpy()
    shape = (case.steps, *case.neurons)
    return {"z": z.reshape(shape), "v": v.reshape(shape)}


def _tau(case: Case, tau_mem_inv: np.ndarray) -> np.ndarray:
    tau = 1.0 / (case.dt * tau_mem_inv.astype(np.float64))
    if not np.all(tau > 1):
        raise NotApplicable("SpikingJelly's LIF needs tau = 1 / (dt tau_mem_inv) > 1")
    return tau


def _lif_box(case: Case) -> dict[str, np.ndarray]:
    from spikingjelly.activation_based.functional.neuron import lif_multi_step

    p = case.p
    if p.reset_method is reset.reset_value:
        soft = False
        if not np.array_equal(*np.broadcast_arrays(p.v_leak, p.v_reset)):
            raise NotApplicable("SpikingJelly's LIF leaks towards v_reset; this case has "
                                "v_leak != v_reset")
    elif p.reset_method is reset.reset_subtract:
        soft = True
        if np.any(np.asarray(p.v_leak) != 0):
            raise NotApplicable("SpikingJelly's soft-reset LIF leaks towards 0; this case has "
                                "v_leak != 0")
    else:
        raise NotApplicable(f"SpikingJelly has no reset {p.reset_method.__name__}")
    params = _per_neuron(case, v_th=p.v_th, v_reset=p.v_reset)
    params["tau"] = _tau(case, _per_neuron(case, t=p.tau_mem_inv)["t"])

    def simulate(x, v, tau, v_th, v_reset):
        z, _, v_seq = lif_multi_step(x, v, tau, True, v_th, None if soft else v_reset,
                                     store_v_seq=True)
        return z, v_seq

    return _run_groups(case, params, np.array(case.state.v).reshape(-1), simulate)


def _iaf(case: Case) -> dict[str, np.ndarray]:
    from spikingjelly.activation_based.functional.neuron import if_multi_step

    params = _per_neuron(case, v_th=case.p.v_th, v_reset=case.p.v_reset)

    def simulate(x, v, v_th, v_reset):
        z, _, v_seq = if_multi_step(x, v, v_th, v_reset, store_v_seq=True)
        return z, v_seq

    return _run_groups(case, params, np.array(case.state.v).reshape(-1), simulate)


def _li_box(case: Case) -> dict[str, np.ndarray]:
    import torch
    from spikingjelly.activation_based.neuron import NonSpikingLIFNode

    if np.any(np.asarray(case.p.v_leak) != 0) or np.any(case.state.v != 0):
        raise NotApplicable("SpikingJelly's NonSpikingLIFNode leaks towards 0 from v = 0; this "
                            "case has v_leak != 0 or a non-zero initial voltage")
    tau = _tau(case, _per_neuron(case, t=case.p.tau_mem_inv)["t"])
    x = np.array(case.inputs).reshape(case.steps, -1)
    v = np.zeros_like(x)
    with torch.no_grad():
        for index, scalars in _groups({"tau": tau}):
            trace = NonSpikingLIFNode(tau=scalars["tau"])(torch.from_numpy(x[:, index].copy()))
            v[:, index] = torch.stack(trace).numpy()
    return {"v": v.reshape((case.steps, *case.neurons))}


_ADAPTERS = {"lif_box": _lif_box, "iaf": _iaf, "li_box": _li_box}


def adapter(case: Case) -> dict[str, np.ndarray]:
    """Run ``case`` in SpikingJelly 2.0 on the CPU (module docstring), or raise NotApplicable."""
    if case.recurrent:
        raise NotApplicable(_RECURRENT)
    run = _ADAPTERS.get(case.family)
    if run is None:
        raise NotApplicable(REASONS.get(case.family, _GENERIC.format(family=case.family)))
    return run(case)


adapter.name = name
