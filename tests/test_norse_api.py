"""refsnn mirrors Norse's functional API: names, argument names/order, tuple fields, defaults."""

import importlib
import inspect

import numpy as np
import pytest

pytest.importorskip("torch", reason="torch is needed to read Norse's API")
pytest.importorskip("norse", reason="norse is needed to read Norse's API")

from refsnn.compat.norse.convert import GRADIENT_ONLY_FIELDS  # noqa: E402
from validation.norse_parity import SPECS  # noqa: E402

pytestmark = pytest.mark.norse

FUNCTIONS = sorted({(s.family, s.norse_module, s.function.split("[")[0]) for s in SPECS})


def _pair(family, norse_module, name):
    ours = getattr(importlib.import_module(f"refsnn.functional.{family}"), name)
    theirs = getattr(importlib.import_module(f"norse.torch.functional.{norse_module}"), name)
    return ours, theirs


@pytest.mark.parametrize("family, norse_module, name", FUNCTIONS, ids=[f[2] for f in FUNCTIONS])
def test_same_argument_names_and_order(family, norse_module, name):
    ours, theirs = _pair(family, norse_module, name)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)


def _tuple_types():
    seen = {}
    for family, norse_module, name in FUNCTIONS:
        ours_mod = importlib.import_module(f"refsnn.functional.{family}")
        theirs_mod = importlib.import_module(f"norse.torch.functional.{norse_module}")
        for attr, obj in vars(ours_mod).items():
            if isinstance(obj, type) and hasattr(obj, "_fields") and hasattr(theirs_mod, attr):
                seen[attr] = (obj, getattr(theirs_mod, attr))
    return sorted(seen.items())


@pytest.mark.parametrize("name, pair", _tuple_types(), ids=[n for n, _ in _tuple_types()])
def test_same_fields_and_defaults(name, pair):
    ours, theirs = pair
    assert list(ours._fields) == [f for f in theirs._fields if f not in GRADIENT_ONLY_FIELDS]
    for field, default in ours._field_defaults.items():
        norse_default = theirs._field_defaults[field]
        if callable(default):
            assert default.__name__ == norse_default.__name__
        elif hasattr(default, "_fields"):
            assert type(default).__name__ == type(norse_default).__name__
        else:
            want = np.asarray(norse_default.detach() if hasattr(norse_default, "detach")
                              else norse_default, dtype=np.float32)
            np.testing.assert_array_equal(np.float32(default), want, err_msg=field)
