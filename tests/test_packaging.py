"""The sdist carries what the tests read; the wheel works installed on its own, away from the checkout."""

import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd, env=None):
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=280, env=env)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    return result


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    build = ("from setuptools import build_meta as b; import sys; "
             "out = sys.argv[1]; b.build_sdist(out); b.build_wheel(out)")  # setuptools rewrites sys.argv
    run(sys.executable, "-c", build, out, cwd=ROOT)
    return next(out.glob("fingan-*.tar.gz")), next(out.glob("fingan-*.whl"))


def test_sdist_has_notebooks_benchmarks_tests_and_licence(dists):
    with tarfile.open(dists[0]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("LICENSE", "CITATION.cff", "CHANGELOG.md", "notebooks/quantgan_sp500.ipynb",
                   "benchmarks/returns.py", "benchmarks/results/returns_small.md", "tests/test_docs.py",
                   "docs/conf.py", "fingan/data/bundled/README.md"):
        assert needed in names, needed
    assert not any(n.startswith(("docs/_build", "docs/_generated")) for n in names)


def test_wheel_carries_the_data_licence_and_type_marker(dists):
    names = set(zipfile.ZipFile(dists[1]).namelist())
    assert "fingan/py.typed" in names and "fingan/data/bundled/LICENSE-skfolio" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.startswith("fingan/data/bundled/") and n.endswith(".csv.gz") for n in names)


def test_installed_wheel_runs_without_the_checkout(dists, tmp_path):
    venv = tmp_path / "fresh"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", dists[1], cwd=tmp_path)
    # the dependencies (torch, pandas, ...) come from this environment's site-packages, as plain paths:
    # its .pth files (the editable install of the checkout) are not read from there
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).stdout.strip()
    Path(site, "_fingan_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    assert "usage: fingan" in run(venv / "bin" / "fingan", "--help", cwd=tmp_path, env=env).stdout
    bench = run(venv / "bin" / "fingan", "bench", "resampling", "--help", cwd=tmp_path, env=env).stdout
    assert "usage: fingan bench resampling" in bench  # benchmarks ship in the package, no checkout needed
    shown = run(venv / "bin" / "fingan", "data", "show", "sp500", cwd=tmp_path, env=env).stdout
    assert "1999-01-04" in shown or "1999" in shown
    script = (
        "import fingan, pathlib\n"
        "from fingan.data import load_prices, log_returns\n"
        "from fingan.models import QuantGAN\n"
        f"assert pathlib.Path(fingan.__file__).is_relative_to({str(venv)!r}), fingan.__file__\n"
        "r = log_returns(load_prices('sp500', end='2003-12-31'))\n"
        "gan = QuantGAN(steps=2, hidden=8, dilations=(1, 2), window=16, batch_size=16, device='cpu',"
        " progress=False).fit(r)\n"
        "paths = gan.sample(3, 20, seed=0)\n"
        "assert paths.shape == (20, 3)\n"
        "print('ok', fingan.__version__)\n"
    )
    assert run(python, "-c", script, cwd=tmp_path, env=env).stdout.startswith("ok 0.1.0")
