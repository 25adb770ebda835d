"""Converting Norse (and torch) modules and whole networks to refsnn's module layer, and back.

:func:`from_norse` takes what :func:`refsnn.compat.norse.convert.from_norse`
takes (parameter and state tuples, tensors) and, in addition, any supported
module: every neuron module of ``norse.torch`` with its parameters, ``dt``,
``record_states`` and weights; the containers ``SequentialState``, ``Lift``,
``RegularizationCell``; the encoder modules; ``LConv2d``; and the torch
layers ``Linear``, ``Conv2d``, ``Flatten``, ``MaxPool2d``, ``AvgPool2d``,
``Dropout`` (and ``Sequential``, as a :class:`~refsnn.module.SequentialState`
of stateless layers). Networks convert recursively; weights are copied
(float32 as in Norse). An unsupported module is a ``TypeError`` naming its
type. :func:`to_norse` goes the other way for the same classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import refsnn.module as rm
from refsnn.compat.norse import convert
from refsnn.functional import regularization
from refsnn.module import _base, layers
from refsnn.module.conv import LConv2d

#: refsnn module classes with a Norse class of the same name in ``norse.torch``.
NEURON_MODULES = {name: cls for name, cls in vars(rm).items()
                  if isinstance(cls, type) and issubclass(cls, (_base._Neurons,))}
ENCODERS = ("ConstantCurrentLIFEncoder", "SpikeLatencyLIFEncoder", "SpikeLatencyEncoder",
            "PopulationEncoder", "PoissonEncoder", "SignedPoissonEncoder", "PoissonEncoderStep")
TORCH_LAYERS = ("Linear", "Conv2d", "Flatten", "MaxPool2d", "AvgPool2d", "Dropout", "Sequential")


def _is_torch_module(obj: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module"
               for c in type(obj).__mro__)


def _array(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


def from_norse(obj: Any) -> Any:
    """A refsnn counterpart of a Norse/torch module (networks recursively) or tuple."""
    if not _is_torch_module(obj):
        return convert.from_norse(obj)
    name = type(obj).__name__
    if name in NEURON_MODULES:
        return _neurons_from_norse(obj, NEURON_MODULES[name])
    if name == "SequentialState":
        return rm.SequentialState(*(from_norse(m) for m in obj),
                                  return_hidden=bool(obj.return_hidden))
    if name == "Sequential":
        return rm.SequentialState(*(from_norse(m) for m in obj))
    if name == "Lift":
        return rm.Lift(from_norse(obj.lifted_module))
    if name == "RegularizationCell":
        accumulator = getattr(regularization, obj.accumulator.__name__, None)
        if accumulator is None:
            raise TypeError(f"cannot convert the accumulator {obj.accumulator!r}")
        return rm.RegularizationCell(accumulator, obj.state)
    if name in ENCODERS:
        return _encoder_from_norse(obj, name)
    if name == "LConv2d":
        return _conv_from_torch(obj, LConv2d, conv3d=True)
    if name in TORCH_LAYERS:
        return _layer_from_torch(obj, name)
    raise TypeError(
        f"refsnn cannot convert a {type(obj).__module__}.{name}; supported: the neuron modules "
        f"of norse.torch, SequentialState, Lift, RegularizationCell, LConv2d, "
        f"{', '.join(ENCODERS)}, and torch.nn {', '.join(TORCH_LAYERS)}")


def _neurons_from_norse(m: Any, cls: type) -> Any:
    kwargs: dict = {"dt": float(m.dt)}
    if hasattr(m, "record_states") and issubclass(
            cls, (_base.NeuronLayer, _base.RecurrentNeuronLayer)):
        kwargs["record_states"] = bool(m.record_states)
    p = convert.from_norse(m.spiking_method if hasattr(m, "spiking_method") else m.p)
    if not issubclass(cls, _base._RecurrentNeurons):
        return cls(p, **kwargs)
    kwargs["input_weights"] = _array(m.input_weights)
    if getattr(m, "recurrent_weights", None) is not None:
        kwargs["recurrent_weights"] = _array(m.recurrent_weights)
    if hasattr(m, "autapses"):
        kwargs["autapses"] = bool(m.autapses)
    if getattr(m, "g_coupling", None) is not None:
        kwargs["g_coupling"] = _array(m.g_coupling)
    return cls(int(m.input_size), int(m.hidden_size), p, **kwargs)


def _encoder_from_norse(m: Any, name: str) -> Any:
    cls = getattr(rm, name)
    if name == "SpikeLatencyEncoder":
        return cls()
    if name == "PopulationEncoder":
        scale = None if m.scale is None else convert.from_norse(m.scale)
        return cls(int(m.out_features), scale)
    if name == "PoissonEncoderStep":
        return cls(float(m.f_max), float(m.dt))
    if name in ("PoissonEncoder", "SignedPoissonEncoder"):
        return cls(int(m.seq_length), float(m.f_max), float(m.dt))
    return cls(int(m.seq_length), convert.from_norse(m.p), float(m.dt))


def _conv_from_torch(m: Any, cls: type, conv3d: bool = False) -> Any:
    weight = _array(m.weight)
    pair = (lambda v: tuple(v[:2])) if conv3d else tuple
    padding = m.padding if isinstance(m.padding, str) else pair(m.padding)
    kwargs = dict(stride=pair(m.stride), padding=padding, dilation=pair(m.dilation),
                  groups=int(m.groups))
    if conv3d:
        out = cls(m.in_channels, m.out_channels, pair(m.kernel_size), **kwargs)
        out.weight = weight[..., 0]
        return out
    out = cls(m.in_channels, m.out_channels, pair(m.kernel_size), bias=m.bias is not None,
              padding_mode=m.padding_mode, **kwargs)
    out.weight = weight
    out.bias = None if m.bias is None else _array(m.bias)
    return out


def _layer_from_torch(m: Any, name: str) -> Any:
    if name == "Linear":
        out = layers.Linear(m.in_features, m.out_features, bias=m.bias is not None)
        out.weight = _array(m.weight)
        out.bias = None if m.bias is None else _array(m.bias)
        return out
    if name == "Conv2d":
        return _conv_from_torch(m, layers.Conv2d)
    if name == "Flatten":
        return layers.Flatten(m.start_dim, m.end_dim)
    if name == "MaxPool2d":
        if m.return_indices:
            raise TypeError("refsnn's MaxPool2d does not return indices (return_indices=True)")
        return layers.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
    if name == "AvgPool2d":
        return layers.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                m.count_include_pad, m.divisor_override)
    if name == "Dropout":
        return layers.Dropout(m.p)
    return rm.SequentialState(*(from_norse(child) for child in m))


# --------------------------------------------------------------------------- to Norse
def to_norse(obj: Any, dtype: Any = None) -> Any:
    """The Norse/torch counterpart of a refsnn module (networks recursively) or tuple."""
    if not isinstance(obj, _base.Module):
        return convert.to_norse(obj, dtype)
    import torch
    import norse.torch as nt

    name = type(obj).__name__
    if isinstance(obj, _base._Neurons) and hasattr(nt, name):
        return _neurons_to_norse(obj, getattr(nt, name), torch)
    if isinstance(obj, rm.SequentialState):
        return nt.SequentialState(*(to_norse(m) for m in obj), return_hidden=obj.return_hidden)
    if isinstance(obj, rm.Lift):
        return nt.Lift(to_norse(obj.lifted_module))
    if isinstance(obj, layers.Linear):
        out = torch.nn.Linear(obj.in_features, obj.out_features, bias=obj.bias is not None)
        return _copy_weights(out, obj, torch)
    if isinstance(obj, layers.Conv2d):
        out = torch.nn.Conv2d(obj.in_channels, obj.out_channels, obj.kernel_size, obj.stride,
                              obj.padding, obj.dilation, obj.groups, obj.bias is not None)
        return _copy_weights(out, obj, torch)
    if isinstance(obj, LConv2d):
        out = nt.LConv2d(obj.in_channels, obj.out_channels, obj.kernel_size, obj.stride,
                         obj.padding, obj.dilation, obj.groups)
        with torch.no_grad():
            out.weight.copy_(torch.from_numpy(np.asarray(obj.weight)[..., None]))
        return out
    simple = {layers.Flatten: lambda: torch.nn.Flatten(obj.start_dim, obj.end_dim),
              layers.Dropout: lambda: torch.nn.Dropout(obj.p)}
    if type(obj) in simple:
        return simple[type(obj)]()
    raise TypeError(f"refsnn cannot convert a {name} to Norse")


def _copy_weights(out: Any, obj: Any, torch: Any) -> Any:
    with torch.no_grad():
        out.weight.copy_(torch.from_numpy(np.asarray(obj.weight)))
        if obj.bias is not None:
            out.bias.copy_(torch.from_numpy(np.asarray(obj.bias)))
    return out


def _neurons_to_norse(obj: Any, cls: type, torch: Any) -> Any:
    p = convert.to_norse(obj.p, np.float32)
    kwargs: dict = {"dt": obj.dt}
    if getattr(obj, "record_states", False):
        kwargs["record_states"] = True
    positional: tuple = (p,)
    if isinstance(obj, _base._RecurrentNeurons):
        positional = (obj.input_size, obj.hidden_size, p)
    if type(obj).__name__ in ("CobaLIFCell", "LILinearCell", "LIFBoxCell", "IAFCell", "IAF"):
        kwargs = {"dt": obj.dt}
    out = cls(*positional, **kwargs)
    with torch.no_grad():
        for field in ("input_weights", "recurrent_weights", "g_coupling"):
            value = getattr(obj, field, None)
            if value is not None:
                getattr(out, field).data = torch.from_numpy(np.array(value, np.float32))
    return out
