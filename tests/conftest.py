import os
import sys
import uuid
from pathlib import Path

import pytest

from tests.processes import RUN_VAR, kill_all, orphans

# Nothing may download at test time: the Hub is never asked, here or in the commands the
# tests start (they inherit it), and a name found nowhere fails at once rather than after
# huggingface_hub's retries. Set before anything imports huggingface_hub, which reads it then.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Every process a test starts inherits this mark; one still alive after its test that is
# not a descendant of pytest has outlived the command that started it (tests/processes.py).
os.environ[RUN_VAR] = uuid.uuid4().hex

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"


def local_server(handler: object) -> object:
    """A threading HTTP server on 127.0.0.1 (a free port) for ``handler``, quiet where a client
    leaves first (a fetch past its timeout or byte bound, a client closing a kept-alive
    connection): socketserver would print the broken pipe's traceback into the test log."""
    import http.server

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                super().handle_error(request, client_address)

    return Server(("127.0.0.1", 0), handler)
ANNOTATIONS_DIR = ROOT / "data" / "annotations"
VIETNEWS_DIR = ROOT.parent / "shared" / "corpora" / "vietnews"


@pytest.fixture(autouse=True)
def no_process_outlives_its_parent():
    """Fail the test after which a process it started lives on without its parent
    (a worker, fork server or resource tracker of a command that has ended)."""
    yield
    if not sys.platform.startswith("linux"):
        return
    left = orphans(os.environ[RUN_VAR])
    if left:
        kill_all(left)  # so that the next tests are judged on their own
        pytest.fail("processes outlived the command that started them: " + "; ".join(f"{pid} {cmd}" for pid, cmd in left.items()))


@pytest.fixture
def raw_dir() -> Path:
    return RAW_DIR


@pytest.fixture
def annotations_dir() -> Path:
    return ANNOTATIONS_DIR


@pytest.fixture(scope="session")
def tiny_phobert(tmp_path_factory) -> Path:
    """A tiny PhoBERT-format checkpoint, built once per test session."""
    from vnnews.tiny import make_tiny_classifier

    return make_tiny_classifier(tmp_path_factory.mktemp("models") / "tiny-phobert")


@pytest.fixture(scope="session")
def pages_dataset(tmp_path_factory) -> Path:
    """Composed pages from 60 structured records plus two gold seed pages."""
    import gzip
    import json
    import shutil

    from vnnews.dataset import DatasetConfig, SplitRatios, build_dataset

    root = tmp_path_factory.mktemp("pages")
    raw, ann = root / "raw", root / "ann"
    raw.mkdir()
    ann.mkdir()
    for name in ("002_25aafac0b17ae249", "003_13d2b43e3800a43f"):
        shutil.copy(RAW_DIR / f"{name}.txt", raw)
        shutil.copy(ANNOTATIONS_DIR / f"{name}.tsv", ann)
    with gzip.open(VIETNEWS_DIR / "validation.jsonl.gz", "rt", encoding="utf-8") as f, (root / "recs.jsonl").open("w", encoding="utf-8") as out:
        for _, line in zip(range(60), f, strict=False):
            out.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")
    config = DatasetConfig(split_ratios=SplitRatios(0.7, 0.15, 0.15), annotations_dir=str(ann), compose_pages=True, num_proc=1)
    build_dataset([raw, root / "recs.jsonl"], root / "ds", config)
    return root / "ds"


@pytest.fixture(scope="session")
def tiny_vit5(tmp_path_factory) -> Path:
    """A tiny ViT5-format checkpoint (T5 + spiece.model), built once per test session."""
    from vnnews.tiny import make_tiny_summarizer

    return make_tiny_summarizer(tmp_path_factory.mktemp("models") / "tiny-vit5")


@pytest.fixture(scope="session")
def trained_summarizer(tiny_vit5, pages_dataset, tmp_path_factory):
    """A tiny summarizer trained for a few steps: (directory, metrics)."""
    from tests.recipes.test_summarizer import tiny_config
    from vnnews.recipes.summarizer import train_summarizer

    out = tmp_path_factory.mktemp("runs") / "summ"
    return out, train_summarizer(tiny_config(tiny_vit5, pages_dataset, out))


@pytest.fixture(scope="session")
def trained_classifier(tiny_phobert, pages_dataset, tmp_path_factory):
    """A tiny classifier (page labeller) trained for a few steps: (directory, metrics)."""
    from tests.recipes.test_classifier import tiny_config
    from vnnews.recipes.classifier import train_classifier

    out = tmp_path_factory.mktemp("runs") / "classifier"
    return out, train_classifier(tiny_config(tiny_phobert, pages_dataset, out))
