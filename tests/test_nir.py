"""refsnn.nir: NIR graphs <-> module networks (from_nir, to_nir, the graph executor)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

nir = pytest.importorskip("nir")

import refsnn.module as rm  # noqa: E402
from refsnn.functional.lif_box import LIFBoxFeedForwardState, LIFBoxParameters  # noqa: E402
from refsnn.functional.lif_box import lif_box_feed_forward_step  # noqa: E402
from refsnn.nir import GraphNetwork, from_nir, to_nir  # noqa: E402
from validation import nir_paper  # noqa: E402

F32 = np.float32


def a32(*values):
    return np.array(values, F32)


def chain(*nodes, input_shape=None):
    """A NIR chain input -> "0" -> "1" -> ... -> output (no type check)."""
    named = {"input": nir.Input(input_type=None if input_shape is None
                                else np.array(input_shape))}
    named.update({str(k): n for k, n in enumerate(nodes)})
    named["output"] = nir.Output(output_type=None)
    names = list(named)
    return nir.NIRGraph(nodes=named, edges=list(zip(names[:-1], names[1:])), type_check=False)


def lif(n, tau=0.01, r=1.0, v_leak=0.0, v_th=0.5, v_reset=0.0):
    full = lambda v: np.full(n, v, F32)  # noqa: E731
    return nir.LIF(tau=full(tau), r=full(r), v_leak=full(v_leak), v_threshold=full(v_th),
                   v_reset=full(v_reset))


def steps(net, x):
    """Run ``net`` step by step over ``x`` (time on axis 0)."""
    outs, state = [], None
    for xt in x:
        out, state = net(xt, state)
        outs.append(out)
    return np.stack(outs), state


# --------------------------------------------------------------------------- the NIR paper

def test_import_refsnn_does_not_import_nir():
    code = "import sys, refsnn, refsnn.module; assert 'nir' not in sys.modules, 'nir imported'"
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[1])


@pytest.mark.parametrize("method", ["euler", "exact"])
def test_the_nir_papers_single_lif_spikes_where_norse_recorded(method):
    assert nir_paper.paper_spikes(method) == nir_paper.NORSE_SPIKE_STEPS == (460, 510, 710, 760)


def test_the_nir_papers_voltage_trace_matches_norses_recorded_values():
    spikes, v = nir_paper.paper_run()
    assert tuple(np.flatnonzero(spikes)) == nir_paper.NORSE_SPIKE_STEPS
    # Values printed in lif_norse.csv (float32, shortest repr), rows 60, 61, 459, 460, 470.
    recorded = {60: "0.04", 61: "0.038399998", 459: "0.06914552", 460: "0.0", 470: "0.04"}
    for step, text in recorded.items():
        assert v[step] == F32(text), (step, v[step], text)


def test_a_graph_file_reads_like_the_graph(tmp_path):
    path = tmp_path / "lif.nir"
    nir.write(path, nir_paper.paper_graph())
    net = from_nir(str(path), dt=nir_paper.DT)
    out, _ = net.sequence(nir_paper.paper_input())
    assert tuple(np.flatnonzero(out[:, 0])) == nir_paper.NORSE_SPIKE_STEPS


# --------------------------------------------------------------------------- running graphs

def conv_graph():
    rng = np.random.default_rng(0)
    return chain(
        nir.Conv2d(input_shape=(6, 6), weight=rng.normal(size=(3, 2, 3, 3)).astype(F32),
                   stride=1, padding=1, dilation=1, groups=1, bias=a32(0.1, 0.0, -0.1)),
        nir.IF(r=np.full((3, 6, 6), 1e3, F32), v_threshold=np.full((3, 6, 6), 1.0, F32)),
        nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                      padding=np.array([0, 0])),
        nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0, end_dim=-1),
        nir.Affine(weight=rng.normal(size=(5, 27)).astype(F32), bias=np.zeros(5, F32)),
        nir.CubaLIF(tau_syn=np.full(5, 0.005, F32), tau_mem=np.full(5, 0.01, F32),
                    r=np.full(5, 2.0, F32), v_leak=np.zeros(5, F32),
                    v_threshold=np.full(5, 0.2, F32)),
        input_shape=(2, 6, 6))


def test_a_sequence_call_equals_step_by_step_calls_bit_for_bit():
    net = from_nir(conv_graph(), dt=1e-3)
    x = (np.random.default_rng(1).random((12, 4, 2, 6, 6)) < 0.4).astype(F32)
    fused, fused_state = net.sequence(x)
    stepped, stepped_state = steps(net, x)
    assert fused.shape == (12, 4, 5) and fused.any()
    np.testing.assert_array_equal(fused, stepped)
    for a, b in zip(fused_state.nodes["5"], stepped_state.nodes["5"]):
        np.testing.assert_array_equal(a.v, b.v)


def test_a_lifted_network_runs_like_its_sequence_call():
    net = from_nir(conv_graph(), dt=1e-3)
    x = (np.random.default_rng(12).random((5, 2, 2, 6, 6)) < 0.4).astype(F32)
    lifted, _ = rm.Lift(net)(x)
    np.testing.assert_array_equal(lifted, net.sequence(x)[0])


@pytest.mark.long
def test_every_backend_runs_a_graph_like_numpy():
    from refsnn import registry

    x = (np.random.default_rng(13).random((20, 3, 2, 6, 6)) < 0.4).astype(F32)
    reference, _ = from_nir(conv_graph(), dt=1e-3, backend="numpy").sequence(x)
    for backend in registry.available():
        out, _ = from_nir(conv_graph(), dt=1e-3, backend=backend).sequence(x)
        np.testing.assert_array_equal(out, reference, err_msg=backend)


def test_unbatched_and_batched_inputs_give_the_same_rows():
    net = from_nir(conv_graph(), dt=1e-3)
    x = (np.random.default_rng(2).random((6, 3, 2, 6, 6)) < 0.4).astype(F32)
    batched, _ = net.sequence(x)
    for b in range(3):
        np.testing.assert_array_equal(net.sequence(x[:, b])[0], batched[:, b])


def test_a_dag_sums_the_inputs_of_a_node_in_edge_order():
    w1, w2 = np.array([[1.0, 2.0]], F32), np.array([[0.5, -1.0]], F32)
    nodes = {"in": nir.Input(input_type=np.array([2])),
             "a": nir.Linear(weight=w1), "b": nir.Linear(weight=w2),
             "scale": nir.Scale(scale=a32(3.0)), "th": nir.Threshold(threshold=a32(1.0)),
             "out": nir.Output(output_type=np.array([1]))}
    edges = [("in", "a"), ("in", "b"), ("a", "scale"), ("b", "scale"), ("scale", "th"),
             ("th", "out")]
    net = from_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), dt=1e-3)
    x = np.random.default_rng(3).normal(size=(7, 2)).astype(F32)
    out, _ = net(x)
    summed = (x @ w1.T + x @ w2.T) * F32(3.0)
    np.testing.assert_array_equal(out, (summed > 1.0).astype(F32))


def test_a_cycle_feeds_back_the_previous_steps_output():
    w_in, w_rec = np.array([[2.0]], F32), np.array([[-0.7]], F32)
    nodes = {"input": nir.Input(input_type=np.array([1])), "w_in": nir.Linear(weight=w_in),
             "lif": lif(1, tau=0.02, v_th=0.3), "w_rec": nir.Linear(weight=w_rec),
             "output": nir.Output(output_type=np.array([1]))}
    edges = [("input", "w_in"), ("w_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
             ("lif", "output")]
    net = from_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), dt=1e-3)
    x = (np.random.default_rng(4).random((60, 1)) < 0.5).astype(F32) * F32(20.0)
    out, _ = net.sequence(x)
    p = LIFBoxParameters(tau_mem_inv=F32(50.0), v_th=F32(0.3))
    state, z, expected = LIFBoxFeedForwardState(v=np.zeros(1, F32)), np.zeros(1, F32), []
    for xt in x:
        drive = xt @ w_in.T + z @ w_rec.T
        z, state = lif_box_feed_forward_step(drive, state, p, dt=1e-3)
        expected.append(z)
    assert out.any()
    np.testing.assert_array_equal(out, np.stack(expected))


def test_a_subgraph_runs_like_its_nodes_inlined():
    inner = chain(lif(3, tau=0.005, v_th=0.2))
    outer = chain(nir.Scale(scale=np.full(3, 4.0, F32)), inner)
    flat = chain(nir.Scale(scale=np.full(3, 4.0, F32)), lif(3, tau=0.005, v_th=0.2))
    x = np.random.default_rng(5).random((30, 3)).astype(F32)
    a, _ = from_nir(outer, dt=1e-3).sequence(x)
    b, _ = from_nir(flat, dt=1e-3).sequence(x)
    assert a.any()
    np.testing.assert_array_equal(a, b)


def test_the_integrator_and_if_add_r_dt_times_the_input():
    r = a32(2.0, 0.5)
    x = np.random.default_rng(6).random((20, 2)).astype(F32)
    out, _ = from_nir(chain(nir.I(r=r)), dt=0.25).sequence(x)
    np.testing.assert_array_equal(out, np.add.accumulate(x * (r * F32(0.25)), axis=0))
    np.testing.assert_array_equal(steps(from_nir(chain(nir.I(r=r)), dt=0.25), x)[0], out)
    spikes, _ = from_nir(chain(nir.IF(r=r, v_threshold=a32(1.0, 1.0))), dt=0.25).sequence(x)
    v, expected = np.zeros(2, F32), []
    for xt in x:
        v = v + xt * (r * F32(0.25))
        expected.append((v > 1.0).astype(F32))
        v = np.where(v > 1.0, F32(0.0), v)
    np.testing.assert_array_equal(spikes, np.stack(expected))


def test_conv1d_is_a_one_dimensional_cross_correlation():
    rng = np.random.default_rng(7)
    w, b = rng.normal(size=(4, 2, 3)).astype(F32), rng.normal(size=4).astype(F32)
    node = nir.Conv1d(input_shape=10, weight=w, stride=2, padding=1, dilation=1, groups=1,
                      bias=b)
    x = rng.normal(size=(3, 2, 10)).astype(F32)
    out, _ = from_nir(chain(node), dt=1e-3)(x)
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1)))
    expected = np.stack([np.einsum("nck,ock->no", padded[:, :, 2 * j:2 * j + 3], w)
                         for j in range(5)], axis=-1) + b[:, None]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- discretisation

def test_exact_integration_follows_the_analytic_leaky_integrator():
    tau, r, v_leak, dt, x = 0.02, 1.5, 0.2, 0.004, 0.8
    node = nir.LI(tau=np.array([tau]), r=np.array([r]), v_leak=np.array([v_leak]))
    inputs = np.full((50, 1), x)
    t = dt * np.arange(1, 51)
    analytic = v_leak + r * x * (1.0 - np.exp(-t / tau))   # v(0) = v_leak
    exact, _ = from_nir(chain(node), dt=dt, method="exact", dtype=np.float64).sequence(inputs)
    euler, _ = from_nir(chain(node), dt=dt, method="euler", dtype=np.float64).sequence(inputs)
    np.testing.assert_allclose(exact[:, 0], analytic, rtol=1e-13, atol=0)
    assert np.max(np.abs(euler[:, 0] - analytic)) > 1e-3     # Euler is first order


def test_exact_cubalif_integrates_the_synapse_exactly():
    tau_syn, dt = 0.005, 0.001
    node = nir.CubaLIF(tau_syn=np.array([tau_syn]), tau_mem=np.array([0.01]), r=np.array([1.0]),
                       v_leak=np.array([0.0]), v_threshold=np.array([1e9]), w_in=np.array([3.0]))
    inputs = np.zeros((30, 1))
    inputs[0] = 1.0
    net = from_nir(chain(node), dt=dt, method="exact", dtype=np.float64)
    state, currents = None, []
    for xt in inputs:
        _, state = net(xt, state)
        currents.append(state.nodes["0"][0].v[0])
    k = np.arange(30)
    analytic = 3.0 * (1.0 - np.exp(-dt / tau_syn)) * np.exp(-k * dt / tau_syn)
    np.testing.assert_allclose(currents, analytic, rtol=1e-13)


# --------------------------------------------------------------------------- round trips

def every_node_graph():
    rng = np.random.default_rng(8)
    v = lambda *shape: rng.random(shape).astype(F32) + F32(0.5)  # noqa: E731
    return chain(
        nir.Affine(weight=v(4, 3), bias=v(4)), nir.Linear(weight=v(4, 4)), nir.Scale(scale=v(4)),
        nir.LIF(tau=v(4), r=v(4), v_leak=v(4), v_threshold=v(4), v_reset=v(4)),
        nir.LI(tau=v(4), r=v(4), v_leak=v(4)),
        nir.CubaLIF(tau_syn=v(4), tau_mem=v(4), r=v(4), v_leak=v(4), v_threshold=v(4),
                    v_reset=v(4), w_in=v(4)),
        nir.CubaLI(tau_syn=v(4), tau_mem=v(4), r=v(4), v_leak=v(4), w_in=v(4)),
        nir.IF(r=v(4), v_threshold=v(4), v_reset=v(4)), nir.I(r=v(4)),
        nir.Threshold(threshold=v(4)),
        nir.Affine(weight=v(18, 4), bias=v(18)),
        nir.Flatten(input_type={"input": np.array([18])}, start_dim=0, end_dim=-1),
        input_shape=(3,))


def image_graph():
    rng = np.random.default_rng(9)
    return chain(
        nir.Conv2d(input_shape=(5, 5), weight=rng.random((4, 1, 3, 3)).astype(F32), stride=(1, 2),
                   padding="valid", dilation=1, groups=1, bias=rng.random(4).astype(F32)),
        nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([1, 1]),
                      padding=np.array([1, 0])),
        nir.SumPool2d(kernel_size=np.array([2, 1]), stride=np.array([1, 1]),
                      padding=np.array([0, 0])),
        nir.Conv1d(input_shape=None, weight=rng.random((2, 4, 2)).astype(F32), stride=1,
                   padding=0, dilation=2, groups=2, bias=rng.random(2).astype(F32)),
        input_shape=(1, 5, 5))


FIELDS = ("weight", "bias", "scale", "threshold", "tau", "tau_syn", "tau_mem", "r", "v_leak",
          "v_threshold", "v_reset", "w_in", "kernel_size", "stride", "padding", "dilation",
          "groups", "start_dim", "end_dim")


@pytest.mark.parametrize("make", [every_node_graph, image_graph])
@pytest.mark.parametrize("method", ["euler", "exact"])
def test_graph_to_refsnn_to_graph_keeps_every_parameter(make, method):
    graph = make()
    back = to_nir(from_nir(graph, dt=1e-3, method=method))
    assert list(back.nodes) == list(graph.nodes) and back.edges == graph.edges
    for name, node in graph.nodes.items():
        again = back.nodes[name]
        assert type(again) is type(node), name
        for field in FIELDS:
            if hasattr(node, field):
                np.testing.assert_array_equal(np.asarray(getattr(again, field)),
                                              np.asarray(getattr(node, field)),
                                              err_msg=f"{name}.{field}")


def test_weights_are_written_back_in_the_graphs_precision():
    rng = np.random.default_rng(14)
    weight, bias = rng.normal(size=(3, 2)), rng.normal(size=3)
    net = from_nir(chain(nir.Affine(weight=weight, bias=bias)), dt=1e-3, dtype=np.float32)
    out, _ = net(np.ones(2))
    assert out.dtype == F32
    np.testing.assert_array_equal(out, np.ones(2, F32) @ weight.astype(F32).T + bias.astype(F32))
    back = to_nir(net).nodes["0"]
    assert back.weight.dtype == np.float64
    np.testing.assert_array_equal(back.weight, weight)
    np.testing.assert_array_equal(back.bias, bias)


def test_refsnn_network_to_nir_to_refsnn_gives_identical_outputs(tmp_path):
    net = rm.SequentialState(
        rm.Conv2d(2, 3, 3, padding=1, rng=0),
        rm.LIFBoxCell(rm.LIFBoxParameters(tau_mem_inv=F32(70.0), v_th=F32(0.4)), dt=2e-3),
        rm.AvgPool2d(2),
        rm.Flatten(),
        rm.Linear(27, 6, rng=1),
        rm.IAFCell(rm.IAFParameters(v_th=F32(0.5)), dt=2e-3),
        rm.Linear(6, 4, bias=False, rng=2),
        rm.LIBoxCell(rm.LIBoxParameters(tau_mem_inv=F32(30.0)), dt=2e-3))
    graph = to_nir(net, input_shape=(2, 6, 6))
    assert [type(n).__name__ for n in graph.nodes.values()] == [
        "Input", "Conv2d", "LIF", "AvgPool2d", "Flatten", "Affine", "IF", "Linear", "LI",
        "Output"]
    path = tmp_path / "net.nir"
    nir.write(path, graph)
    again = from_nir(str(path), dt=2e-3)
    x = (np.random.default_rng(10).random((25, 3, 2, 6, 6)) < 0.5).astype(F32) * F32(2.0)
    expected, state = [], None
    for xt in x:
        out, state = net(xt, state)
        expected.append(out)
    got, _ = again.sequence(x)
    assert state[1].v.any() and np.asarray(state[5].v).any()
    np.testing.assert_array_equal(got, np.stack(expected))


def test_lif_cells_export_their_time_constants():
    p = rm.LIFParameters(tau_syn_inv=F32(200.0), tau_mem_inv=F32(80.0), v_th=F32(0.3))
    node = to_nir(rm.LIFCell(p, dt=1e-3)).nodes["0"]
    assert isinstance(node, nir.CubaLIF)
    np.testing.assert_allclose([node.tau_syn, node.tau_mem, node.w_in], [1 / 200, 1 / 80, 5.0],
                               rtol=1e-7)


# --------------------------------------------------------------------------- errors

def test_an_unsupported_node_is_named_with_its_type():
    graph = chain(nir.Linear(weight=np.ones((1, 1), F32)), nir.Delay(delay=a32(1.0)))
    with pytest.raises(ValueError, match=r"NIR node '1' of type Delay is not supported"):
        from_nir(graph, dt=1e-3)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dt": 0.0}, ValueError, "dt"),
    ({"dt": 1e-3, "method": "rk4"}, ValueError, "method"),
    ({"dt": 1e-3, "dtype": np.int32}, TypeError, "dtype"),
])
def test_bad_arguments_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        from_nir(nir_paper.paper_graph(), **kwargs)


def test_bad_graphs_are_rejected():
    with pytest.raises(TypeError, match="graph_or_path"):
        from_nir(nir.LIF(tau=a32(1.0), r=a32(1.0), v_leak=a32(0.0), v_threshold=a32(1.0)),
                 dt=1e-3)
    orphan = chain(nir.Scale(scale=a32(1.0)))
    orphan.nodes["lost"] = nir.Scale(scale=a32(2.0))
    orphan.edges.append(("lost", "output"))
    with pytest.raises(ValueError, match=r"\['lost'\] cannot be reached"):
        from_nir(orphan, dt=1e-3)
    flatten = chain(nir.Flatten(input_type=None))
    with pytest.raises(ValueError, match="'0' \\(Flatten\\) has no input_type"):
        from_nir(flatten, dt=1e-3)
    with pytest.raises(ValueError, match="Flatten needs the shape"):
        to_nir(rm.SequentialState(rm.Flatten()))
    with pytest.raises(ValueError, match="MaxPool2d has no NIR counterpart"):
        to_nir(rm.MaxPool2d(2))
    with pytest.raises(ValueError, match="names a node that is not in the graph"):
        GraphNetwork({}, [("in", "missing")], {"in": None}, {"out": None})


def test_several_inputs_and_outputs_are_dicts():
    nodes = {"a": nir.Input(input_type=np.array([1])), "b": nir.Input(input_type=np.array([1])),
             "s": nir.Scale(scale=a32(2.0)), "x": nir.Output(output_type=np.array([1])),
             "y": nir.Output(output_type=np.array([1]))}
    edges = [("a", "s"), ("b", "s"), ("s", "x"), ("b", "y")]
    net = from_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), dt=1e-3)
    out, _ = net({"a": a32(1.0), "b": a32(3.0)})
    assert out["x"] == 8.0 and out["y"] == 3.0
    with pytest.raises(TypeError, match="pass a dict"):
        net(a32(1.0))


# --------------------------------------------------------------------------- Norse

@pytest.mark.norse
def test_a_graph_exported_by_norse_runs_as_in_norse():
    """Norse's to_nir -> Norse's from_nir and refsnn's from_nir: the same numbers.

    Norse 1.1.0's ``to_nir(..., dt)`` writes :math:`\\tau = dt/\\tau^{-1}`, so
    ``dt=1`` writes the true time constants. Affine maps are matrix products
    (torch's and NumPy's summation orders may differ: invariant 3), so the
    spikes agree exactly and the voltages to a few ulp; everything else is
    the same arithmetic.
    """
    torch = pytest.importorskip("torch")
    nt = pytest.importorskip("norse.torch")
    torch.manual_seed(0)
    net = nt.SequentialState(
        torch.nn.Linear(4, 6),
        nt.LIFBoxCell(nt.LIFBoxParameters(tau_mem_inv=torch.tensor(50.0),
                                          v_th=torch.tensor(0.3))),
        torch.nn.Linear(6, 3, bias=False),
        nt.LIFCell(nt.LIFParameters(tau_syn_inv=torch.tensor(200.0),
                                    tau_mem_inv=torch.tensor(100.0), v_th=torch.tensor(0.05))))
    with warnings.catch_warnings():                  # nirtorch.load is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = nt.to_nir(net, torch.zeros(1, 4), dt=1.0)
        theirs = nt.from_nir(graph, dt=1e-3)
    ours = from_nir(graph, dt=1e-3)
    x = (np.random.default_rng(11).random((80, 2, 4)) < 0.3).astype(F32) * F32(40.0)
    expected, state = [], None
    with torch.no_grad():
        for xt in x:
            out, state = theirs(torch.from_numpy(xt), state)
            expected.append(out.numpy())
    got, our_state = steps(ours, x)
    assert np.stack(expected).sum() > 5
    np.testing.assert_array_equal(got, np.stack(expected))
    syn, mem = state.state["3"][0]
    for ours_v, theirs_v in [(our_state.nodes["1"][0].v, state.state["1"][0].v),
                             (our_state.nodes["3"][0].v, syn.v),
                             (our_state.nodes["3"][1].v, mem.v)]:
        np.testing.assert_allclose(ours_v, theirs_v.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.norse
def test_the_nir_paper_model_in_norse_gives_refsnns_voltages_bit_for_bit():
    torch = pytest.importorskip("torch")
    nt = pytest.importorskip("norse.torch")
    cell = nt.LIFBoxCell(nt.LIFBoxParameters(tau_mem_inv=torch.tensor([400.0]),
                                             v_th=torch.tensor([0.1])), dt=nir_paper.DT)
    state, voltages = None, []
    with torch.no_grad():
        for xt in torch.from_numpy(nir_paper.paper_input()):
            _, state = cell(xt, state)
            voltages.append(state.v.numpy()[0])
    np.testing.assert_array_equal(nir_paper.paper_run()[1], np.array(voltages))
