"""Norse's encoder modules, over :mod:`refsnn.functional.encode`.

The Poisson encoders replace Norse's torch generator by refsnn's Philox
stream (:mod:`refsnn.random`): a module draws with its ``seed`` and keeps
a step counter that advances with every call, so consecutive calls give
new spikes, and the same seed and call sequence give the same spikes on
every run and backend; :meth:`PoissonEncoder.reset` starts over.
"""

from __future__ import annotations

from typing import Any, Callable

from refsnn.functional import encode
from refsnn.functional.lif import LIFParameters
from refsnn.module._base import Module


class ConstantCurrentLIFEncoder(Module):
    """LIF neurons driven by constant currents for ``seq_length`` steps (spikes ``(T, ...)``)."""

    def __init__(self, seq_length: int, p: LIFParameters = LIFParameters(), dt: float = 0.001,
                 *, backend: str | None = None, spike_dtype: Any = None):
        self.seq_length, self.p, self.dt = seq_length, p, dt
        self.backend, self.spike_dtype = backend, spike_dtype

    def forward(self, input_currents: Any):
        return encode.constant_current_lif_encode(input_currents, self.seq_length, self.p,
                                                  self.dt, backend=self.backend,
                                                  spike_dtype=self.spike_dtype)


class SpikeLatencyLIFEncoder(ConstantCurrentLIFEncoder):
    """Like :class:`ConstantCurrentLIFEncoder`, keeping each neuron's first spike only."""

    def forward(self, input_current: Any):
        return encode.spike_latency_lif_encode(input_current, self.seq_length, self.p,
                                               self.dt, backend=self.backend,
                                               spike_dtype=self.spike_dtype)


class SpikeLatencyEncoder(Module):
    """Keep only the first spike of each neuron in a spike train ``(T, ...)``."""

    def forward(self, input_spikes: Any):
        return encode.spike_latency_encode(input_spikes)


class PopulationEncoder(Module):
    """Each value becomes ``out_features`` receptive-field activities (population code)."""

    def __init__(self, out_features: int, scale: Any = None,
                 kernel: Callable = encode.gaussian_rbf,
                 distance_function: Callable = encode.euclidean_distance):
        self.out_features, self.scale = out_features, scale
        self.kernel, self.distance_function = kernel, distance_function

    def forward(self, input_tensor: Any):
        return encode.population_encode(input_tensor, self.out_features, self.scale,
                                        self.kernel, self.distance_function)


class PoissonEncoder(Module):
    """Poisson spike trains of ``seq_length`` steps at rates ``f_max x`` (module docstring).

    Call ``k`` (from 0, or from the last :meth:`reset`) draws steps
    ``k * seq_length ...`` of the stream of ``seed``.
    """

    signed = False

    def __init__(self, seq_length: int, f_max: float = 100, dt: float = 0.001, *,
                 seed: Any = 0, backend: str | None = None, spike_dtype: Any = None):
        self.seq_length, self.f_max, self.dt, self.seed = seq_length, f_max, dt, seed
        self.backend, self.spike_dtype = backend, spike_dtype
        self.step = 0

    def reset(self) -> None:
        """Start the spike stream over (the next call draws from step 0)."""
        self.step = 0

    def forward(self, x: Any):
        kwargs = {} if self.signed else {"spike_dtype": self.spike_dtype}
        function = encode.signed_poisson_encode if self.signed else encode.poisson_encode
        out = function(x, self.seq_length, self.f_max, self.dt, seed=self.seed,
                       start_step=self.step, backend=self.backend, **kwargs)
        self.step += out.shape[0]
        return out


class SignedPoissonEncoder(PoissonEncoder):
    """Signed Poisson spike trains: spikes of :math:`|x|` carrying the sign of :math:`x`."""

    signed = True

    def __init__(self, seq_length: int, f_max: float = 100, dt: float = 0.001, *,
                 seed: Any = 0, backend: str | None = None):
        super().__init__(seq_length, f_max, dt, seed=seed, backend=backend)


class PoissonEncoderStep(Module):
    """One Poisson step per call (Norse's default ``f_max = 1000``); the step counter advances."""

    def __init__(self, f_max: float = 1000, dt: float = 0.001, *, seed: Any = 0):
        self.f_max, self.dt, self.seed = f_max, dt, seed
        self.step = 0

    def reset(self) -> None:
        """Start the spike stream over."""
        self.step = 0

    def forward(self, x: Any):
        out = encode.poisson_encode_step(x, self.f_max, self.dt, seed=self.seed, step=self.step)
        self.step += 1
        return out
