"""Sphinx configuration for refsnn's documentation."""

project = "refsnn"
author = "refsnn developers"
release = "0.1.0"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.napoleon"]
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
exclude_patterns = ["_build"]
html_theme = "alabaster"
napoleon_use_ivar = True
