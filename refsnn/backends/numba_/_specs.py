"""What the numba kernels expect of each family (pure Python, no numba import).

For every family: the kernel ``kind`` of each variant and the leaf layout the
kernel indexes (parameters and state flattened depth first, dotted paths for
nested tuples). The runner compares these layouts with the tuples it is
given, so a reordered field in :mod:`refsnn.functional` raises instead of
feeding a kernel the wrong row.
"""

from __future__ import annotations

from typing import NamedTuple

_LIF = ("tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset")
_ADEX = ("adaptation_current", "adaptation_spike", "delta_T", "tau_ada_inv",
         "tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset")
_LSNN = ("tau_syn_inv", "tau_mem_inv", "tau_adapt_inv", "v_leak", "v_th", "v_reset", "beta")


def _nested(prefix: str, names: tuple) -> tuple:
    return tuple(f"{prefix}.{n}" for n in names)


class Spec(NamedTuple):
    """Kernel kinds and leaf layouts of one family.

    ``ff``/``rec``: kinds of the feed-forward and recurrent steps (``None`` if
    the variant does not exist; ``lif_box``'s ``ff`` gets ``_value``/``_subtract``
    inserted by the reset method). ``rec_elementwise``: the recurrent variant
    is elementwise once the input projection is known (leaky integrators).
    ``sign_split``: weights act through ``relu(W)`` and ``relu(-W)`` (COBA).
    ``coupled``: the steps take the compartment coupling ``v @ G.T``.
    """

    ff: str | None
    rec: str | None
    params: tuple
    ff_state: tuple
    rec_state: tuple
    rec_elementwise: bool = False
    sign_split: bool = False
    coupled: bool = False


SPECS: dict[str, Spec] = {
    "lif": Spec("lif_ff", "lif_rec", _LIF, ("v", "i"), ("z", "v", "i")),
    "li": Spec("li_ff", "li_ff", ("tau_syn_inv", "tau_mem_inv", "v_leak"),
               ("v", "i"), ("v", "i"), rec_elementwise=True),
    "li_box": Spec("li_box_ff", "li_box_ff", ("tau_mem_inv", "v_leak"),
                   ("v",), ("v",), rec_elementwise=True),
    "iaf": Spec("iaf_ff", "iaf_rec", ("v_th", "v_reset"), ("v",), ("z", "v")),
    "lif_box": Spec("lif_box_ff", None, ("tau_mem_inv", "v_leak", "v_th", "v_reset"),
                    ("v",), ()),
    "lif_ex": Spec("lif_ex_ff", "lif_ex_rec",
                   ("delta_T", "tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset"),
                   ("v", "i"), ("z", "v", "i")),
    "lif_adex": Spec("lif_adex_ff", "lif_adex_rec", _ADEX, ("v", "i", "a"),
                     ("z", "v", "i", "a")),
    "lif_refrac": Spec("lif_refrac_ff", "lif_refrac_rec",
                       _nested("lif", _LIF) + ("rho_reset",),
                       ("lif.v", "lif.i", "rho"), ("lif.z", "lif.v", "lif.i", "rho")),
    "lif_adex_refrac": Spec("lif_adex_refrac_ff", "lif_adex_refrac_rec",
                            _nested("lif_adex", _ADEX) + ("rho_reset",),
                            _nested("lif_adex", ("v", "i", "a")) + ("rho",),
                            _nested("lif_adex", ("z", "v", "i", "a")) + ("rho",)),
    "coba_lif": Spec("coba_lif_ff", "coba_lif_rec",
                     ("tau_syn_exc_inv", "tau_syn_inh_inv", "c_m_inv", "g_l", "e_rev_I",
                      "e_rev_E", "v_rest", "v_reset", "v_thresh"),
                     ("v", "g_e", "g_i"), ("z", "v", "g_e", "g_i"), sign_split=True),
    "lif_mc": Spec("lif_mc_ff", "lif_mc_rec", _LIF, ("v", "i"), ("z", "v", "i"),
                   coupled=True),
    "lif_mc_refrac": Spec("lif_mc_refrac_ff", "lif_mc_refrac_rec",
                          _nested("lif", _LIF) + ("rho_reset",),
                          ("lif.v", "lif.i", "rho"), ("lif.z", "lif.v", "lif.i", "rho"),
                          coupled=True),
    "lsnn": Spec("lsnn_ff", "lsnn_rec", _LSNN, ("v", "i", "b"), ("z", "v", "i", "b")),
    "ada_lif": Spec(None, "ada_lif_rec", _LSNN, (), ("z", "v", "i", "b")),
    "izhikevich": Spec("izhikevich_ff", "izhikevich_rec",
                       ("a", "b", "c", "d", "sq", "mn", "bias", "v_th", "tau_inv"),
                       ("v", "u"), ("z", "v", "u")),
}


def kernel_rows(kind: str) -> dict[str, int]:
    """How many rows of each kernel array the step ``kind`` reads.

    ``state``: rows of ``S``; ``params``: rows of ``P``; ``inputs``: rows of
    ``I`` (2 for COBA's sign-split recurrent drive); ``products``: rows of
    ``D`` (the coupling first, then the recurrent products).
    """
    for spec in SPECS.values():
        recurrent = kind == spec.rec and kind != spec.ff
        if recurrent or kind == spec.ff or (
                spec.ff == "lif_box_ff" and kind in ("lif_box_value_ff", "lif_box_subtract_ff")):
            split = 2 if recurrent and spec.sign_split else 1
            return {
                "state": len(spec.rec_state if recurrent else spec.ff_state),
                "params": len(spec.params),
                "inputs": split,
                "products": int(spec.coupled) + (split if recurrent else 0),
            }
    raise KeyError(f"no numba kernel kind {kind!r}")
