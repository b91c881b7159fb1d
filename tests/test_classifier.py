import logging

import pytest
import torch

from vnnews.classifier import (
    CURRENT_TOKEN,
    ClassifierConfig,
    ClassifierSettings,
    LineClassifier,
    LineEncoder,
    add_context_tokens,
    class_weights,
    encode_split,
    train_classifier,
)
from vnnews.config import load_config
from vnnews.dataset import load_subset
from vnnews.ingest import iter_articles
from vnnews.labels import LABELS


def tiny_config(tiny_phobert, pages_dataset, out, *overrides):
    return load_config(
        ClassifierConfig,
        None,
        [
            f"base_model={tiny_phobert}",
            f"dataset_dir={pages_dataset}",
            f"output_dir={out}",
            "settings.max_length=96",
            "settings.max_line_tokens=48",
            "training.max_steps=6",
            "training.batch_size=16",
            "training.learning_rate=0.001",
            "training.logging_steps=2",
            "max_train_examples=300",
            "max_eval_examples=120",
            *overrides,
        ],
    )


@pytest.fixture
def trained(trained_classifier):
    return trained_classifier


def test_encoding_truncates_explicitly_and_marks_context(tiny_phobert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_phobert))
    add_context_tokens(tokenizer)
    settings = ClassifierSettings(max_length=64, max_line_tokens=20)
    encoder = LineEncoder(tokenizer, settings)
    long = "Bộ Ngoại giao tích cực đổi mới, tăng cường ứng dụng thành tựu của Cách mạng Công nghiệp. " * 10
    ids = encoder.encode(long, [long, long], [long], 0.95)
    assert len(ids) == 64
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens[0] == "<s>" and tokens[-1] == "</s>"
    assert tokens[21:24] == ["</s>", "</s>", "<pos9>"]  # the line keeps its 20 tokens
    assert CURRENT_TOKEN in tokens
    short = encoder.encode("Xin chào", [], ["Việt Nam"], 0.0)
    short_tokens = tokenizer.convert_ids_to_tokens(short)
    sep = short_tokens.index("</s>")
    assert short_tokens[sep : sep + 4] == ["</s>", "</s>", "<pos0>", CURRENT_TOKEN]  # nothing before the line
    alone = LineEncoder(tokenizer, ClassifierSettings(use_context=False, max_length=32)).encode(long, [long], [long], 0.5)
    assert len(alone) == 32 and CURRENT_TOKEN not in tokenizer.convert_ids_to_tokens(alone)


def test_class_weights_favour_rare_classes():
    w = class_weights([0, 0, 0, 0, 1], "inverse", 3)
    assert w[1] > w[0] and w[2] == 1.0
    assert class_weights([0, 1], "none", 2) == [1.0, 1.0]
    assert class_weights([0, 0, 0, 1], "inverse_sqrt", 2)[1] == pytest.approx((4 / 2) ** 0.5)


def test_segmentation_is_cached_in_the_dataset(tiny_phobert, pages_dataset):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_phobert))
    rows = load_subset(pages_dataset, "segments")["validation"]
    first = encode_split(rows, tokenizer, ClassifierSettings(max_length=64))
    second = encode_split(rows, tokenizer, ClassifierSettings(max_length=64))
    assert first.cache_files and first.cache_files == second.cache_files
    assert first[0]["input_ids"] == second[0]["input_ids"] and set(first.column_names) == {"input_ids", "labels"}


def test_training_writes_a_self_contained_model_directory(trained):
    out, metrics = trained
    for name in ("model.safetensors", "config.json", "vocab.txt", "bpe.codes", "tokenizer_config.json", "training_config.yaml", "metrics.json", "README.md"):
        assert (out / name).is_file(), name
    assert not list(out.glob("*.bin"))
    import json

    config = json.loads((out / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(len(LABELS))] == list(LABELS)
    assert config["vnnews_classifier"]["segmenter"] == "underthesea"
    saved = json.loads((out / "metrics.json").read_text())
    assert 0.0 <= saved["eval"]["macro_f1"] <= 1.0 and saved["eval_lines"] == 120
    card = (out / "README.md").read_text()
    assert "| **macro** |" in card and "## Intended use and limitations" in card and "underthesea" in card
    assert list((out / "checkpoints").glob("checkpoint-*"))


def test_interrupted_training_resumes_from_its_last_checkpoint(trained, tiny_phobert, pages_dataset, caplog):
    out, _ = trained
    with caplog.at_level(logging.WARNING, logger="vnnews.classifier"):
        train_classifier(tiny_config(tiny_phobert, pages_dataset, out, "training.max_steps=8"))
    assert any("resuming from" in r.getMessage() and "checkpoint-6" in r.getMessage() for r in caplog.records)


def test_predict_is_batched_across_articles_and_matches_single_calls(trained, raw_dir):
    out, _ = trained
    clf = LineClassifier.from_pretrained(str(out))
    articles = list(iter_articles([raw_dir]))[:3]
    together = clf.predict(articles, batch_size=7)
    assert [len(p) for p in together] == [len(a.lines) for a in articles]
    for article, preds in zip(articles, together, strict=True):
        alone = clf.predict(article)
        assert [p.label for p in alone] == [p.label for p in preds]
        for p, q in zip(alone, preds, strict=True):
            assert p.confidence == pytest.approx(q.confidence, abs=1e-4)
            assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
            assert p.label in LABELS and p.probabilities[p.label] == p.confidence


def test_loading_refuses_pickled_weights_and_foreign_models(trained, tiny_phobert, tmp_path):
    out, _ = trained
    model = LineClassifier.from_pretrained(str(out)).model
    pickled = tmp_path / "pickled"
    model.save_pretrained(str(pickled))
    (pickled / "model.safetensors").unlink()
    torch.save(model.state_dict(), pickled / "pytorch_model.bin")  # a pickle: never loaded
    for name in ("vocab.txt", "bpe.codes", "tokenizer_config.json", "added_tokens.json"):
        if (out / name).exists():
            (pickled / name).write_bytes((out / name).read_bytes())
    assert not list(pickled.glob("*.safetensors"))
    with pytest.raises(OSError):
        LineClassifier.from_pretrained(str(pickled))
    with pytest.raises(ValueError, match="not a vnnews line classifier"):
        LineClassifier.from_pretrained(str(tiny_phobert))


def test_bad_config_names_the_key(tiny_phobert, pages_dataset, tmp_path):
    from vnnews.config import ConfigError

    with pytest.raises(ConfigError, match="unknown config key 'training.epoch'"):
        tiny_config(tiny_phobert, pages_dataset, tmp_path, "training.epoch=1")
    with pytest.raises(ValueError, match="split 'dev' not in"):
        train_classifier(tiny_config(tiny_phobert, pages_dataset, tmp_path / "x", "eval_split=dev"))


def test_device_and_dtype_on_cpu(trained):
    clf = LineClassifier.from_pretrained(str(trained[0]))
    assert clf.device == ("cuda" if torch.cuda.is_available() else "cpu")


def test_two_processes_under_accelerate_launch_train_one_model(tiny_phobert, pages_dataset, tmp_path):
    """The multi-GPU path (DDP through accelerate), run with two CPU processes (gloo):
    both train, one writes the model directory and reports."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "ddp"
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
              "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "vnnews", "-q", "train", "classifier",
              "--config", "configs/classifier/tiny.yaml", f"base_model={tiny_phobert}", f"dataset_dir={pages_dataset}",
              f"output_dir={out}", "training.max_steps=4", "max_train_examples=200", "max_eval_examples=60", "training.logging_steps=2"]
    proc = subprocess.run(launch, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("macro-F1") == 1  # the first process reports
    assert (out / "model.safetensors").is_file() and (out / "README.md").is_file()
    LineClassifier.from_pretrained(str(out)).predict(next(iter_articles([ROOT / "data" / "raw"])))


def test_encoding_in_worker_processes_gives_the_same_ids(trained):
    clf = LineClassifier.from_pretrained(str(trained[0]))
    articles = list(iter_articles(["data/raw"]))
    try:
        assert clf.encode(articles, workers=2) == clf.encode(articles)
        again = clf.predict(articles, encoded=clf.encode(articles, workers=2))
        assert [[p.label for p in a] for a in again] == [[p.label for p in a] for a in clf.predict(articles)]
    finally:
        clf.close()


def test_a_page_encoded_in_windows_gets_the_ids_of_one_pass(tiny_phobert, raw_dir):
    """The service labels huge pages window by window; each window reads the whole page."""
    from vnnews.classifier import ClassifierSettings, LineEncoder
    from vnnews.ingest import iter_articles
    from vnnews.training import load_tokenizer

    article = next(iter(iter_articles([raw_dir / "000_40151c7d04a83f24.txt"])))
    for settings in (ClassifierSettings(context_lines=0), ClassifierSettings(context_lines=2)):
        encoder = LineEncoder(load_tokenizer(str(tiny_phobert)), settings)
        whole = encoder.encode_article(article)
        windows = [ids for start in range(0, len(whole), 7) for ids in encoder.encode_article(article, start, start + 7)]
        assert windows == whole and len(whole) == len(article.lines)
