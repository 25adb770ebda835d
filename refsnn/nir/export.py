r"""refsnn modules as NIR nodes (the export half of :func:`refsnn.nir.to_nir`).

==================================  ==========================================================
refsnn module                       NIR node
==================================  ==========================================================
:class:`~refsnn.module.Linear`      ``Affine`` (``Linear`` without bias)
:class:`~refsnn.module.Conv2d`      ``Conv2d``
:class:`~refsnn.module.AvgPool2d`   ``AvgPool2d`` (``SumPool2d`` with divisor 1)
:class:`~refsnn.module.Flatten`     ``Flatten`` (axes counted within a sample)
``LIFBoxCell`` (value reset)        ``LIF``: :math:`\tau = 1/\tau_{\text{mem}}^{-1}`, :math:`R = 1`
``LIBoxCell``                       ``LI``: :math:`\tau = 1/\tau_{\text{mem}}^{-1}`, :math:`R = 1`
``IAFCell``, ``IAF``                ``IF`` with :math:`R = 1/\Delta t`
``LIFCell``, ``LIF``                ``CubaLIF``, :math:`w_{\text{in}} = \tau_{\text{syn}}/\Delta t`
``LICell``, ``LI``                  ``CubaLI``, :math:`w_{\text{in}} = \tau_{\text{syn}}/\Delta t`
==================================  ==========================================================

The first seven rows read back (:func:`refsnn.nir.from_nir`, ``method="euler"``,
the same ``dt``) into modules that compute the same numbers: the time
constants are written in float64 so that :math:`1/(1/a)` rounds back to
:math:`a`, and :math:`R\,\Delta t` of an exported ``IAFCell`` rounds to 1.
``LIFCell`` and ``LICell`` jump their synaptic current by the input
(:mod:`refsnn.functional.lif`); NIR's ``CubaLIF`` read with a held input
raises it by :math:`\Delta t\,\tau_{\text{syn}}^{-1} w_{\text{in}} x` and
decays it before the membrane sees it. With
:math:`w_{\text{in}} = \tau_{\text{syn}}/\Delta t` the charge per input is
the same, but the two discretisations differ by
:math:`O(\Delta t/\tau_{\text{syn}})`: these two export the same ODE, not
the same numbers. Norse 1.1.0's ``to_nir`` writes
:math:`\tau = \Delta t/\tau^{-1}` (``dt`` times the time constant) and
:math:`R = 1`; the parameters here are NIR's continuous-time ones.
"""

from __future__ import annotations

from typing import Any

import nir
import numpy as np

from refsnn.functional.reset import reset_value
from refsnn.module._base import _Neurons, _RecurrentNeurons
from refsnn.module.layers import AvgPool2d, Conv2d, Flatten, Linear


def _f64(value: Any) -> np.ndarray:
    return np.array(value, dtype=np.float64)


def layer_to_nir(layer: Any, shape: tuple | None) -> nir.NIRNode | None:
    """The NIR node of a stateless refsnn layer (``shape``: its input, one sample), or None.

    Raises ``ValueError`` for a layer that NIR cannot express.
    """
    if isinstance(layer, Linear):
        weight = np.array(layer.weight, copy=True)
        if layer.bias is None:
            return nir.Linear(weight=weight)
        return nir.Affine(weight=weight, bias=np.array(layer.bias, copy=True))
    if isinstance(layer, Conv2d):
        bias = (np.zeros(layer.out_channels, np.asarray(layer.weight).dtype)
                if layer.bias is None else np.array(layer.bias, copy=True))
        return nir.Conv2d(input_shape=None if shape is None else tuple(shape[1:]),
                          weight=np.array(layer.weight, copy=True), stride=layer.stride,
                          padding=layer.padding, dilation=layer.dilation,
                          groups=layer.groups, bias=bias)
    if isinstance(layer, AvgPool2d):
        if layer.ceil_mode or not layer.count_include_pad or layer.divisor_override not in (
                None, 1):
            raise ValueError(f"{layer!r} has no NIR node (NIR's pools have no ceil_mode, "
                             f"count_include_pad=False or divisor other than 1)")
        kind = nir.SumPool2d if layer.divisor_override == 1 else nir.AvgPool2d
        return kind(kernel_size=np.array(layer._kernel), stride=np.array(layer._stride),
                    padding=np.array(layer._padding))
    if isinstance(layer, Flatten):
        return _flatten(layer, shape)
    return None


def _flatten(layer: Flatten, shape: tuple | None) -> nir.Flatten:
    if shape is None:
        raise ValueError("exporting a Flatten needs the shape of one input sample: pass "
                         "to_nir(network, input_shape=...)")
    ndim = len(shape) + 1                                  # the batch axis first
    start, end = layer.start_dim % ndim, layer.end_dim % ndim
    if start == 0:
        raise ValueError(f"{layer!r} merges the batch axis, which NIR cannot express")
    return nir.Flatten(input_type={"input": np.array(shape)}, start_dim=start - 1,
                       end_dim=end - 1)


def _common(values: dict, shape: tuple | None) -> dict:
    """The fields broadcast to one shape (NIR requires it): the sample's, or their own."""
    arrays = np.broadcast_arrays(*(_f64(v) for v in values.values()))
    if shape is not None:
        arrays = [np.broadcast_to(a, shape) for a in arrays]
    return {k: np.array(a) for k, a in zip(values, arrays)}


def neurons_to_nir(module: Any, shape: tuple | None) -> nir.NIRNode | None:
    """The NIR node of a feed-forward refsnn neuron module, or None if it has none."""
    if not isinstance(module, _Neurons) or isinstance(module, _RecurrentNeurons):
        return None
    p, dt = module.p, module.dt
    if module.model in ("lif_box", "li_box"):
        fields = {"tau": 1.0 / _f64(p.tau_mem_inv), "r": 1.0, "v_leak": p.v_leak}
        if module.model == "li_box":
            return nir.LI(**_common(fields, shape))
        if p.reset_method is not reset_value:
            raise ValueError(f"{module!r} resets by {p.reset_method.__name__}; NIR's LIF "
                             f"resets to v_reset (reset_value)")
        return nir.LIF(**_common({**fields, "v_threshold": p.v_th, "v_reset": p.v_reset},
                                 shape))
    if module.model == "iaf":
        return nir.IF(**_common({"r": 1.0 / _f64(dt), "v_threshold": p.v_th,
                                 "v_reset": p.v_reset}, shape))
    if module.model in ("lif", "li"):
        tau_syn = 1.0 / _f64(p.tau_syn_inv)
        fields = {"tau_syn": tau_syn, "tau_mem": 1.0 / _f64(p.tau_mem_inv), "r": 1.0,
                  "v_leak": p.v_leak}
        if module.model == "li":
            return nir.CubaLI(**_common({**fields, "w_in": tau_syn / dt}, shape))
        return nir.CubaLIF(**_common({**fields, "v_threshold": p.v_th, "v_reset": p.v_reset,
                                      "w_in": tau_syn / dt}, shape))
    return None


def module_to_nir(module: Any, shape: tuple | None) -> nir.NIRNode:
    """The NIR node of one refsnn module; ``ValueError`` naming it if NIR has none."""
    if hasattr(module, "to_nir"):                          # the modules of refsnn.nir
        return module.to_nir()
    node = layer_to_nir(module, shape)
    if node is None:
        node = neurons_to_nir(module, shape)
    if node is None:
        raise ValueError(f"{type(module).__name__} has no NIR counterpart in refsnn.nir "
                         f"(module: {module!r})")
    return node
