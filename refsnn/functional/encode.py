r"""Encoders: turning numbers into spike trains (or into values to be spiked).

Deterministic encoders
----------------------
* :func:`constant_current_lif_encode` drives one LIF neuron per input value
  with that value as a constant current for ``seq_length`` steps, starting
  from :math:`v = 0`, and returns the spikes
  (:func:`refsnn.functional.lif.lif_current_encoder` per step):
  :math:`v_{t+1} = v_t + \Delta t\,\tau_{\text{mem}}^{-1}((v_{\text{leak}} - v_t) + I)`,
  spike :math:`z = H(v_{t+1} - v_{\text{th}})`, then reset to :math:`v_{\text{reset}}`.
* :func:`spike_latency_lif_encode`: the same neurons, but every spike after
  the first is suppressed (an infinite refractory period), so the input is
  coded by the time of the first spike.
* :func:`spike_latency_encode`: keep only the first spike of every element
  of a given spike train (time on axis 0).
* :func:`population_encode`: each value :math:`x` becomes ``out_features``
  activities :math:`K(s\,d(x, c_k))`, :math:`k = 0 \dots n-1`, with centres
  :math:`c_k` evenly spaced from 0 to the scale :math:`s`, a distance
  :math:`d` (default :func:`euclidean_distance`, :math:`(x - c)^2`) and a
  kernel :math:`K` (default :func:`gaussian_rbf`,
  :math:`K(d) = \exp(-d / (2\sigma^2))`).

Poisson encoders
----------------
A value :math:`x` becomes a Bernoulli spike train: at every step
:math:`t` and element :math:`j`, with a uniform :math:`u_{t,j} \in [0, 1)`,

.. math::
    z_{t,j} = [\,u_{t,j} < (\Delta t\, f_{\max})\, x_j\,],

so that the spike probability per step is :math:`\min(1, \max(0, \Delta t f_{\max} x))`
and the firing rate is :math:`f_{\max} x` while :math:`\Delta t f_{\max} x \le 1`
(:math:`(\Delta t\, f_{\max})` is formed first, as in Norse). The signed
variants spike with probability given by :math:`|x|` and carry the sign of
:math:`x`: :math:`z = \operatorname{sign}(x)\,[u < (\Delta t f_{\max}) |x|]`.

Random numbers and chunked time
-------------------------------
Norse draws from a stateful ``torch.Generator``; refsnn takes ``seed``
(an int in ``[0, 2**64)`` or a :func:`refsnn.random.key`) and a time offset
(``start_step`` for sequences, ``step`` for single steps). The uniform of
step :math:`t` and element :math:`j` (C-order flat index into
``input_values``) is :func:`refsnn.random.uniform` at counter
:math:`(t, j, \text{stream 1 "poisson"})`, in the input's dtype. Hence

* encoding steps 0-99 and then 100-199 (``start_step=100``) equals encoding
  0-199 at once, and the ``*_step`` variants called with ``step = t`` give
  row :math:`t` of the sequence variants (same seed);
* all four Poisson encoders share the stream, so for the same seed
  ``signed_poisson_encode(x) == sign(x) * poisson_encode(|x|)``;
* the spikes are the same on every backend.

dtypes
------
float32 and float64 inputs keep their dtype; bool, integer and float16
inputs are computed in float32 (Norse's default dtype). Scalars and
parameters are cast to that dtype before the arithmetic, in Norse's
operation order, so that float32 results agree with Norse bit for bit where
the arithmetic is elementwise (Poisson spikes agree in distribution only:
the random numbers differ). Inputs are never modified.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Callable

import numpy as np

from refsnn import _checks, registry
from refsnn import random as _random
from refsnn.functional._prepare import check_neuron_shape
from refsnn.functional.lif import LIFParameters, lif_current_encoder
from refsnn.memory import check_arrays
from refsnn.numerics import complement, exp, heaviside

__all__ = [
    "constant_current_lif_encode",
    "euclidean_distance",
    "gaussian_rbf",
    "poisson_encode",
    "poisson_encode_step",
    "population_encode",
    "signed_poisson_encode",
    "signed_poisson_encode_step",
    "spike_latency_encode",
    "spike_latency_lif_encode",
]

#: Stream id (counter word 3) of every Poisson draw; see :mod:`refsnn.random`.
POISSON_STREAM = _random.STREAMS["poisson"]
# Draw a sequence in blocks of about this many values, so that no temporary
# grows with seq_length x size (only the output does).
_STEPS_PER_BLOCK_ELEMENTS = 1 << 14
_MAX_STEP = 2**32 - 1


# --------------------------------------------------------------------------- checks
def _as_float(x: Any, name: str) -> np.ndarray:
    """float32/float64 arrays as they are; bool, integers and float16 in float32.

    The non-finite policy applies (:func:`refsnn._checks.check_finite`).
    """
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or arr.dtype.kind in "iu" or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif arr.dtype not in _checks.FLOAT_DTYPES:
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    _checks.check_finite(arr, name)
    return arr


def _count(value: Any, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    value = operator.index(value)
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _real_scalar(value: Any, name: str, minimum: float | None = None) -> float:
    real = (numbers.Real, np.floating, np.integer)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and float(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value!r}")
    return value


def _check_lif(p: Any, dt: Any, x: np.ndarray) -> LIFParameters:
    """The LIF encoders' ``p`` and ``dt`` checked (even for no step); ``p`` cast to
    ``x``'s dtype and broadcast-checked against it."""
    _checks.check_type(p, LIFParameters, "p")
    _checks.check_dt(dt)
    p = _checks.cast_tree(p, x.dtype, "p")
    check_neuron_shape(p, x)
    return p


def _check_rates(x: np.ndarray, name: str, signed: bool) -> None:
    x = _checks.distinct(x)  # (a broadcast input is checked once per value)
    if np.isnan(x).any():
        raise ValueError(f"{name} contains NaN at index {np.argwhere(np.isnan(x))[0].tolist()}")
    if not signed and (x < 0).any():
        bad = np.argwhere(x < 0)[0]
        raise ValueError(
            f"{name} must be >= 0 (values are scaled rates); found {x[tuple(bad)]!r} at index "
            f"{bad.tolist()}. Use signed_poisson_encode for signed values."
        )


def _check_spikes(what: str, steps: int, x: np.ndarray, spike_dtype: Any) -> np.dtype:
    """The dtype of ``steps`` rows of spikes shaped like ``x`` (``spike_dtype`` checked),
    refused before allocation if they cannot fit (with a copy of ``x``: a backend's
    contiguous flat input, the reference's voltages)."""
    dtype = _checks.spike_dtype(spike_dtype, x.dtype)
    check_arrays(what, {"spikes": ((steps,) + x.shape, dtype.itemsize),
                        "a copy of the input": (x.shape, x.itemsize)})
    return dtype


def _backend_function(backend: str, name: str) -> Callable:
    """``name`` as implemented by ``backend`` (the registry loads it by name)."""
    return registry.function(backend, name)


# --------------------------------------------------------------------------- LIF encoders
def spike_latency_update(z, fired):
    r"""Keep a neuron's first spike only: :math:`z' = (1 - f)\,z`, :math:`f' = f + z'`.

    The per-step arithmetic of :func:`spike_latency_lif_encode`, in the
    style every backend compiles (:mod:`refsnn.numerics`).

    Parameters
    ----------
    z : array or scalar
        This step's spikes (0 or 1).
    fired : array or scalar of ``z``'s dtype
        1 where the neuron has spiked before, else 0 (start from 0).

    Returns
    -------
    z, fired
        The spikes kept (``+0`` after the first) and the updated flags.
    """
    first = complement(fired) * z
    return first, fired + first


def _constant_current(encoder: Callable, input_current: Any, seq_length: Any,
                      p: LIFParameters, dt: float, first_only: bool,
                      first_p: Callable | None = None,
                      spike_dtype: Any = None) -> np.ndarray:
    """Run ``encoder`` (a LIF current encoder) for ``seq_length`` steps from v = 0.

    ``first_p(p, dtype)``, if given, supplies the parameters of the first step.
    """
    x = _as_float(input_current, "input_current")
    n = _count(seq_length, "seq_length", 0)
    _check_lif(p, dt, x)
    dtype = _check_spikes("a LIF encoder", n, x, spike_dtype)
    v = np.zeros_like(x)
    fired = np.zeros_like(x)
    spikes = np.zeros((n,) + x.shape, dtype=dtype)
    for t in range(n):
        with _checks.trusted_step(t):  # (the voltage is not re-validated: as on every backend)
            z, v = encoder(x, v, first_p(p, x.dtype) if first_p and t == 0 else p, dt)
        if first_only:
            z, fired = spike_latency_update(z, fired)
        spikes[t] = z
    return spikes


def constant_current_lif_encode(
    input_current: np.ndarray,
    seq_length: int,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
    backend: str | None = None,
    spike_dtype: Any = None,
) -> np.ndarray:
    r"""Spikes of LIF neurons driven by constant currents.

    One neuron per element of ``input_current``, starting at :math:`v = 0`;
    each step is :func:`refsnn.functional.lif.lif_current_encoder`:

    .. math::
        v \leftarrow v + \Delta t\,\tau_{\text{mem}}^{-1}((v_{\text{leak}} - v) + I), \quad
        z = H(v - v_{\text{th}}), \quad
        v \leftarrow v_{\text{reset}} \text{ where } z = 1.

    Norse resets with ``v - z (v - v_reset)``, which can miss
    :math:`v_{\text{reset}}` by an ulp and so shift later spikes; see
    :func:`refsnn.compat.norse.encode.constant_current_lif_encode`.

    Parameters
    ----------
    input_current : array
        Currents :math:`I`, any shape.
    seq_length : int >= 0
        Number of steps.
    p : LIFParameters
        Parameters (arrays broadcastable to ``input_current``'s shape allowed).
    dt : float
        Integration time step.

    backend : str, optional
        ``None`` (default): this NumPy code. A backend name (``"numba"``)
        runs that backend's fused implementation, with the same result bit
        for bit (:func:`refsnn.backends.function`; an unknown or unavailable
        backend, or one without this function, is an error).

    spike_dtype : ``np.bool_`` or ``np.uint8``, optional
        Store the spikes in one byte each (a quarter of float32's memory),
        the same values. Default ``None``: the input's float dtype.

    Returns
    -------
    array of shape ``(seq_length, *input_current.shape)``
        Spikes (0 or 1) in the input's float dtype.
    """
    if backend is not None:
        return _backend_function(backend, "constant_current_lif_encode")(
            input_current, seq_length, p, dt, spike_dtype=spike_dtype)
    return _constant_current(lif_current_encoder, input_current, seq_length, p, dt, False,
                             spike_dtype=spike_dtype)


def spike_latency_lif_encode(
    input_current: np.ndarray,
    seq_length: int,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
    backend: str | None = None,
    spike_dtype: Any = None,
) -> np.ndarray:
    r"""First-spike times of LIF neurons driven by constant currents.

    As :func:`constant_current_lif_encode`, but every spike after a neuron's
    first is removed: :math:`z'_t = z_t\,[\sum_{s<t} z_s = 0]`. Stronger
    currents spike earlier; currents that never reach threshold never spike.
    Since nothing before the first spike depends on the reset, the result is
    Norse's bit for bit.

    Parameters
    ----------
    input_current : array
        Currents :math:`I` (positive currents can reach the threshold).
    seq_length : int >= 0
    p : LIFParameters
    dt : float

    backend : str, optional
        ``None`` (default): this NumPy code. A backend name (``"numba"``)
        runs that backend's fused implementation, with the same result bit
        for bit (:func:`refsnn.backends.function`; an unknown or unavailable
        backend, or one without this function, is an error).

    spike_dtype : ``np.bool_`` or ``np.uint8``, optional
        Store the spikes in one byte each (a quarter of float32's memory),
        the same values. Default ``None``: the input's float dtype.

    Returns
    -------
    array of shape ``(seq_length, *input_current.shape)``
        At most one 1 per element along axis 0, in the input's float dtype.
    """
    if backend is not None:
        return _backend_function(backend, "spike_latency_lif_encode")(
            input_current, seq_length, p, dt, spike_dtype=spike_dtype)
    return _constant_current(lif_current_encoder, input_current, seq_length, p, dt, True,
                             spike_dtype=spike_dtype)


def spike_latency_encode(input_spikes: np.ndarray) -> np.ndarray:
    r"""Keep only the first spike of every element of a spike train.

    Time runs along axis 0. For each element the first non-zero entry (a
    spike of either sign, or any non-zero value) is kept and every later
    entry set to 0:

    .. math::
        z'_t = z_t\,\bigl[z_s = 0 \text{ for all } s < t\bigr].

    Norse keeps entries while the running sum of kept entries is
    :math:`\le 0`, which differs for negative (signed) spikes; see
    :func:`refsnn.compat.norse.encode.spike_latency_encode`.

    Parameters
    ----------
    input_spikes : array, shape ``(T, ...)``
        Bool, integer or float spikes; at least one axis.

    Returns
    -------
    array of the input's shape and dtype.
    """
    z = _spike_train(input_spikes)
    check_arrays("spike_latency_encode", {"the first spikes": (z.shape, z.itemsize),
                                          "masks and counts": (z.shape, 10)})
    nonzero = z != 0
    first = nonzero & (np.cumsum(nonzero, axis=0) == 1)
    return np.where(first, z, np.zeros((), dtype=z.dtype))


def _spike_train(input_spikes: Any) -> np.ndarray:
    z = np.asarray(input_spikes)
    if z.dtype != np.bool_ and z.dtype.kind not in "iuf":
        raise TypeError(
            f"input_spikes must hold bool, integer or float spikes, got dtype {z.dtype}")
    if z.ndim == 0:
        raise ValueError("input_spikes must have a time axis (axis 0), got a 0-d array")
    return z


# --------------------------------------------------------------------------- population code
def _operand(x: Any, name: str):
    """Python numbers stay weak scalars (the array's dtype wins); others become float arrays."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return _as_float(x, name)


def euclidean_distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Elementwise squared difference :math:`(x - y)^2`.

    The default distance of :func:`population_encode`.

    Parameters
    ----------
    x, y : arrays (broadcast together) or numbers.
    """
    return np.square(np.subtract(_operand(x, "x"), _operand(y, "y")))


def gaussian_rbf(tensor: np.ndarray, sigma: float = 1) -> np.ndarray:
    r"""Gaussian radial basis kernel of a (squared) distance.

    .. math::
        K(d) = \exp\!\left(-\frac{d}{2\sigma^2}\right)

    Parameters
    ----------
    tensor : array
        Distances :math:`d`, typically :math:`\lVert x - x' \rVert^2`.
    sigma : float or array > 0
        Width. A Python number gives :math:`2\sigma^2` evaluated in double
        precision and then rounded to the array's dtype (as Norse does); an
        array is cast to the dtype first and must broadcast to ``tensor``.

    Returns
    -------
    array of ``tensor``'s float dtype. float32 ``exp`` is evaluated in
    float64 and rounded (:func:`refsnn.numerics.exp`).
    """
    d = _as_float(tensor, "tensor")
    if isinstance(sigma, np.ndarray):
        s = _as_float(sigma, "sigma").astype(d.dtype)
        if not (np.isfinite(s).all() and (s > 0).all()):
            raise ValueError("sigma must be finite and > 0 everywhere")
        _checks.broadcast_shape({"tensor": d, "sigma": s})
        denom = 2 * (s * s)
    else:
        _real_scalar(sigma, "sigma")
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma!r}")
        denom = d.dtype.type(2 * sigma**2)
    return exp(-d / denom)


def _linspace(scale: np.ndarray, n: int, dtype: np.dtype) -> np.ndarray:
    r"""``n`` points from 0 to ``scale`` (per element of ``scale``), on the last axis.

    With :math:`h = s / (n - 1)`: :math:`c_k = k h` for :math:`k < \lfloor n/2 \rfloor`
    and :math:`c_k = s - (n - 1 - k) h` above, so both ends are exact. In
    float32 the upper half is evaluated in float64 and rounded once (exact:
    the product and the difference fit in 53 bits), which is the fused
    multiply-add PyTorch's ``linspace`` performs; float64 rounds twice.
    """
    s = np.asarray(scale, dtype=dtype)[..., None]
    k = np.arange(n)
    if n == 1:
        return np.zeros(s.shape[:-1] + (1,), dtype=dtype)
    h = s / dtype.type(n - 1)
    low = dtype.type(0) + h * k.astype(dtype)
    m = (n - 1 - k)
    if dtype == np.float32:
        high = (s.astype(np.float64) - h.astype(np.float64) * m).astype(np.float32)
    else:
        high = s - h * m.astype(dtype)
    return np.where(k < n // 2, low, high)


def _population_encode(input_values, out_features, scale, kernel, distance_function,
                       centre_dtype: np.dtype | None) -> np.ndarray:
    x = _as_float(input_values, "input_values")
    n = _count(out_features, "out_features", 1)
    if not callable(kernel):
        raise TypeError(f"kernel must be callable, got {type(kernel).__name__}")
    if not callable(distance_function):
        raise TypeError(
            f"distance_function must be callable, got {type(distance_function).__name__}")
    if isinstance(scale, np.ndarray):
        if scale.dtype.kind not in "iuf" or scale.dtype == np.bool_:
            raise TypeError(f"scale must be a real number or a float array, got dtype "
                            f"{scale.dtype}")
        _checks.check_finite(scale, "scale")
    elif scale is not None:
        _real_scalar(scale, "scale")
    per_sample = isinstance(scale, np.ndarray) and scale.ndim > 0
    if scale is None or (not per_sample and float(scale) == 0.0):
        if x.size == 0:
            raise ValueError(
                "scale cannot default to the maximum of an empty input_values; pass scale")
        scale = x.max()
    s = np.asarray(scale).astype(x.dtype)
    if per_sample:
        try:
            grown = np.broadcast_shapes(s.shape, x.shape)
        except ValueError:
            grown = None
        if grown != x.shape:
            raise ValueError(
                f"scale has shape {s.shape}, which does not broadcast to input_values' "
                f"shape {x.shape}"
            )
    size = x.shape + (n,)
    check_arrays("population_encode", {"distances and activities": (size, 2 * x.itemsize)})
    centres = np.broadcast_to(_linspace(s, n, centre_dtype or x.dtype), size)
    values = np.broadcast_to(x[..., None], size)
    distances = distance_function(values, centres) * s[..., None]
    return kernel(distances)


def population_encode(
    input_values: np.ndarray,
    out_features: int,
    scale: float | np.ndarray | None = None,
    kernel: Callable[[np.ndarray], np.ndarray] = gaussian_rbf,
    distance_function: Callable[[np.ndarray, np.ndarray], np.ndarray] = euclidean_distance,
) -> np.ndarray:
    r"""Population code: each value becomes ``out_features`` receptive-field activities.

    .. math::
        y_{\dots,k} = K\bigl(s\, d(x_{\dots}, c_k)\bigr), \qquad
        c_k = \frac{k}{n-1}\, s, \quad k = 0, \dots, n-1

    (:math:`c_0 = 0` when :math:`n = 1`). Note that the distance is
    multiplied by the scale :math:`s` before the kernel, as in Norse. The
    result is not spikes; feed it to :func:`poisson_encode`, for example.

    Parameters
    ----------
    input_values : array
        Values :math:`x`, any shape.
    out_features : int >= 1
        Number of centres :math:`n` per value.
    scale : float or array, optional
        :math:`s`. ``None`` or ``0`` (Norse's test is ``not scale``) use the
        largest input value. An array broadcastable to ``input_values``'s
        shape gives each sample its own scale (documented by Norse, whose
        code accepts only scalars).
    kernel : callable
        Maps the scaled distances (shape ``(*input_values.shape, n)``) to
        activities; default :func:`gaussian_rbf` with :math:`\sigma = 1`.
    distance_function : callable
        ``f(values, centres)`` on two read-only arrays of that shape;
        default :func:`euclidean_distance`.

    Returns
    -------
    array of shape ``(*input_values.shape, out_features)``.

    Notes
    -----
    The centres are computed in the input's dtype, PyTorch's ``linspace``
    order (see ``_linspace``). Norse computes them in float32 whatever the
    input dtype, so float64 results differ from Norse by about float32
    precision; :func:`refsnn.compat.norse.encode.population_encode`
    reproduces that.
    """
    return _population_encode(input_values, out_features, scale, kernel, distance_function, None)


# --------------------------------------------------------------------------- Poisson
def poisson_spike(u, x, rate_scale):
    r"""The Bernoulli spike :math:`[u < r x] = H(r x - u)` (:math:`r` = ``rate_scale``).

    The per-element arithmetic of :func:`poisson_encode`, in the style every
    backend compiles (:mod:`refsnn.numerics`). :math:`H(r x - u)` is exactly
    :math:`[u < r x]`: with gradual underflow a difference of two floats is
    positive if and only if the first is larger, and a NaN rate gives 0.

    Parameters
    ----------
    u : array or scalar
        Uniforms in :math:`[0, 1)`, of ``x``'s dtype.
    x : array or scalar
        Scaled rates :math:`x \ge 0`.
    rate_scale : scalar of ``x``'s dtype
        :math:`\Delta t\, f_{\max}`, formed in double precision and cast to
        ``x``'s dtype (as PyTorch does with Norse's Python-float product).

    Returns
    -------
    0 or 1 in ``x``'s dtype.
    """
    return heaviside(rate_scale * x - u)


def signed_poisson_spike(u, x, rate_scale):
    r""":math:`\operatorname{sign}(x)\,[u < r |x|]`, the element of :func:`signed_poisson_encode`.

    :math:`\operatorname{sign}(x) = H(x) - H(-x)` is ``np.sign`` for every
    non-NaN ``x`` (``+0`` for either zero). Parameters as :func:`poisson_spike`.
    """
    return (heaviside(x) - heaviside(-x)) * poisson_spike(u, abs(x), rate_scale)


def _rate_scale(x: np.ndarray, f_max: float, dt: float):
    """``dt * f_max`` in double precision, then cast to ``x``'s dtype."""
    return x.dtype.type(dt * f_max)


def _bernoulli(u: np.ndarray, x: np.ndarray, f_max: float, dt: float) -> np.ndarray:
    """Spikes ``u < (dt * f_max) * x`` in ``x``'s dtype (:func:`poisson_spike`)."""
    return poisson_spike(u, x, _rate_scale(x, f_max, dt))


def _poisson_args(input_values, f_max, dt, seed, signed):
    x = _as_float(input_values, "input_values")
    _check_rates(x, "input_values", signed)
    _real_scalar(f_max, "f_max", 0.0)
    _checks.check_dt(dt)
    return x, _random.key(seed)


def _poisson_steps(seq_length, start_step) -> tuple[int, int]:
    """``(seq_length, start_step)`` checked: every step must fit the 32-bit counter word."""
    n = _count(seq_length, "seq_length", 0)
    t0 = _count(start_step, "start_step", 0, _MAX_STEP)
    if t0 + n - 1 > _MAX_STEP:
        raise ValueError(
            f"start_step + seq_length must be <= 2**32 (the time step is a 32-bit "
            f"counter word), got {t0} + {n}"
        )
    return n, t0


def _poisson_sequence(input_values, seq_length, f_max, dt, seed, start_step, signed,
                      spike_dtype=None):
    x, k = _poisson_args(input_values, f_max, dt, seed, signed)
    n, t0 = _poisson_steps(seq_length, start_step)
    spike = signed_poisson_spike if signed else poisson_spike
    rate_scale = _rate_scale(x, f_max, dt)
    out = np.empty((n,) + x.shape, dtype=_check_spikes("a Poisson encoder", n, x, spike_dtype))
    rows = max(1, _STEPS_PER_BLOCK_ELEMENTS // max(x.size, 1))  # bounds the temporaries
    for r in range(0, n, rows):
        steps = np.arange(t0 + r, t0 + min(r + rows, n), dtype=np.uint64)
        u = _random.uniform(k, steps, x.size, x.dtype, POISSON_STREAM)
        out[r:r + rows] = spike(u.reshape((len(steps),) + x.shape), x, rate_scale)
    return out


def _poisson_step(input_values, f_max, dt, seed, step, signed):
    x, k = _poisson_args(input_values, f_max, dt, seed, signed)
    t = _count(step, "step", 0, _MAX_STEP)
    u = _random.uniform(k, t, x.size, x.dtype, POISSON_STREAM).reshape(x.shape)
    spike = signed_poisson_spike if signed else poisson_spike
    return spike(u, x, _rate_scale(x, f_max, dt))


def poisson_encode(
    input_values: np.ndarray,
    seq_length: int,
    f_max: float = 100,
    dt: float = 0.001,
    seed: int | np.ndarray = 0,
    start_step: int = 0,
    backend: str | None = None,
    spike_dtype: Any = None,
) -> np.ndarray:
    r"""Poisson (Bernoulli-per-step) spike trains with rate :math:`f_{\max} x`.

    .. math::
        z_{t,j} = \bigl[u_{t,j} < (\Delta t\, f_{\max})\, x_j\bigr], \qquad
        t = \text{start\_step}, \dots, \text{start\_step} + \text{seq\_length} - 1

    with :math:`u_{t,j}` from :mod:`refsnn.random` (stream 1, module
    docstring). The spike probability per step is
    :math:`\min(1, \Delta t f_{\max} x)`: values in :math:`[0, 1]` give
    rates up to :math:`f_{\max}`, larger values saturate at one spike per
    step where :math:`\Delta t f_{\max} x \ge 1` (as in Norse), 0 never spikes.

    Parameters
    ----------
    input_values : array
        Scaled rates :math:`x \ge 0` (nominally in :math:`[0, 1]`). Negative
        values and NaN raise ValueError (Norse silently emits no spikes for
        them); ``+inf`` spikes every step.
    seq_length : int >= 0
        Number of steps.
    f_max : float >= 0
        Rate (Hz when ``dt`` is in seconds) of an input equal to 1.
    dt : float > 0
        Time step.
    seed : int or key
        Replaces Norse's ``generator``: an int in ``[0, 2**64)`` or a
        :func:`refsnn.random.key`.
    start_step : int >= 0
        Time step of the first row; continue a train in chunks by passing
        the number of steps already encoded.

    backend : str, optional
        ``None`` (default): this NumPy code. A backend name (``"numba"``)
        runs that backend's fused implementation, with the same result bit
        for bit (:func:`refsnn.backends.function`; an unknown or unavailable
        backend, or one without this function, is an error).

    spike_dtype : ``np.bool_`` or ``np.uint8``, optional
        Store the spikes in one byte each (a quarter of float32's memory),
        the same values. Default ``None``: the input's float dtype.

    Returns
    -------
    array of shape ``(seq_length, *input_values.shape)``
        0/1 spikes in the input's float dtype.
    """
    if backend is not None:
        return _backend_function(backend, "poisson_encode")(
            input_values, seq_length, f_max, dt, seed, start_step, spike_dtype=spike_dtype)
    return _poisson_sequence(input_values, seq_length, f_max, dt, seed, start_step, False,
                             spike_dtype)


def poisson_encode_step(
    input_values: np.ndarray,
    f_max: float = 1000,
    dt: float = 0.001,
    seed: int | np.ndarray = 0,
    step: int = 0,
) -> np.ndarray:
    r"""One step of :func:`poisson_encode`: :math:`z_j = [u_{t,j} < (\Delta t f_{\max}) x_j]`.

    Note Norse's default ``f_max = 1000`` here (100 in the sequence
    variant). ``poisson_encode_step(x, f, dt, seed, step=t)`` equals row
    ``t`` of ``poisson_encode(x, T, f, dt, seed)``.

    Parameters
    ----------
    input_values : array
        Scaled rates :math:`x \ge 0` (negative or NaN: ValueError).
    f_max : float >= 0
    dt : float > 0
    seed : int or key
        Replaces Norse's ``generator``.
    step : int in ``[0, 2**32)``
        The time step (counter word 0); advance it by one per call.

    Returns
    -------
    array of ``input_values``'s shape: 0/1 spikes in its float dtype.
    """
    return _poisson_step(input_values, f_max, dt, seed, step, False)


def signed_poisson_encode(
    input_values: np.ndarray,
    seq_length: int,
    f_max: float = 100,
    dt: float = 0.001,
    seed: int | np.ndarray = 0,
    start_step: int = 0,
    backend: str | None = None,
) -> np.ndarray:
    r"""Signed Poisson spike trains: spikes of :math:`|x|` carrying the sign of :math:`x`.

    .. math::
        z_{t,j} = \operatorname{sign}(x_j)\,\bigl[u_{t,j} < (\Delta t\, f_{\max})\, |x_j|\bigr]

    with the same uniforms as :func:`poisson_encode` (same seed and step give
    the same spike times). Values are nominally in :math:`[-1, 1]`; larger
    magnitudes saturate at one spike per step.

    Parameters
    ----------
    input_values : array
        Signed scaled rates (NaN raises ValueError).
    seq_length : int >= 0
    f_max : float >= 0
    dt : float > 0
    seed : int or key
        Replaces Norse's ``generator``.
    start_step : int >= 0

    backend : str, optional
        ``None`` (default): this NumPy code. A backend name (``"numba"``)
        runs that backend's fused implementation, with the same result bit
        for bit (:func:`refsnn.backends.function`; an unknown or unavailable
        backend, or one without this function, is an error).

    Returns
    -------
    array of shape ``(seq_length, *input_values.shape)``
        Values in {-1, 0, 1} (a negative input without a spike gives -0.0,
        as in Norse), in the input's float dtype.
    """
    if backend is not None:
        return _backend_function(backend, "signed_poisson_encode")(
            input_values, seq_length, f_max, dt, seed, start_step)
    return _poisson_sequence(input_values, seq_length, f_max, dt, seed, start_step, True)


def signed_poisson_encode_step(
    input_values: np.ndarray,
    f_max: float = 1000,
    dt: float = 0.001,
    seed: int | np.ndarray = 0,
    step: int = 0,
) -> np.ndarray:
    r"""One step of :func:`signed_poisson_encode` (Norse's default ``f_max = 1000``).

    .. math::
        z_j = \operatorname{sign}(x_j)\,\bigl[u_{t,j} < (\Delta t\, f_{\max})\, |x_j|\bigr]

    Parameters
    ----------
    input_values : array
        Signed scaled rates (NaN raises ValueError).
    f_max : float >= 0
    dt : float > 0
    seed : int or key
    step : int in ``[0, 2**32)``

    Returns
    -------
    array of ``input_values``'s shape with values in {-1, 0, 1}.
    """
    return _poisson_step(input_values, f_max, dt, seed, step, True)
