"""Optional dependencies: the core runs without them; a missing one names its extra."""

import subprocess
import sys

import pytest

from vnnews.cli import main
from vnnews.extras import MissingExtra

EXTRA_MODULES = ("fastapi", "uvicorn", "prometheus_client", "justext", "readability", "matplotlib", "networkx", "tensorboard", "ray")


def test_batch_inference_imports_no_optional_dependency(tmp_path, trained_classifier, trained_summarizer, raw_dir):
    code = (
        "import sys\n"
        "from vnnews.cli import main\n"
        f"rc = main(['infer', {str(raw_dir)!r}, '--classifier', {str(trained_classifier[0])!r}, '--summarizer', {str(trained_summarizer[0])!r},"
        f" '-o', {str(tmp_path / 'out.jsonl')!r}, '--no-progress', 'generation.max_new_tokens=4'])\n"
        f"print(sorted(m for m in {EXTRA_MODULES!r} if m in sys.modules)); sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "out.jsonl").read_text().count("\n") == 5


@pytest.mark.parametrize(
    "module, call",
    [
        ("justext", lambda: __import__("vnnews.baselines", fromlist=["x"]).justext_labels),
        ("networkx", lambda: __import__("vnnews.baselines", fromlist=["x"]).textrank),
    ],
)
def test_a_missing_extra_is_named(monkeypatch, module, call):
    from vnnews.ingest import Article, Line

    monkeypatch.setitem(sys.modules, module, None)
    fn = call()
    article = Article("a", "a", [Line("Một dòng văn bản.")])
    with pytest.raises(MissingExtra, match=r"pip install 'vnnews\[eval\]'"):
        fn(article) if module == "justext" else fn("Câu một. Câu hai.", 1)


def test_the_cli_says_which_extra_serve_needs(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fastapi", None)
    assert main(["serve", "--classifier", "weak"]) == 2
    assert "vnnews serve needs the `serve` extra" in capsys.readouterr().err
