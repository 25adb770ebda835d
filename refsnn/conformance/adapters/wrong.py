r"""A deliberately wrong adapter: the input is added after the voltage update.

It implements ``iaf``, ``lif_box`` and ``li_box`` in NumPy with one
mistake: the input :math:`x_t` of step :math:`t` is added after that step's
voltage update, to be integrated by the *next* update, so every input
reaches the voltage one step late:

.. math::
    v' = v + \Delta t\,\tau_{\text{mem}}^{-1}((x_{t-1} + v_{\text{leak}}) - v),
    \qquad x_{-1} = 0

(``iaf``: :math:`v' = v + x_{t-1}`), then the threshold and reset as usual,
instead of the reference's
:math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}((x_t + v_{\text{leak}}) - v)`.
The recorded voltage of step 0 is already wrong (by
:math:`\Delta t\,\tau_{\text{mem}}^{-1} x_0`): the conformance report of a
case with a non-zero first input points at ``v`` at step 0 with the
pattern ``immediate``. The tests and the tutorial use it to show what a
failure looks like; every other family is ``n/a``.
"""

from __future__ import annotations

import numpy as np

from refsnn.conformance.case import Case, NotApplicable
from refsnn.functional import reset

__all__ = ["adapter", "name"]

name = "wrong (input after the voltage update)"


def adapter(case: Case) -> dict[str, np.ndarray]:
    """Run ``case`` with the input added after the voltage update (module docstring)."""
    if case.family not in ("iaf", "lif_box", "li_box") or case.recurrent:
        raise NotApplicable("the wrong adapter implements iaf, lif_box and li_box only")
    dtype, p = case.dtype, case.p
    cast = {name: np.asarray(value, dtype) for name, value in zip(p._fields, p)
            if not callable(value)}
    rate = dtype.type(case.dt) * cast["tau_mem_inv"] if "tau_mem_inv" in cast else None
    v, pending = np.array(case.state.v), np.zeros_like(case.state.v)
    zs, vs = [], []
    for x in case.inputs:
        if case.family == "iaf":
            v = v + pending
        else:
            v = v + rate * ((pending + cast["v_leak"]) - v)
        pending = x                      # the mistake: x joins the voltage one step late
        if case.family != "li_box":
            z = (v - cast["v_th"] > 0).astype(dtype)
            resetting = reset.reset_value if case.family == "iaf" else p.reset_method
            v = resetting(z, v, cast["v_reset"], cast["v_th"])
            zs.append(z)
        vs.append(v)
    traces = {"v": np.stack(vs)}
    if zs:
        traces = {"z": np.stack(zs), **traces}
    return traces


adapter.name = name
