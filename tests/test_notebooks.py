"""notebooks/ run offline, top to bottom, and are stored without outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_offline_outside_the_checkout(path: Path, monkeypatch, tmp_path):
    """Run where a user with only the package runs it: a folder that is not the repository
    (the seed pages and their labels ship with vnnews; VietNews named by a variable)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    vietnews = ROOT.parent / "shared" / "corpora" / "vietnews" / "train.jsonl.gz"
    if vietnews.is_file():
        monkeypatch.setenv("VNNEWS_VIETNEWS", str(vietnews))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook's work folder
    elsewhere = tmp_path / "my-project"
    elsewhere.mkdir()
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(elsewhere)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the confusion matrix
    text = "".join(o.get("text", "") for o in outputs)
    assert "done, 0 skipped" in text and "classifier macro-F1" in text
    assert "data/real is in the vnnews repository only" in text  # said, not failed
    assert not list(elsewhere.iterdir())  # nothing written into the user's folder
    assert [p for p in tmp_path.iterdir() if p.name.startswith("vnnews-notebook-")]


def test_the_notebook_finds_the_checkout_from_its_root_or_notebooks(tmp_path):
    from vnnews.bundled import bundled_annotations, bundled_pages, checkout_root, real_pages

    assert checkout_root(ROOT) == ROOT and checkout_root(ROOT / "notebooks") == ROOT
    assert checkout_root(tmp_path) is None and real_pages(tmp_path) is None
    assert real_pages(ROOT / "notebooks") == (ROOT / "data" / "real" / "pages", ROOT / "data" / "real" / "annotations")
    assert sorted(p.stem for p in bundled_pages().glob("*.txt")) == sorted(p.stem for p in bundled_annotations().glob("*.tsv"))
    assert len(list(bundled_pages().glob("*.txt"))) == 5
