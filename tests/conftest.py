from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"
ANNOTATIONS_DIR = ROOT / "data" / "annotations"
VIETNEWS_DIR = ROOT.parent / "shared" / "corpora" / "vietnews"


@pytest.fixture
def raw_dir() -> Path:
    return RAW_DIR


@pytest.fixture
def annotations_dir() -> Path:
    return ANNOTATIONS_DIR
