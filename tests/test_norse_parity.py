"""Every row of validation/norse_parity.py must meet its expectation."""

import pytest

pytest.importorskip("torch", reason="torch is needed for Norse parity")
pytest.importorskip("norse", reason="norse is needed for Norse parity")

from validation import norse_parity  # noqa: E402

pytestmark = pytest.mark.norse


@pytest.mark.parametrize(
    "spec, variant, dtype", norse_parity.cases(),
    ids=[f"{s.label}-{v}-{d}" for s, v, d in norse_parity.cases()],
)
def test_parity_row(spec, variant, dtype):
    r = norse_parity.run_case(spec, variant, dtype)
    assert r.ok, (
        f"{spec.label} [{variant}, {dtype}]: expected {r.expected}, got max ulp {r.max_ulp}, "
        f"max |diff| {r.max_abs:.3g}, spikes equal {r.spikes_equal}"
    )


def test_ulp_distance_counts_representable_steps():
    import numpy as np

    a = np.array([1.0, -0.0, np.nan], np.float32)
    b = np.array([np.nextafter(np.float32(1), np.float32(2)), 0.0, np.nan], np.float32)
    assert norse_parity.ulp_distance(a, b) == 1
    assert norse_parity.ulp_distance(a[:1], np.float32([np.inf])) > 10**6
