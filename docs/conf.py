"""Sphinx configuration of fingan's documentation (``make docs``).

Sphinx with MyST, as scikit-learn, arch and skfolio document themselves: the guide pages
are Markdown, the API pages come from the numpy-style docstrings (napoleon), and the
notebooks render through myst-nb. The notebooks and the benchmark results stay where
they live in the repository; the build copies them in (under ``_generated``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from fingan import __version__

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"

project = "fingan"
author = "The fingan developers"
copyright = "2026, the fingan developers"
release = version = __version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "benchmark_notes.md"]
html_theme = "furo"
html_title = f"fingan {version}"
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]  # backticked paths such as `runs/demo/report.html` are not links

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

# make docs executes the notebooks (in their small mode); the strict test only renders them
nb_execution_mode = os.environ.get("FINGAN_DOCS_EXECUTE", "off")
nb_execution_timeout = 900
nb_execution_raise_on_error = True


def _title(path: Path) -> str:
    return path.stem.replace("_", " ")


def copy_sources(app=None) -> None:
    """Copy the notebooks and benchmark results into ``_generated`` (each results file as a page)."""
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    (GENERATED / "notebooks").mkdir(parents=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(nb, GENERATED / "notebooks" / nb.name)
    results = GENERATED / "results"
    results.mkdir()
    for md in sorted((ROOT / "benchmarks" / "results").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        if not re.match(r"\s*# ", text):
            levels = [len(m) for m in re.findall(r"^(#+) ", text, flags=re.M)]
            if levels and min(levels) > 2:  # headings start below the title we add: lift them to sections
                shift = min(levels) - 2
                text = re.sub(r"^#{%d}(#+ )" % shift, r"\1", text, flags=re.M)
            text = f"# Benchmark results: {_title(md)}\n\n" + text
        (results / md.name).write_text(text, encoding="utf-8")
    for item in (ROOT / "benchmarks" / "results").iterdir():
        if item.is_dir():
            shutil.copytree(item, results / item.name)
        elif item.suffix == ".png":  # figures the results pages show
            shutil.copy2(item, results / item.name)


def setup(app):
    app.connect("builder-inited", copy_sources)
