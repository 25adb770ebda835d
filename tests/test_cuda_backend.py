"""The CUDA sources: their translation, the NVRTC and host builds, the backends' errors.

The numbers themselves are checked by the shared agreement suites
(``test_backend_agreement``, ``test_function_agreement``), which every
available backend joins: ``cuda-host`` everywhere there is a C++ compiler,
``cuda`` where there is a GPU. Here: what those suites cannot see.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from refsnn import backends, models, numerics, registry, simulate
from refsnn.backends import layout
from refsnn.backends.cuda_ import CudaBackend, host, nvrtc, source
from refsnn.backends.cuda_.translate import TranslationError, Translator, Value, literal

RNG = np.random.default_rng(11)
HOST = pytest.mark.skipif(host.compiler() is None, reason="no C++ compiler for cuda-host")


def _nvrtc_or_skip():
    try:
        nvrtc.library()
    except nvrtc.NvrtcUnavailable as exc:
        pytest.skip(str(exc))


# ----------------------------------------------------------------------------- translation
def test_constants_become_exact_literals_of_the_value_type():
    for x in RNG.normal(0, 1e3, 200).tolist() + [0.1, 1e-310, -2.5e-300]:
        text = literal(x, "double")
        assert float.fromhex(text) == x
        assert literal(x, "T") == f"T({text})"
    assert literal(float("inf"), "T") == "T(refsnn::infinity())"
    assert literal(2**63 + 1, "u64") == f"{2**63 + 1}ULL"
    with pytest.raises(TranslationError):
        literal(-1, "u64")


def _runtime_if(x):
    if x > 0:
        return x
    return -x


def _mixed(x):
    return x + numerics._as_float64(x)


def _power_operator(x):
    return x ** 2


def _while(x):
    while x > 0:
        x = x - 1
    return x


def _unknown(x):
    return x + not_defined  # noqa: F821


@pytest.mark.parametrize("fn, what", [
    (_runtime_if, "an `if` on a run-time value"),
    (_mixed, "mixing T and double operands"),
    (_power_operator, "the operator Pow"),
    (_while, "the statement While"),
    (_unknown, "the unknown name 'not_defined'"),
])
def test_python_outside_the_subset_is_refused_naming_function_and_line(fn, what):
    with pytest.raises(TranslationError, match=re.escape(what)) as info:
        Translator().call(fn, [Value("x", "T")])
    assert fn.__qualname__ in str(info.value) and "line" in str(info.value)


def test_an_update_is_the_reference_arithmetic_in_order():
    update = source.updates()["lif/feed_forward"]
    assert (update.states, update.drives, update.inputs, update.parameters) == (2, 1, 1, 5)
    # step 2 of lif's docstring, parenthesised as written in the reference
    assert ("((dt * p_tau_mem_inv) * ((p_v_leak - state_v) + i_new_0))"
            in update.source)
    assert "refsnn::heaviside((v_decayed_0 - p_v_th))" in update.source


# ----------------------------------------------------------------------------- NVRTC
def _no_fma_no_ftz(ptx: str) -> None:
    assert ".ftz" not in ptx, "a flush-to-zero instruction"
    assert not re.search(r"\bfma\.", ptx), "a fused multiply-add"
    assert ".entry refsnn_run__lif__feed_forward__float__float" in ptx


@pytest.mark.nvrtc
@pytest.mark.long
def test_every_kernel_compiles_for_every_ci_architecture():
    """sm_80 and sm_90 CUBINs, and their PTX scanned for contracted or flushing instructions.

    ~18 s of NVRTC: in the long suite, which CI runs after the main one.
    """
    _nvrtc_or_skip()
    text = source.translation_unit(host=False)
    for arch in nvrtc.CI_ARCHITECTURES:
        assert nvrtc.compile_program(text, arch)[:4] == b"\x7fELF"
        _no_fma_no_ftz(nvrtc.compile_program(text, arch, cubin=False).decode())


@pytest.mark.nvrtc
def test_nvrtc_errors_carry_the_compiler_log():
    _nvrtc_or_skip()
    with pytest.raises(nvrtc.CompileError, match="undefined_thing"):
        nvrtc.compile_program("__global__ void k() { undefined_thing(); }", "sm_90")


# ----------------------------------------------------------------------------- host build
@HOST
def test_the_host_build_is_keyed_on_the_source_the_compiler_and_the_flags():
    path = host.build()
    key = source.digest(source.translation_unit(host=True),
                        host._compiler_version(host.compiler()), *host.FLAGS)
    assert path.parent.name == key and path.exists()
    assert host.build() == path                              # cached
    assert source.digest("a") != source.digest("a ") != source.digest("a", "-O3")


@HOST
@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump not installed")
def test_the_host_build_has_no_fused_multiply_add():
    listing = subprocess.run(["objdump", "-d", str(host.build())], capture_output=True,
                             text=True, check=True).stdout
    assert "refsnn_run__lif_adex__feed_forward__float__float" in listing
    assert not re.search(r"\bv?fn?m(add|sub)\d*[ps][sd]\b", listing)


def _special(dtype):
    edge = [0.0, -0.0, np.inf, -np.inf, np.nan, -87.3, -100.0, -103.9, 88.72, 709.7, -745.1,
            1e-45, -1e-45, 1e-300]
    return np.concatenate([RNG.uniform(-110, 100, 20000), edge]).astype(dtype)


@HOST
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_host_numerics_are_the_reference_bits(dtype):
    x = _special(dtype)
    b, e = np.abs(x), RNG.uniform(-3, 3, x.size).astype(dtype)
    bits = np.uint32 if dtype == np.float32 else np.uint64
    with np.errstate(all="ignore"):
        for name, args, want in [("exp", (x,), numerics.exp(x)), ("log", (b,), numerics.log(b)),
                                 ("power", (x, e), numerics.power(x, e))]:
            out = np.empty_like(x)
            host.HostExecutor().launch(source.numerics_kernel(name, dtype), (*args, out), x.size)
            np.testing.assert_array_equal(out.view(bits), want.view(bits), err_msg=name)


# ----------------------------------------------------------------------------- cuda errors
def test_cuda_without_cupy_says_why_and_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setitem(registry._LOADED, "cuda", CudaBackend())
    reason = backends.lookup("cuda").unavailable_reason()
    assert "CuPy could not be imported" in reason and 'pip install "refsnn[cuda]"' in reason
    assert "cuda" not in backends.available()
    with pytest.raises(backends.BackendUnavailable, match=re.escape('pip install "refsnn[cuda]"')):
        simulate("lif", np.ones((3, 2), np.float32), backend="cuda")
    with pytest.raises(backends.BackendUnavailable, match="cannot run here"):
        backends.function("cuda", "poisson_encode")


class _FakeRuntime:
    def __init__(self, count):
        self.count = count

    def getDeviceCount(self):
        if isinstance(self.count, Exception):
            raise self.count
        return self.count


@pytest.mark.parametrize("count, message", [
    (RuntimeError("cudaErrorInsufficientDriver"), "no usable CUDA driver"),
    (0, "no CUDA device was found"),
])
def test_cuda_without_a_driver_or_device_says_so(monkeypatch, count, message):
    fake = type(sys)("cupy")
    fake.cuda = type(sys)("cupy.cuda")
    fake.cuda.runtime = _FakeRuntime(count)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert message in CudaBackend().unavailable_reason()


def test_importing_refsnn_loads_no_cuda_code():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import refsnn
        refsnn.simulate("lif", np.ones((3, 2), np.float32))
        assert "cuda" in refsnn.backends.registered()
        loaded = [m for m in sys.modules if m.startswith(("cupy", "refsnn.backends.cuda_"))]
        assert not loaded, loaded
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


class _OnDevice:
    """Looks like a CUDA array to refsnn (it never reaches a kernel here)."""

    __cuda_array_interface__ = {"shape": (3, 2), "typestr": "<f4", "data": (0, False),
                                "version": 3}


def test_device_arrays_with_a_host_backend_are_refused_by_name():
    with pytest.raises(TypeError, match="_OnDevice on a CUDA device was passed, but backend "
                                        "'numpy' takes host arrays; use backend='cuda'"):
        simulate("lif", _OnDevice(), backend="numpy")
    with pytest.raises(TypeError, match="backend 'numba' takes host arrays"):
        simulate("lif", np.ones((3, 4, 2), np.float32), backend="numba",
                 input_weights=_OnDevice(), recurrent_weights=np.eye(3, dtype=np.float32))


# ----------------------------------------------------------------------------- on a GPU
def _cuda_or_skip():
    reason = backends.lookup("cuda").unavailable_reason()
    if reason is not None:
        pytest.skip(f"no GPU for the cuda backend: {reason}")
    import cupy

    return cupy


@pytest.mark.gpu

@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_a_device_run_builds_the_default_initial_state_from_broadcast_views(name):
    """The views :func:`simulate` hands a device backend hold the model's initial state."""
    from refsnn.simulate import _initial_state_views

    model = models.get_model(name)
    p = model.make_parameters()
    for recurrent, kind in ((False, model.feed_forward_state), (True, model.recurrent_state)):
        if kind is None:
            continue
        expected = model.initial_state(p, (2, 3), np.dtype(np.float32), recurrent)
        views = _initial_state_views(model, p, (2, 3), np.dtype(np.float32), recurrent)
        for (_, want), (_, got) in zip(layout.leaves(expected), layout.leaves(views)):
            assert got.shape == (2, 3) and not any(got.strides) and not got.flags.writeable
            np.testing.assert_array_equal(got, want)


def test_resident_state_rows_fill_shared_leaves_and_copy_per_neuron_ones():
    from refsnn.backends.cuda_ import runner

    shape, n = (2, 3), 6
    leaves = [("v", np.broadcast_to(np.float32(-0.5), shape)),
              ("i", np.arange(n, dtype=np.float32).reshape(shape)),
              ("a", np.broadcast_to(np.arange(3, dtype=np.float32), shape))]
    rows = runner._state_rows(runner._Resident(host.HostExecutor()), leaves, shape, n,
                              np.dtype(np.float32))
    np.testing.assert_array_equal(rows, layout.rows(leaves, shape, n, np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_numerics_are_the_reference_bits_subnormals_included(dtype):
    """NVRTC without -ftz: float32 exp keeps its subnormal results ([-103.9, -87.3])."""
    cupy = _cuda_or_skip()
    from refsnn.backends.cuda_.device import DeviceExecutor

    n = 4_000_000 if dtype == np.float32 else 2_000_000
    x = np.concatenate([np.linspace(-104.0, 89.0, n), np.linspace(-103.9, -87.3, n // 4),
                        _special(np.float64)]).astype(dtype)
    b, e = np.abs(x), RNG.uniform(-3, 3, x.size).astype(dtype)
    bits = np.uint32 if dtype == np.float32 else np.uint64
    executor = DeviceExecutor()
    with np.errstate(all="ignore"):
        for name, args, want in [("exp", (x,), numerics.exp(x)), ("log", (b,), numerics.log(b)),
                                 ("power", (x, e), numerics.power(x, e))]:
            out = cupy.empty(x.size, dtype)
            executor.launch(source.numerics_kernel(name, dtype),
                            (*(cupy.asarray(a) for a in args), out), x.size)
            np.testing.assert_array_equal(cupy.asnumpy(out).view(bits), want.view(bits),
                                          err_msg=name)
    if dtype == np.float32:
        tiny = numerics.exp(np.linspace(-103.9, -87.4, 1000).astype(dtype))
        assert (tiny > 0).all() and (tiny < np.finfo(np.float32).tiny).all()


@pytest.mark.gpu
def test_gpu_device_arrays_are_taken_without_a_copy_and_results_stay_there():
    cupy = _cuda_or_skip()
    x = RNG.normal(1.0, 1.0, (50, 2, 64)).astype(np.float32)
    want, want_state = simulate("lif_adex", x, backend="numpy", record_states=True)
    got, state = simulate("lif_adex", cupy.asarray(x), backend="cuda", record_states=True)
    assert isinstance(got, cupy.ndarray) and isinstance(state.v, cupy.ndarray)
    np.testing.assert_array_equal(cupy.asnumpy(got), want)
    np.testing.assert_array_equal(cupy.asnumpy(state.v), want_state.v)
    host_out, _ = simulate("lif_adex", x, backend="cuda")
    assert isinstance(host_out, np.ndarray)                  # host in, host out
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        t = torch.from_numpy(x).cuda()
        got_t, _ = simulate("lif_adex", t, backend="cuda", spike_dtype=np.bool_)
        np.testing.assert_array_equal(cupy.asnumpy(got_t), want.astype(bool))
