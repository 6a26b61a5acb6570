"""The tutorial notebooks run top to bottom (in their small mode)."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_notebook(name, tmp_path, monkeypatch):
    monkeypatch.setenv("FINGAN_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return nb


def test_quantgan_notebook_runs_compares_with_garch_and_backtests_var(tmp_path, monkeypatch):
    nb = run_notebook("quantgan_sp500.ipynb", tmp_path, monkeypatch)
    comparison = nb.cells[11].outputs[-1]["data"]["text/plain"]
    assert "Quant GAN" in comparison and "GJR-GARCH(1,1) Student-t" in comparison and "ACF score |r|" in comparison
    table = nb.cells[-2].outputs[-1]["data"]["text/plain"]  # after the VaR chart (not rendered under Agg)
    assert "Kupiec p" in table and "FZ0" in table and "GJR-GARCH(1,1) Student-t" in table


def test_correlation_notebook_runs_validates_and_stress_tests(tmp_path, monkeypatch):
    nb = run_notebook("correlation_matrices.ipynb", tmp_path, monkeypatch)
    facts = nb.cells[-3].outputs[-1]["data"]["text/plain"]
    stress = nb.cells[-1].outputs[-1]["data"]["text/plain"]
    assert "Perron-Frobenius share" in facts and "LKJ" in facts
    assert "hierarchical risk parity" in stress and "CorrGAN" in stress


def test_image_gan_notebook_runs_and_scores_every_variant(tmp_path, monkeypatch):
    monkeypatch.setenv("FINGAN_CACHE", str(tmp_path / "cache"))
    nb = run_notebook("image_gans.ipynb", tmp_path, monkeypatch)
    table = nb.cells[7].outputs[-1]["data"]["text/plain"]
    for name in ("DCGAN (ns)", "progressive (WGAN-GP)", "VGrow (logD)", "GMMN (mmd)", "VAE (baseline)", "class accuracy"):
        assert name in table
    assert "(2, 1.0)" in nb.cells[-1].outputs[-1]["text"]
