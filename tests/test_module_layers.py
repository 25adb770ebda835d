"""The stateless layers of ``refsnn.module`` (and Norse's LConv2d) against torch.

Each layer is built in torch, its weights are copied into the refsnn
layer, and both run the same input in float32 and float64. Layers that
only select or move values (Flatten, MaxPool2d, Dropout) must agree
exactly; layers that add (Linear, Conv2d, AvgPool2d, LConv2d) sum in
another order, so they agree to a tolerance.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn.module.conv import LConv2d
from refsnn.module.layers import AvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d

torch = pytest.importorskip("torch")
nn = torch.nn

DTYPES = [np.float32, np.float64]
TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64}
TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


def _input(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _torch_out(layer, x):
    with torch.no_grad():
        return layer(torch.from_numpy(x.copy())).numpy()


def _copy_weights(ours, theirs, squeeze_last=False):
    weight = theirs.weight.detach().numpy().copy()
    ours.weight = weight[..., 0] if squeeze_last else weight
    if theirs.bias is not None:
        ours.bias = theirs.bias.detach().numpy().copy()


def _check_close(ours, theirs, dtype):
    assert ours.dtype == dtype
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TOLERANCE[dtype])


def _check_exact(ours, theirs, dtype):
    assert ours.dtype == dtype
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


# --------------------------------------------------------------------------- Linear

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5), (0, 5)])
def test_linear_matches_torch(dtype, bias, shape):
    theirs = nn.Linear(5, 4, bias=bias).to(TORCH_DTYPES[dtype])
    ours = Linear(5, 4, bias=bias)
    _copy_weights(ours, theirs)
    x = _input(shape, dtype)
    _check_close(ours(x), _torch_out(theirs, x), dtype)


def test_linear_float32_weights_on_float64_input():
    ours = Linear(3, 2, rng=0)
    x = _input((4, 3), np.float64)
    expected = x @ ours.weight.astype(np.float64).T + ours.bias.astype(np.float64)
    out = ours(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- Conv2d

CONV_CASES = [
    # in, out, kernel, extra arguments, input shape
    (3, 4, 3, {}, (2, 3, 8, 8)),
    (3, 4, (3, 2), {"stride": 2}, (2, 3, 9, 7)),
    (3, 4, 3, {"stride": (2, 3), "padding": 1}, (1, 3, 7, 10)),
    (3, 4, (2, 3), {"padding": (2, 0)}, (2, 3, 5, 6)),
    (2, 4, 3, {"padding": "same"}, (2, 2, 7, 6)),
    (2, 4, (2, 4), {"padding": "same", "dilation": (2, 1)}, (1, 2, 7, 9)),
    (2, 4, 3, {"padding": "valid"}, (2, 2, 6, 7)),
    (3, 5, 3, {"dilation": 2}, (2, 3, 9, 8)),
    (3, 2, 2, {"dilation": (1, 3), "stride": (1, 2), "padding": (1, 2)}, (1, 3, 5, 9)),
    (4, 6, 3, {"groups": 2}, (2, 4, 6, 5)),
    (6, 6, 3, {"groups": 6, "padding": 1}, (2, 6, 5, 5)),
    (6, 3, (1, 2), {"groups": 3, "stride": 2, "bias": False}, (3, 6, 5, 7)),
    (1, 1, 1, {}, (1, 1, 1, 1)),
    (3, 4, 3, {}, (3, 5, 5)),                                    # unbatched
    (4, 2, 3, {"groups": 2, "padding": "same"}, (4, 5, 6)),      # unbatched
    (3, 4, 3, {"padding": 1}, (0, 3, 4, 4)),                     # empty batch
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c[:3]}-{c[3]}-{c[4]}")
def test_conv2d_matches_torch(case, dtype):
    in_channels, out_channels, kernel, kwargs, shape = case
    theirs = nn.Conv2d(in_channels, out_channels, kernel, **kwargs).to(TORCH_DTYPES[dtype])
    ours = Conv2d(in_channels, out_channels, kernel, **kwargs)
    _copy_weights(ours, theirs)
    x = _input(shape, dtype)
    _check_close(ours(x), _torch_out(theirs, x), dtype)


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.one_of(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                             st.sampled_from(["valid", "same"])))
    if padding == "same":
        stride = (1, 1)
    pad = (0, 0) if isinstance(padding, str) else padding
    sizes = []
    for k, d, p in zip(kernel, dilation, pad):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        sizes.append(draw(st.integers(smallest, smallest + 6)))
    batch = draw(st.sampled_from([None, 1, 2]))
    shape = (in_channels, *sizes) if batch is None else (batch, in_channels, *sizes)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                  bias=draw(st.booleans()))
    return in_channels, out_channels, kernel, kwargs, shape, draw(st.sampled_from(DTYPES))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@given(conv_configs(), st.integers(0, 2**32 - 1))
def test_conv2d_matches_torch_random(config, seed):
    in_channels, out_channels, kernel, kwargs, shape, dtype = config
    torch.manual_seed(seed % 2**31)
    theirs = nn.Conv2d(in_channels, out_channels, kernel, **kwargs).to(TORCH_DTYPES[dtype])
    ours = Conv2d(in_channels, out_channels, kernel, **kwargs)
    _copy_weights(ours, theirs)
    x = _input(shape, dtype, seed)
    _check_close(ours(x), _torch_out(theirs, x), dtype)


# --------------------------------------------------------------------------- LConv2d

LCONV_CASES = [
    (2, 3, 3, {}, (4, 2, 2, 7, 6)),
    (2, 3, (3, 2), {"stride": 2, "padding": 1}, (3, 1, 2, 8, 7)),
    (2, 4, 3, {"stride": (1, 2), "padding": (2, 1), "dilation": (2, 1)}, (2, 2, 2, 7, 9)),
    (4, 6, 2, {"groups": 2}, (3, 2, 4, 5, 5)),
    (3, 3, 1, {"groups": 3}, (1, 1, 3, 1, 1)),
    (2, 3, 3, {"padding": 1}, (3, 0, 2, 4, 4)),      # empty batch
]


@pytest.mark.norse
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", LCONV_CASES, ids=lambda c: f"{c[:3]}-{c[3]}-{c[4]}")
def test_lconv2d_matches_norse(case, dtype):
    norse_conv = pytest.importorskip("norse.torch.module.conv")
    in_channels, out_channels, kernel, kwargs, shape = case
    theirs = norse_conv.LConv2d(in_channels, out_channels, kernel, **kwargs)
    theirs = theirs.to(TORCH_DTYPES[dtype])
    ours = LConv2d(in_channels, out_channels, kernel, **kwargs)
    assert theirs.weight.shape[:-1] == ours.weight.shape and theirs.weight.shape[-1] == 1
    assert theirs.bias is None and ours.bias is None
    _copy_weights(ours, theirs, squeeze_last=True)
    x = _input(shape, dtype)
    _check_close(ours(x), _torch_out(theirs, x), dtype)


def test_lconv2d_without_time_steps_gives_an_empty_sequence():
    # Norse's conv3d rejects T = 0 (a time axis shorter than the kernel's depth of 1);
    # here no steps simply give no output steps.
    out = LConv2d(2, 3, 3, padding=1, rng=0)(np.zeros((0, 2, 2, 4, 5), np.float32))
    assert out.shape == (0, 2, 3, 4, 5) and out.dtype == np.float32


def test_lconv2d_is_conv2d_at_each_step():
    ours = LConv2d(3, 4, 3, stride=2, padding=1, rng=1)
    conv = Conv2d(3, 4, 3, stride=2, padding=1, bias=False)
    conv.weight = ours.weight
    x = _input((5, 2, 3, 7, 7), np.float32)
    out = ours(x)
    for t in range(x.shape[0]):
        np.testing.assert_array_equal(out[t], conv(x[t]))


# --------------------------------------------------------------------------- pooling

MAXPOOL_CASES = [
    (2, {}, (2, 3, 8, 8)),
    (3, {}, (2, 3, 8, 7)),
    (3, {"stride": 1}, (1, 2, 5, 6)),
    ((2, 3), {"stride": (1, 2), "padding": (1, 1)}, (2, 2, 7, 8)),
    (3, {"stride": 2, "padding": 1}, (2, 3, 7, 6)),
    (3, {"stride": 2, "ceil_mode": True}, (2, 2, 8, 7)),
    (2, {"stride": 2, "ceil_mode": True, "padding": 1}, (1, 2, 5, 6)),
    (3, {"stride": 3, "ceil_mode": True}, (1, 1, 7, 5)),
    (2, {"dilation": 2}, (2, 2, 7, 7)),
    ((3, 2), {"dilation": (2, 3), "padding": 1, "stride": (2, 1)}, (1, 2, 9, 8)),
    (2, {"dilation": 3, "ceil_mode": True, "padding": 1, "stride": 2}, (1, 2, 8, 9)),
    (3, {}, (3, 7, 7)),                                          # unbatched
    (1, {}, (1, 1, 1, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAXPOOL_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_maxpool2d_matches_torch(case, dtype):
    kernel, kwargs, shape = case
    x = _input(shape, dtype)
    _check_exact(MaxPool2d(kernel, **kwargs)(x), _torch_out(nn.MaxPool2d(kernel, **kwargs), x),
                 dtype)


def test_maxpool2d_propagates_nan_and_infinity():
    x = _input((1, 1, 4, 4), np.float32)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 3, 3] = np.inf
    _check_exact(MaxPool2d(2)(x), _torch_out(nn.MaxPool2d(2), x), np.float32)


AVGPOOL_CASES = [
    (2, {}, (2, 3, 8, 8)),
    (3, {}, (2, 3, 8, 7)),
    ((2, 3), {"stride": (1, 2)}, (1, 2, 5, 8)),
    (3, {"stride": 2, "padding": 1}, (2, 3, 7, 6)),
    (3, {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 7, 6)),
    (3, {"stride": 2, "ceil_mode": True}, (2, 2, 8, 7)),
    (3, {"stride": 2, "ceil_mode": True, "padding": 1}, (2, 2, 8, 7)),
    (3, {"stride": 2, "ceil_mode": True, "padding": 1, "count_include_pad": False},
     (2, 2, 8, 7)),
    (2, {"stride": 3, "ceil_mode": True}, (1, 2, 7, 8)),
    ((4, 2), {"padding": (2, 1), "stride": (3, 1), "ceil_mode": True}, (1, 2, 9, 6)),
    (2, {"divisor_override": 3}, (2, 2, 6, 6)),
    (3, {"divisor_override": -2, "padding": 1, "ceil_mode": True, "stride": 2}, (1, 2, 6, 5)),
    (3, {"padding": 1}, (3, 7, 7)),                              # unbatched
    (1, {}, (1, 1, 1, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVGPOOL_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_avgpool2d_matches_torch(case, dtype):
    kernel, kwargs, shape = case
    x = _input(shape, dtype)
    _check_close(AvgPool2d(kernel, **kwargs)(x), _torch_out(nn.AvgPool2d(kernel, **kwargs), x),
                 dtype)


@st.composite
def pool_configs(draw, dilated):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilated else (1, 1)
    sizes = []
    for k, d, p in zip(kernel, dilation, padding):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        sizes.append(draw(st.integers(smallest, smallest + 6)))
    kwargs = dict(stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    if dilated:
        kwargs["dilation"] = dilation
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        kwargs["divisor_override"] = draw(st.sampled_from([None, None, 1, 5]))
    shape = (draw(st.integers(1, 2)), 2, *sizes)
    return kernel, kwargs, shape, draw(st.sampled_from(DTYPES))


@given(pool_configs(dilated=True), st.integers(0, 2**32 - 1))
def test_maxpool2d_matches_torch_random(config, seed):
    kernel, kwargs, shape, dtype = config
    x = _input(shape, dtype, seed)
    _check_exact(MaxPool2d(kernel, **kwargs)(x), _torch_out(nn.MaxPool2d(kernel, **kwargs), x),
                 dtype)


@given(pool_configs(dilated=False), st.integers(0, 2**32 - 1))
def test_avgpool2d_matches_torch_random(config, seed):
    kernel, kwargs, shape, dtype = config
    x = _input(shape, dtype, seed)
    _check_close(AvgPool2d(kernel, **kwargs)(x), _torch_out(nn.AvgPool2d(kernel, **kwargs), x),
                 dtype)


# --------------------------------------------------------------------------- Flatten, Dropout

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dims, shape", [
    ((), (2, 3, 4, 5)),
    ((0,), (2, 3, 4)),
    ((0, -1), (2, 3, 4)),
    ((1, 2), (2, 3, 4, 5)),
    ((-3, -2), (2, 3, 4, 5)),
    ((2, 2), (2, 3, 4)),
    ((1,), (2, 3)),
    ((0, 0), ()),
    ((-1, -1), ()),
    ((1,), (2, 0, 3)),
])
def test_flatten_matches_torch(dims, shape, dtype):
    x = _input(shape, dtype)
    _check_exact(Flatten(*dims)(x), _torch_out(nn.Flatten(*dims), x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_dropout_is_identity_like_torch_eval(p, dtype):
    x = _input((3, 4), dtype)
    theirs = nn.Dropout(p).eval()
    out = Dropout(p)(x)
    _check_exact(out, _torch_out(theirs, x), dtype)
    assert not np.shares_memory(out, x)


# --------------------------------------------------------------------------- reprs

@pytest.mark.parametrize("make", [
    lambda m: m.Linear(3, 4),
    lambda m: m.Linear(3, 4, bias=False),
    lambda m: m.Conv2d(2, 4, 3),
    lambda m: m.Conv2d(2, 4, (3, 1), stride=2, padding=1, dilation=(1, 2), groups=2,
                       bias=False),
    lambda m: m.Conv2d(2, 4, 3, padding="same"),
    lambda m: m.MaxPool2d(2),
    lambda m: m.MaxPool2d((2, 3), stride=(1, 2), padding=1, dilation=2, ceil_mode=True),
    lambda m: m.AvgPool2d(3, stride=2, padding=1),
    lambda m: m.Flatten(0, 2),
])
def test_repr_matches_torch(make):
    import refsnn.module.layers as layers

    assert repr(make(layers)) == repr(make(nn))


def test_lconv2d_and_dropout_repr():
    assert repr(LConv2d(2, 4, 3, padding=1)) == (
        "LConv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)")
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"


# --------------------------------------------------------------------------- dtypes

LAYERS = {
    "Linear": (lambda: Linear(4, 3, rng=0), (2, 4)),
    "Conv2d": (lambda: Conv2d(2, 3, 2, rng=0), (1, 2, 4, 4)),
    "LConv2d": (lambda: LConv2d(2, 3, 2, rng=0), (2, 1, 2, 4, 4)),
    "Flatten": (lambda: Flatten(), (2, 3, 2)),
    "MaxPool2d": (lambda: MaxPool2d(2), (1, 2, 4, 4)),
    "AvgPool2d": (lambda: AvgPool2d(2, padding=1), (1, 2, 4, 4)),
    "Dropout": (lambda: Dropout(0.3), (2, 3)),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("kind", [np.int64, np.uint8, np.bool_, np.float16])
def test_non_float32_64_input_runs_in_float32(name, kind):
    make, shape = LAYERS[name]
    layer = make()
    values = np.random.default_rng(0).integers(0, 2, shape)
    out = layer(values.astype(kind))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, layer(values.astype(np.float32)))


@pytest.mark.parametrize("name", LAYERS)
def test_float64_input_gives_float64_and_lists_work(name):
    make, shape = LAYERS[name]
    layer = make()
    x = _input(shape, np.float64)
    out = layer(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(layer(x.tolist()), out)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("bad", [np.complex64, object])
def test_non_real_input_is_a_type_error(name, bad):
    make, shape = LAYERS[name]
    arg = "input_tensor" if name == "LConv2d" else "input"
    with pytest.raises(TypeError, match=f"{arg} must hold real numbers.*got dtype"):
        make()(np.zeros(shape, dtype=bad))


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_input_not_mutated_and_output_not_a_view(name, dtype):
    make, shape = LAYERS[name]
    x = _input(shape, dtype)
    x.flags.writeable = False
    before = x.copy()
    out = make()(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


def test_weights_are_cast_not_modified():
    layer = Conv2d(2, 3, 2, rng=0)
    weight, bias = layer.weight.copy(), layer.bias.copy()
    layer(_input((1, 2, 3, 3), np.float64))
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    np.testing.assert_array_equal(layer.weight, weight)
    np.testing.assert_array_equal(layer.bias, bias)


# --------------------------------------------------------------------------- initialisation

WEIGHTED = {
    "Linear": (lambda rng: Linear(6, 5, rng=rng), lambda: nn.Linear(6, 5), 6),
    "Conv2d": (lambda rng: Conv2d(6, 4, (3, 2), groups=2, rng=rng),
               lambda: nn.Conv2d(6, 4, (3, 2), groups=2), 3 * 3 * 2),
    "LConv2d": (lambda rng: LConv2d(6, 9, (3, 2), groups=3, rng=rng),
                lambda: __import__("norse.torch", fromlist=["LConv2d"]).LConv2d(
                    6, 9, (3, 2), groups=3), 2 * 3 * 2),
}


@pytest.mark.parametrize("name", WEIGHTED)
def test_rng_makes_initialisation_reproducible(name):
    make = WEIGHTED[name][0]
    a, b, c = make(7), make(7), make(8)
    d = make(np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.weight, d.weight)
    assert not np.array_equal(a.weight, c.weight)
    assert a.weight.dtype == np.float32
    if a.bias is not None:
        np.testing.assert_array_equal(a.bias, b.bias)
        assert a.bias.dtype == np.float32


@pytest.mark.parametrize("name", WEIGHTED)
def test_weight_shape_matches_torch(name):
    make, make_torch, _ = WEIGHTED[name]
    if name == "LConv2d":
        pytest.importorskip("norse")
    theirs = make_torch()
    ours = make(0)
    shape = tuple(theirs.weight.shape)
    assert ours.weight.shape == (shape[:-1] if name == "LConv2d" else shape)
    assert (ours.bias is None) == (theirs.bias is None)


@pytest.mark.parametrize("name", WEIGHTED)
def test_initial_bounds_follow_torch_formula(name):
    make, make_torch, fan_in = WEIGHTED[name]
    bound = 1.0 / np.sqrt(fan_in)
    # Many layers give many draws: the empirical range must fill [-bound, bound].
    ours = [make(seed) for seed in range(200)]
    weights = np.concatenate([layer.weight.ravel() for layer in ours])
    assert np.abs(weights).max() <= np.float32(bound)
    assert weights.min() < -0.98 * bound and weights.max() > 0.98 * bound
    assert abs(weights.mean()) < 0.05 * bound
    # Uniform: a quarter of the draws in each quarter of the interval.
    counts = np.histogram(weights, bins=4, range=(-bound, bound))[0] / weights.size
    np.testing.assert_allclose(counts, 0.25, atol=0.02)
    if ours[0].bias is not None:
        biases = np.concatenate([layer.bias for layer in ours])
        assert np.abs(biases).max() <= np.float32(bound)
        assert biases.min() < -0.9 * bound and biases.max() > 0.9 * bound
    # torch's layers draw from the same interval.
    if name == "LConv2d":
        pytest.importorskip("norse")
    torch.manual_seed(0)
    theirs = torch.cat([make_torch().weight.detach().ravel() for _ in range(200)]).numpy()
    assert np.abs(theirs).max() <= np.float32(bound)
    assert theirs.min() < -0.98 * bound and theirs.max() > 0.98 * bound


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("make, error, message", [
    (lambda: Linear(0, 3), ValueError, r"in_features must be >= 1, got 0"),
    (lambda: Linear(3, -1), ValueError, r"out_features must be >= 1, got -1"),
    (lambda: Linear(3.0, 2), TypeError, r"in_features must be an int, got float"),
    (lambda: Linear(True, 2), TypeError, r"in_features must be an int, got bool"),
    (lambda: Linear(3, 2, bias=1), TypeError, r"bias must be a bool, got int"),
    (lambda: Conv2d(0, 2, 3), ValueError, r"in_channels must be >= 1, got 0"),
    (lambda: Conv2d(2, 0, 3), ValueError, r"out_channels must be >= 1, got 0"),
    (lambda: Conv2d(3, 2, 3, groups=2), ValueError,
     r"in_channels must be divisible by groups, got in_channels=3 and groups=2"),
    (lambda: Conv2d(2, 3, 3, groups=2), ValueError,
     r"out_channels must be divisible by groups, got out_channels=3 and groups=2"),
    (lambda: Conv2d(2, 2, 3, groups=0), ValueError, r"groups must be >= 1, got 0"),
    (lambda: Conv2d(2, 2, 0), ValueError, r"kernel_size must be >= 1 .*got 0"),
    (lambda: Conv2d(2, 2, (3, 0)), ValueError, r"kernel_size must be >= 1 .*got \(3, 0\)"),
    (lambda: Conv2d(2, 2, (3, 3, 3)), TypeError,
     r"kernel_size must be an int or a pair of ints \(height, width\), got \(3, 3, 3\)"),
    (lambda: Conv2d(2, 2, 2.5), TypeError, r"kernel_size must be an int or a pair"),
    (lambda: Conv2d(2, 2, 3, stride=0), ValueError, r"stride must be >= 1 .*got 0"),
    (lambda: Conv2d(2, 2, 3, dilation=(1, 0)), ValueError, r"dilation must be >= 1"),
    (lambda: Conv2d(2, 2, 3, padding=-1), ValueError, r"padding must be >= 0 .*got -1"),
    (lambda: Conv2d(2, 2, 3, padding="full"), ValueError,
     r"padding must be an int, a pair of ints, 'valid' or 'same', got 'full'"),
    (lambda: Conv2d(2, 2, 3, stride=2, padding="same"), ValueError,
     r"padding='same' is not supported for strided convolutions, got stride=\(2, 2\)"),
    (lambda: Conv2d(2, 2, 3, padding_mode="reflect"), ValueError,
     r"padding_mode must be 'zeros' .*got 'reflect'"),
    (lambda: Conv2d(2, 2, 3, bias=None), TypeError, r"bias must be a bool, got NoneType"),
    (lambda: LConv2d(2, 2, 3, padding="same"), ValueError,
     r"padding must be an int or a pair of ints for LConv2d, got 'same'"),
    (lambda: LConv2d(3, 2, 3, groups=2), ValueError, r"in_channels must be divisible"),
    (lambda: MaxPool2d(0), ValueError, r"kernel_size must be >= 1"),
    (lambda: MaxPool2d(2, stride=0), ValueError, r"stride must be >= 1 .*got 0"),
    (lambda: MaxPool2d(2, dilation=0), ValueError, r"dilation must be >= 1"),
    (lambda: MaxPool2d(3, padding=2), ValueError,
     r"padding must be at most half of kernel_size .*padding=\(2, 2\) and kernel_size=\(3, 3\)"),
    (lambda: MaxPool2d(2, ceil_mode=None), TypeError, r"ceil_mode must be a bool"),
    (lambda: AvgPool2d((2, 4), padding=(2, 1)), ValueError,
     r"padding must be at most half of kernel_size"),
    (lambda: AvgPool2d(2, padding=-1), ValueError, r"padding must be >= 0"),
    (lambda: AvgPool2d(2, divisor_override=0), ValueError, r"divisor_override must not be zero"),
    (lambda: AvgPool2d(2, divisor_override=1.5), TypeError,
     r"divisor_override must be an int or None, got float"),
    (lambda: AvgPool2d(2, count_include_pad="yes"), TypeError,
     r"count_include_pad must be a bool, got str"),
    (lambda: Flatten(1.0), TypeError, r"start_dim must be an int, got float"),
    (lambda: Flatten(0, "x"), TypeError, r"end_dim must be an int, got str"),
    (lambda: Dropout(1.5), ValueError, r"p \(the dropout probability\) must be between 0 and 1, "
                                       r"got 1.5"),
    (lambda: Dropout(-0.1), ValueError, r"between 0 and 1, got -0.1"),
    (lambda: Dropout(float("nan")), ValueError, r"between 0 and 1, got nan"),
    (lambda: Dropout("0.5"), TypeError, r"p must be a real number, got str"),
    (lambda: Dropout(True), TypeError, r"p must be a real number, got bool"),
])
def test_constructor_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer, shape, error, message", [
    (Linear(4, 3), (2, 5), ValueError,
     r"input must have in_features=4 on its last axis, got shape \(2, 5\)"),
    (Linear(4, 3), (), ValueError, r"input must have in_features=4 .*got shape \(\)"),
    (Conv2d(3, 2, 2), (1, 2, 4, 4), ValueError,
     r"input must have in_channels=3 channels on axis 1 of \(N, C, H, W\), "
     r"got shape \(1, 2, 4, 4\)"),
    (Conv2d(3, 2, 2), (2, 4, 4), ValueError,
     r"input must have in_channels=3 channels on axis 0 of \(C, H, W\), got shape \(2, 4, 4\)"),
    (Conv2d(3, 2, 2), (3, 4), ValueError,
     r"input must be 3-D \(C, H, W\) or 4-D \(N, C, H, W\), got 2-D with shape \(3, 4\)"),
    (Conv2d(3, 2, 2), (1, 1, 3, 4, 4), ValueError, r"input must be 3-D .* got 5-D"),
    (Conv2d(1, 1, 3, dilation=2), (1, 1, 4, 9), ValueError,
     r"input spatial size \(4, 9\) \(padded: \(4, 9\)\) is smaller than the dilated kernel "
     r"\(5, 5\)"),
    (Conv2d(1, 1, 3, padding="same"), (1, 1, 0, 3), ValueError,
     r"input spatial size \(0, 3\)"),
    (LConv2d(3, 2, 2), (2, 1, 2, 4, 4), ValueError,
     r"input_tensor must have in_channels=3 channels on axis 2 of \(T, N, C, H, W\), "
     r"got shape \(2, 1, 2, 4, 4\)"),
    (LConv2d(3, 2, 2), (1, 3, 4, 4), ValueError,
     r"input_tensor must be 5-D \(T, N, C, H, W\), got 4-D with shape \(1, 3, 4, 4\)"),
    (LConv2d(1, 1, 3), (2, 1, 1, 2, 5), ValueError,
     r"input_tensor spatial size \(2, 5\) \(padded: \(2, 5\)\) is smaller"),
    (MaxPool2d(2), (4, 4), ValueError, r"input must be 3-D \(C, H, W\) or 4-D"),
    (MaxPool2d(3), (1, 2, 2, 2), ValueError,
     r"input: input of spatial size \(2, 2\) gives output size \(0, 0\), which is too small"),
    (AvgPool2d(2), (1, 2, 3, 1), ValueError, r"gives output size \(1, 0\)"),
    (AvgPool2d(2), (1, 1, 2, 2, 2, 2), ValueError, r"input must be 3-D .* got 6-D"),
    (Flatten(2), (2, 3), ValueError,
     r"start_dim=2 is out of range for an input with 2 dimensions \(expected -2 to 1\)"),
    (Flatten(0, -4), (2, 3, 4), ValueError, r"end_dim=-4 is out of range"),
    (Flatten(), (), ValueError, r"start_dim=1 is out of range for an input with 0 dimensions"),
    (Flatten(2, 1), (2, 3, 4), ValueError,
     r"start_dim must not come after end_dim, got start_dim=2 and end_dim=1"),
])
def test_forward_errors(layer, shape, error, message):
    with pytest.raises(error, match=message):
        layer(np.zeros(shape, dtype=np.float32))


def test_replaced_weights_are_checked():
    layer = Conv2d(2, 3, 2, rng=0)
    layer.weight = np.zeros((3, 2, 2, 3), np.float32)
    with pytest.raises(ValueError,
                       match=r"weight must have shape \(3, 2, 2, 2\), got \(3, 2, 2, 3\)"):
        layer(np.zeros((1, 2, 3, 3)))
    linear = Linear(2, 3, rng=0)
    linear.bias = np.zeros(2)
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\), got \(2,\)"):
        linear(np.zeros(2))
    linear.bias = np.zeros(3, dtype=np.complex64)
    with pytest.raises(TypeError, match=r"bias must be a real-valued array, got dtype complex64"):
        linear(np.zeros(2))
