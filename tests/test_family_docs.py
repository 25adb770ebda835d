"""The family pages (docs/families/) and the tutorials agree with the code.

* every family of :data:`refsnn.models.MODELS` has a page with display maths,
  a numbered update order, the API of its module, a figure that exists, and
  a parameter table listing every field of its Parameters NamedTuple (nested
  ones as ``lif.v_th``) with the default the code has;
* every ``.. code-block:: python`` of the family pages and the tutorials runs
  (the teaching tutorial's runs ``validation/teaching_if.py``, whose cells
  assert what they print);
* the experiments behind the figures show each family's typical response
  (:func:`validation.family_figures.responses` asserts it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from refsnn.models import MODELS

DOCS = Path(__file__).resolve().parents[1] / "docs"
FAMILIES = DOCS / "families"
#: Families documented on another family's page.
PAGE_OF = {"ada_lif": "lsnn"}
PAGES = sorted({PAGE_OF.get(name, name) for name in MODELS})
#: Tutorials and the marks of their snippets: the backend comparison compiles (or loads)
#: every compiled backend and times the numpy reference, which takes seconds.
TUTORIALS = {"tutorial_first_simulation.rst": pytest.mark.plot,
             "tutorial_backends.rst": pytest.mark.long,
             "tutorial_teaching.rst": ()}


def page_text(name: str) -> str:
    return (FAMILIES / f"{name}.rst").read_text(encoding="utf-8")


def flat_fields(p, prefix: str = "") -> dict:
    """``{dotted field name: default}`` of a (nested) parameter tuple."""
    fields = {}
    for key, value in p._asdict().items():
        if hasattr(value, "_fields"):
            fields.update(flat_fields(value, f"{prefix}{key}."))
        else:
            fields[f"{prefix}{key}"] = value
    return fields


def parameter_table(text: str) -> dict[str, str]:
    """``{parameter: Norse-default cell}`` of the page's list-table headed "Parameter"."""
    match = re.search(r"\.\. list-table::.*?\n\s+\* - Parameter\n(.*?)(?:\n\S|\Z)", text, re.S)
    assert match, "no list-table with a 'Parameter' header"
    rows = re.split(r"\n   \* - ", "\n" + match.group(1))
    table = {}
    for row in rows[1:]:
        cells = [c.strip() for c in re.split(r"\n     - ", row)]
        name = re.fullmatch(r"``([\w.]+)``", cells[0])
        assert name, f"parameter cell {cells[0]!r} is not a ``literal``"
        assert len(cells) == 5, f"row {name.group(1)} has {len(cells)} cells, expected 5"
        table[name.group(1)] = cells[2]
    return table


def default_in_cell(cell: str):
    """The first ``literal`` of a cell, as a Python value (a name stays a string)."""
    literal = re.search(r"``([^`]+)``", cell)
    assert literal, f"default cell {cell!r} has no ``literal``"
    try:
        return ast.literal_eval(literal.group(1))
    except ValueError:
        return literal.group(1)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ``.. code-block:: python`` directives, dedented."""
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: python\n((?:\n|[ ]{3}.*\n)+)", text, re.M):
        lines = match.group(1).splitlines()
        blocks.append("\n".join(line[3:] for line in lines).strip() + "\n")
    return blocks


def test_every_family_has_a_page_in_the_index():
    index = (DOCS / "models.rst").read_text(encoding="utf-8")
    for page in PAGES:
        assert (FAMILIES / f"{page}.rst").exists(), f"docs/families/{page}.rst is missing"
        assert f"families/{page}\n" in index, f"models.rst does not list families/{page}"
    assert sorted(p.stem for p in FAMILIES.glob("*.rst")) == PAGES


@pytest.mark.parametrize("name", sorted(MODELS))
def test_page_has_maths_update_order_api_and_figure(name):
    page = PAGE_OF.get(name, name)
    text = page_text(page)
    model = MODELS[name]
    assert re.search(r"^\.\. math::\n", text, re.M), "no display maths"
    assert re.search(r"^#\. ", text, re.M), "no numbered update order"
    step = model.feed_forward_step or model.recurrent_step
    assert f".. automodule:: {step.__module__}\n" in text
    figure = re.search(r"^\.\. figure:: \.\./figures/(family_\w+\.png)", text, re.M)
    assert figure and figure.group(1) == f"family_{page}.png"
    assert (DOCS / "figures" / figure.group(1)).stat().st_size > 10_000
    assert ":doc:`../deviations`" in text


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameter_table_lists_every_field_with_its_default(name):
    model = MODELS[name]
    table = parameter_table(page_text(PAGE_OF.get(name, name)))
    fields = flat_fields(model.step_parameters(model.make_parameters()))
    assert list(table) == list(fields), "the table's rows must be the fields, in order"
    for field, default in fields.items():
        documented = default_in_cell(table[field])
        if callable(default):
            assert documented == default.__name__, field
        else:
            assert isinstance(documented, float), f"{field}: write the default as a float"
            np.testing.assert_allclose(documented, default, rtol=1e-12, atol=0, err_msg=field)


def test_table_parser_sees_a_wrong_default():
    text = page_text("lif").replace("     - ``1.0``\n", "     - ``2.0``\n", 1)
    assert default_in_cell(parameter_table(text)["v_th"]) == 2.0


@pytest.mark.parametrize("document", [f"families/{p}.rst" for p in PAGES] + [
    pytest.param(name, marks=marks) for name, marks in TUTORIALS.items()])
def test_snippets_run(document, tmp_path, monkeypatch):
    blocks = python_blocks((DOCS / document).read_text(encoding="utf-8"))
    assert blocks, f"{document} has no python code block"
    if any("matplotlib" in block for block in blocks):
        pytest.importorskip("matplotlib", reason="plot: the snippet draws with matplotlib")
    monkeypatch.chdir(tmp_path)     # files a snippet writes land in a temporary directory
    namespace: dict = {}
    for block in blocks:            # a document's blocks share a namespace, like a session
        exec(compile(block, document, "exec"), namespace)


def test_figure_experiments_show_the_typical_responses():
    from validation.family_figures import EXPERIMENTS, responses

    assert set(EXPERIMENTS) == set(PAGES)
    for name, response in responses().items():
        assert response.runs and response.summary, name


@pytest.mark.plot
def test_figures_are_drawn(tmp_path):
    pytest.importorskip("matplotlib", reason="plot: drawing needs matplotlib")
    from validation.family_figures import plot, responses

    path = tmp_path / "family_iaf.png"
    plot(responses(["iaf"])["iaf"], path)
    assert path.stat().st_size > 10_000
