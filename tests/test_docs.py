"""The documentation site builds in strict mode: a broken reference, page or docstring is an error."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    env = {**os.environ, "FINGAN_DOCS_EXECUTE": "off", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"),
         str(ROOT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=280,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    html = tmp_path / "html"
    for page in ("index.html", "getting_started.html", "guide/quantgan.html", "api/models.html", "changelog.html",
                 "benchmarks.html", "_generated/notebooks/quantgan_sp500.html",
                 "_generated/results/returns_small.html"):
        assert (html / page).stat().st_size > 2000, page
    api = (html / "api" / "models.html").read_text(encoding="utf-8")
    assert 'id="fingan.models.quantgan.QuantGAN.sample"' in api  # the reference comes from the docstrings
    assert "Getting started" in (html / "index.html").read_text(encoding="utf-8")
