"""Encoders against Norse 1.1.0: the rows of validation/parity_encoding.py, and a few direct checks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is needed for Norse parity")
pytest.importorskip("norse", reason="norse is needed for Norse parity")

import norse.torch.functional.encode as N  # noqa: E402

from refsnn.compat.norse import encode as compat  # noqa: E402
from refsnn.functional import encode as E  # noqa: E402
from validation import parity_encoding  # noqa: E402

pytestmark = pytest.mark.norse
CASES = parity_encoding.cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.label}-{c.variant}-{c.dtype}" for c in CASES])
def test_parity_row(case):
    r = case.run()
    assert r.ok, (
        f"{r.label} [{r.variant}, {r.dtype}]: expected {r.expected}, got max ulp {r.max_ulp}, "
        f"scaled {r.max_scaled:.3g}, max |diff| {r.max_abs:.3g}, spikes equal {r.spikes_equal}"
    )


def test_every_norse_encoder_has_rows():
    public = {n for n in dir(N) if callable(getattr(N, n)) and n.islower() and not n.startswith("_")}
    public -= {"lif_current_encoder"}  # imported into Norse's module, covered by the LIF table
    covered = {c.label.split("[")[0] for c in CASES}
    assert public <= covered, public - covered


def test_same_arguments_as_norse_with_seed_for_generator():
    import inspect

    for name in E.__all__:
        ours = list(inspect.signature(getattr(E, name)).parameters)
        while ours[-1] in ("backend", "spike_dtype"):  # refsnn's own trailing keywords
            ours = ours[:-1]
        theirs = list(inspect.signature(getattr(N, name)).parameters)
        if "generator" in theirs:
            theirs = [a for a in theirs if a != "generator"]
            assert ours[:len(theirs)] == theirs and ours[len(theirs):][0] == "seed", name
        else:
            assert ours == theirs, name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_population_code_bit_identical_with_torch_exp(monkeypatch, dtype):
    """With Norse's own exp the population code and kernel match bit for bit."""
    monkeypatch.setattr(E, "exp", lambda a: torch.exp(torch.as_tensor(a)).numpy())
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, (4, 9)).astype(dtype)
    for n in (1, 2, 5, 16, 33, 200):
        for scale in (None, 2.2):
            expected = N.population_encode(torch.as_tensor(x), n, scale).numpy()
            assert np.array_equal(compat.population_encode(x, n, scale), expected)
            if dtype == np.float32:
                assert np.array_equal(E.population_encode(x, n, scale), expected)
    for sigma in (1, 0.4, 3):
        assert np.array_equal(E.gaussian_rbf(x, sigma), N.gaussian_rbf(torch.as_tensor(x), sigma).numpy())


def test_float64_population_code_is_finer_than_norse():
    # Norse's centres are float32 even for float64 input; refsnn's are float64.
    x = np.array([1.0 / 3.0, 2.0])
    expected = N.population_encode(torch.as_tensor(x), 7).numpy()
    ours = E.population_encode(x, 7)
    assert not np.array_equal(ours, expected)
    exact = np.exp(-((x[:, None] - np.arange(7) / 6 * 2.0) ** 2) * 2.0 / 2)
    assert np.abs(ours - exact).max() < np.abs(expected - exact).max()


def test_poisson_statistics_agree_with_norse():
    """Mean spike rates of refsnn and Norse agree with each other and with f_max x."""
    x = np.linspace(0.0, 1.0, 21, dtype=np.float32)
    steps = 5000
    g = torch.Generator().manual_seed(0)
    theirs = N.poisson_encode(torch.as_tensor(x), steps, 100, 1e-3, generator=g).numpy().mean(axis=0)
    ours = E.poisson_encode(x, steps, 100, 1e-3, seed=0).mean(axis=0)
    p = 0.1 * x
    sd = np.sqrt(np.maximum(p * (1 - p), 1e-12) / steps)
    assert np.all(np.abs(ours - p) <= 4.5 * sd) and np.all(np.abs(theirs - p) <= 4.5 * sd)
    assert ours[0] == theirs[0] == 0
