"""The package's layering (DESIGN.md): imports point down only, backends are found by name.

The import graph is read from the source (every ``import`` statement,
including those inside functions), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
from pathlib import Path

import pytest

import refsnn
from refsnn import registry
from refsnn.models import MODELS

ROOT = Path(refsnn.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _target(module: str, name: str | None) -> str:
    """The refsnn module that ``from module import name`` (or ``import module``) loads."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def imports_of(module: str) -> set[str]:
    """The refsnn modules that ``module``'s source imports, anywhere in the file."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("refsnn")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name("." * node.level + base, package)
            if base.startswith("refsnn"):
                found |= {_target(base, a.name) for a in node.names}
    return {m for m in found if m in MODULES and m != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def _find_cycle(graph: dict) -> list | None:
    state: dict = {}
    stack: list = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_graph_is_read_from_the_source():
    assert "refsnn.registry" in GRAPH["refsnn.functional.encode"]
    assert "refsnn.functional.lif" in GRAPH["refsnn.models"]
    assert {"refsnn.numerics", "refsnn.registry"} & _reachable("refsnn.functional.scan")


def test_the_import_graph_has_no_cycle():
    cycle = _find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_a_cycle_would_be_found():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("bottom", ["refsnn.numerics", "refsnn.registry", "refsnn.random"])
def test_the_bottom_layer_imports_no_other_layer(bottom):
    assert _reachable(bottom) <= {"refsnn._checks"}, _reachable(bottom)


def test_the_reference_imports_no_backend():
    for module in MODULES:
        if module.startswith("refsnn.functional"):
            bad = {m for m in _reachable(module) if m.startswith("refsnn.backends")}
            assert not bad, f"{module} reaches {bad}"


def test_the_backends_package_loads_no_backend():
    assert not {m for m in GRAPH["refsnn.backends"] if m.startswith("refsnn.backends.")}


# --------------------------------------------------------------------------- function tables
def _backend_parameter_functions() -> set[str]:
    from refsnn.functional import encode, scan

    return {name for module in (encode, scan) for name in module.__all__
            if "backend" in inspect.signature(getattr(module, name)).parameters}


def test_the_numpy_backend_covers_every_function_that_takes_a_backend():
    assert registry.functions("numpy") == _backend_parameter_functions()
    assert {"lif_current_encoder_scan", "lif_ex_current_encoder_scan",
            "lif_adex_current_encoder_scan"} <= registry.functions("numpy")


@pytest.mark.parametrize("backend", registry.available())
def test_every_backend_implements_what_it_claims(backend):
    reference = _backend_parameter_functions()
    claimed = registry.functions(backend)
    assert claimed <= reference, f"{backend} claims functions the reference lacks"
    for name in claimed:
        fn = registry.function(backend, name)
        ours = [p for p in inspect.signature(_reference(name)).parameters if p != "backend"]
        theirs = [p for p in inspect.signature(fn).parameters if p != "backend"]
        assert theirs == ours, name
    assert registry.lookup(backend).models <= set(MODELS)


def _reference(name):
    from refsnn.functional import encode, scan

    return getattr(encode if hasattr(encode, name) else scan, name)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_family_declares_its_updates(name):
    model = MODELS[name]
    updates = model.updates()
    assert updates, f"{name} has no update function"
    for update in updates.values():
        assert update.__module__.startswith("refsnn.functional."), update


def test_a_backend_declared_by_an_entry_point_is_found(monkeypatch):
    class EntryPoint:
        name, value = "toy", "refsnn.backends.numpy_:NumpyBackend"

    monkeypatch.setattr(registry.metadata, "entry_points",
                        lambda group: [EntryPoint()] if group == registry.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(registry, "_DECLARED", None)
    monkeypatch.setattr(registry, "_LOADED", {})
    assert "toy" in registry.registered()
    assert registry.lookup("toy").name == "numpy"
