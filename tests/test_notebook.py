"""The tutorial notebook runs top to bottom (in its small mode)."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "quantgan_sp500.ipynb"


def test_quantgan_notebook_runs_and_compares_with_garch(tmp_path, monkeypatch):
    monkeypatch.setenv("FINGAN_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    last = nb.cells[-2].outputs[-1]["data"]["text/plain"]
    assert "Quant GAN" in last and "GJR-GARCH(1,1) Student-t" in last and "ACF score |r|" in last
