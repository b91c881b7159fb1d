"""The installed package, not the checkout: a wheel in a fresh virtual environment runs
make-tiny and a batch job from a directory that is not the repository.

Offline: the wheel is built without build isolation and installed without
dependencies; the fresh environment sees this environment's dependencies through a
path file (plain paths only: the editable vnnews of this environment stays out). The
same install with dependency resolution by pip 23.2 (Python 3.11's) is
scripts/check_wheel_install.sh, which needs a package index."""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_wheel_install_runs_make_tiny_and_infer(tmp_path, trained_classifier, trained_summarizer):
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("vnnews-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip())
    (site / "deps-of-the-test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": ""}
    imported = subprocess.run([str(python), "-c", "import vnnews; print(vnnews.__file__)"], capture_output=True, text=True, cwd=work, env=env)
    assert imported.returncode == 0, imported.stderr[-2000:]
    where = imported.stdout
    assert str(site) in where and str(ROOT / "src") not in where  # the wheel's copy, not the checkout
    assert (Path(where.strip()).parent / "py.typed").is_file()  # typed for the user's type checker
    bundled = subprocess.run(
        [str(python), "-c", "from vnnews.bundled import *; print(len(list(bundled_pages().glob('*.txt'))), len(list(bundled_annotations().glob('*.tsv'))), real_pages(), checkout_root())"],
        capture_output=True, text=True, cwd=work, env=env,
    )
    assert bundled.stdout.split() == ["5", "5", "None", "None"], bundled.stderr[-2000:]  # what the notebook reads outside a checkout
    vnnews = env_dir / "bin" / "vnnews"
    tiny = subprocess.run([str(vnnews), "make-tiny", "classifier", "tiny-phobert"], capture_output=True, text=True, cwd=work, env=env, timeout=600)
    assert tiny.returncode == 0, tiny.stderr[-2000:]
    assert (work / "tiny-phobert" / "vocab.txt").exists() and (work / "tiny-phobert" / "model.safetensors").exists()
    pages = work / "pages"
    pages.mkdir()
    for page in (ROOT / "data" / "raw").glob("*.txt"):
        (pages / page.name).write_bytes(page.read_bytes())
    job = subprocess.run(
        [str(vnnews), "infer", "pages", "--classifier", str(trained_classifier[0]), "--summarizer", str(trained_summarizer[0]), "-o", "out.jsonl", "--no-progress", "generation.max_new_tokens=4"],
        capture_output=True, text=True, cwd=work, env=env, timeout=600,
    )
    assert job.returncode == 0, job.stderr[-2000:]
    assert (work / "out.jsonl").read_text().count("\n") == 5
    # the docs the help texts point to ship in the wheel
    docs = subprocess.run([str(vnnews), "docs", "inference"], capture_output=True, text=True, cwd=work, env=env, timeout=120)
    assert docs.returncode == 0 and docs.stdout.startswith("# Batch inference"), docs.stderr[-2000:]
    # the configs ship in the wheel: listed and named by --config from any directory
    listed = subprocess.run([str(vnnews), "config", "list"], capture_output=True, text=True, cwd=work, env=env, timeout=120)
    assert listed.returncode == 0 and "classifier/tiny" in listed.stdout and "pipeline/tiny" in listed.stdout, listed.stderr[-2000:]
    shown = subprocess.run(
        [str(vnnews), "train", "classifier", "--config", "tiny", "--print-config", "base_model=tiny-phobert"], capture_output=True, text=True, cwd=work, env=env, timeout=120
    )
    assert shown.returncode == 0 and "base_model: tiny-phobert" in shown.stdout and "window_lines: 192" in shown.stdout, shown.stderr[-2000:]
