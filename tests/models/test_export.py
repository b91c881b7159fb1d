"""Exports for CPU runtimes: the same labels and summaries as torch, loaded where a trained model loads."""

import json
import re
import sys
from pathlib import Path

import pytest

from vnnews.ingest import iter_articles
from vnnews.models import PageLabeler, Summarizer
from vnnews.models.export import export_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pages():
    return list(iter_articles([ROOT / "data" / "raw", ROOT / "data" / "real" / "pages" / "kenh14.vn"]))


@pytest.fixture(scope="module")
def exports(trained_classifier, trained_summarizer, tmp_path_factory):
    root = tmp_path_factory.mktemp("exports")
    return {
        ("classifier", q): export_model(trained_classifier[0], root / f"clf-{q}", quantize=q) for q in ("none", "int8")
    } | {
        ("summarizer", q): export_model(trained_summarizer[0], root / f"sum-{q}", quantize=q) for q in ("none", "int8")
    }


def test_the_float32_onnx_export_labels_like_torch(trained_classifier, exports, pages):
    import numpy as np

    torch_model = PageLabeler.from_pretrained(trained_classifier[0], device="cpu")
    onnx_model = PageLabeler.from_pretrained(exports["classifier", "none"])
    assert type(onnx_model.encoder).__name__ == "OnnxLinePooler" and onnx_model.export["format"] == "onnx"
    assert type(onnx_model.tokenizer).__name__ == "PhobertTokenizerFast"  # the export carries tokenizer.json too
    expected, got = torch_model.predict(pages), onnx_model.predict(pages)
    assert [[p.label for p in page] for page in got] == [[p.label for p in page] for page in expected]
    worst = max(abs(a.probabilities[k] - b.probabilities[k]) for pa, pb in zip(expected, got, strict=True) for a, b in zip(pa, pb, strict=True) for k in a.probabilities)
    assert worst < 1e-4, worst
    assert np.isfinite(worst)


def test_an_export_asked_for_bf16_runs_as_exported_and_says_so(exports, pages, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="vnnews.models.page_labeler"):
        model = PageLabeler.from_pretrained(exports["classifier", "none"], precision="bf16")
    assert type(model.encoder).__name__ == "OnnxLinePooler"
    assert "runs in the precision it was exported in" in caplog.text
    plain = PageLabeler.from_pretrained(exports["classifier", "none"])
    assert [p.label for p in model.predict(pages[0])] == [p.label for p in plain.predict(pages[0])]


def test_the_int8_onnx_export_agrees_with_torch(trained_classifier, exports, pages):
    torch_labels = [p.label for page in PageLabeler.from_pretrained(trained_classifier[0], device="cpu").predict(pages) for p in page]
    int8_labels = [p.label for page in PageLabeler.from_pretrained(exports["classifier", "int8"]).predict(pages) for p in page]
    agreement = sum(a == b for a, b in zip(torch_labels, int8_labels, strict=True)) / len(torch_labels)
    assert agreement >= 0.95, agreement  # docs/benchmarks.md has the figure


def test_the_float32_ct2_export_writes_the_torch_summaries(trained_summarizer, exports, raw_dir):
    docs = ["\n".join(a.texts[3:12]) for a in iter_articles([raw_dir])]
    torch_model = Summarizer.from_pretrained(str(trained_summarizer[0]), device="cpu")
    ct2_model = Summarizer.from_pretrained(str(exports["summarizer", "none"]))
    assert ct2_model.export["format"] == "ct2" and ct2_model.prefix == torch_model.prefix
    # greedy decoding itself (transformers counts the decoder start token in no_repeat_ngram_size
    # history, CTranslate2 does not: they differ when a model emits <pad> first, as tiny ones do)
    settings = {"num_beams": 1, "max_new_tokens": 12, "no_repeat_ngram_size": 0}
    assert ct2_model.summarize(docs, **settings) == torch_model.summarize(docs, **settings)


def test_ct2_on_cpu_runs_small_sub_batches_with_the_same_summaries(exports, raw_dir):
    """A batch is shared out over the workers in sub-batches of at most CPU_SUB_BATCH
    articles (faster on CPU: docs/benchmarks.md); the summaries are those of one
    article at a time."""
    from vnnews.models.runtimes import CPU_SUB_BATCH

    docs = ["\n".join(a.texts[i : i + 6]) for a in iter_articles([raw_dir]) for i in (2, 8)]  # 10 documents
    model = Summarizer.from_pretrained(str(exports["summarizer", "none"]))
    translator = model.model.translator
    sizes = []

    class Recording:
        def translate_batch(self, sources, max_batch_size, **kw):
            sizes.append(max_batch_size)
            return translator.translate_batch(sources, max_batch_size=max_batch_size, **kw)

    model.model.translator = Recording()
    settings = {"num_beams": 1, "max_new_tokens": 8, "no_repeat_ngram_size": 0}
    together = model.summarize(docs, batch_size=len(docs), **settings)
    assert sizes == [min(CPU_SUB_BATCH, -(-len(docs) // model.model.workers))]
    assert together == [model.summarize([d], batch_size=1, **settings)[0] for d in docs]


def test_exports_follow_the_threads_vnnews_gives_torch(exports, pages, raw_dir):
    """`vnnews infer` and `serve` set torch's thread count once the models are loaded
    (vnnews.machine.limit_threads); ONNX Runtime and CTranslate2 fix theirs when a session
    opens, so each opens again, once, to match (their own default takes every core,
    beside the segmentation workers)."""
    import torch

    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    labeller = PageLabeler.from_pretrained(exports["classifier", "int8"])
    summarizer = Summarizer.from_pretrained(str(exports["summarizer", "int8"]))
    assert labeller.encoder.session_threads == before and summarizer.model.workers == min(4, before)
    expected = [[p.label for p in page] for page in labeller.predict(pages[:2])]
    docs = ["\n".join(a.texts[3:9]) for a in iter_articles([raw_dir])][:2]
    settings = {"num_beams": 1, "max_new_tokens": 6, "no_repeat_ngram_size": 0}
    summaries = summarizer.summarize(docs, **settings)
    try:
        torch.set_num_threads(target)
        opened = labeller.encoder.session
        assert [[p.label for p in page] for page in labeller.predict(pages[:2])] == expected
        assert labeller.encoder.session_threads == target and labeller.encoder.session is not opened
        reopened = labeller.encoder.session
        labeller.predict(pages[:1])
        assert labeller.encoder.session is reopened  # once, not at every call
        assert summarizer.summarize(docs, **settings) == summaries
        assert summarizer.model.workers == min(4, target)
    finally:
        torch.set_num_threads(before)


def test_an_export_is_self_contained_and_says_what_it_came_from(exports, trained_classifier):
    out = exports["classifier", "int8"]
    names = {p.name for p in out.iterdir()}
    assert {"line_encoder.onnx", "head.safetensors", "config.json", "README.md", "vocab.txt", "bpe.codes"} <= names
    info = json.loads((out / "config.json").read_text())["vnnews_export"]
    assert info["source"]["id"] == str(trained_classifier[0]) and info["quantize"] == "int8" and info["weights"].startswith("sha256:")
    assert f"from `{trained_classifier[0]}`" in (out / "README.md").read_text()
    summ = exports["summarizer", "int8"]
    assert {"generation_config.json", "config.json", "README.md", "ctranslate2"} <= {p.name for p in summ.iterdir()}
    assert (summ / "ctranslate2" / "model.bin").exists()


def test_the_ctranslate2_export_generates_as_many_tokens_as_torch(exports, trained_summarizer):
    """``max_new_tokens`` means the same on both runtimes: CTranslate2 counts the decoder's
    start token in its lengths, so a summary cut at the limit was a token short of the torch
    model's until the limit was mapped with that token counted (greedy search, the same ids)."""
    from vnnews.models.summarizer import Summarizer

    torch_model = Summarizer.from_pretrained(str(trained_summarizer[0]), device="cpu")
    ct2_model = Summarizer.from_pretrained(str(exports["summarizer", "none"]))
    doc = "Giá lúa tăng mạnh ở miền Tây, nông dân phấn khởi vì bán được giá cao nhất trong nhiều năm. " * 20
    enc = torch_model.tokenizer([torch_model.prefix + doc], return_tensors="pt", truncation=True, max_length=torch_model.max_source_length)
    for n in (1, 3, 6):
        expected = torch_model.model.generate(**enc, max_new_tokens=n, num_beams=1)[0].tolist()
        got = ct2_model.model.generate(enc["input_ids"], enc["attention_mask"], max_new_tokens=n, num_beams=1)[0]
        assert got == expected and len(got) == n + 1, (n, got, expected)  # the start token and n tokens (no end token reached)


def test_batch_inference_and_the_service_take_exports(exports, trained_classifier, trained_summarizer, raw_dir, tmp_path):
    from vnnews.inference import InferenceConfig, read_records, run_inference

    def job(classifier, summarizer, name):
        run_inference([raw_dir], tmp_path / name, InferenceConfig(classifier=str(classifier), summarizer=str(summarizer), progress=False, generation={"max_new_tokens": 6, "num_beams": 1}))
        return {r["id"]: r for r in read_records(tmp_path / name)}

    exported = job(exports["classifier", "none"], exports["summarizer", "none"], "exported.jsonl")
    trained = job(trained_classifier[0], trained_summarizer[0], "trained.jsonl")
    assert exported.keys() == trained.keys() and len(exported) == 5
    for key, record in exported.items():
        assert [line["label"] for line in record["lines"]] == [line["label"] for line in trained[key]["lines"]]
        assert record["summary"] == trained[key]["summary"]
        assert record["models"]["classifier"] == str(exports["classifier", "none"])


def test_export_refuses_what_it_cannot_do(exports, trained_classifier, tmp_path):
    existing = exports["classifier", "none"]
    before = {p.name: p.read_bytes() for p in existing.iterdir() if p.is_file()}
    with pytest.raises(FileExistsError, match="is not empty; give a new or empty directory"):
        export_model(trained_classifier[0], existing)
    assert {p.name: p.read_bytes() for p in existing.iterdir() if p.is_file()} == before  # the earlier export is intact
    with pytest.raises(ValueError, match="a classifier exports to onnx, not ct2"):
        export_model(trained_classifier[0], tmp_path / "x", format="ct2")
    with pytest.raises(ValueError, match="already an export"):
        export_model(exports["classifier", "int8"], tmp_path / "y")
    with pytest.raises(ValueError, match="loaded from an export"):
        PageLabeler.from_pretrained(exports["classifier", "int8"]).save_pretrained(tmp_path / "z")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_a_missing_runtime_names_its_extra(exports, monkeypatch):
    from vnnews.extras import MissingExtra

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(MissingExtra, match=r"pip install 'vnnews\[onnx\]'"):
        PageLabeler.from_pretrained(exports["classifier", "int8"])
    monkeypatch.setitem(sys.modules, "ctranslate2", None)
    with pytest.raises(MissingExtra, match=r"pip install 'vnnews\[ct2\]'"):
        Summarizer.from_pretrained(str(exports["summarizer", "int8"]))


def test_the_service_serves_exports(exports, raw_dir):
    import time

    from fastapi.testclient import TestClient

    from vnnews.serving import ServeConfig, create_app

    config = ServeConfig(classifier=str(exports["classifier", "int8"]), summarizer=str(exports["summarizer", "int8"]), generation={"max_new_tokens": 6})
    page = next(raw_dir.glob("*.txt")).read_text(encoding="utf-8")
    with TestClient(create_app(config)) as client:
        deadline = time.time() + 120
        while client.get("/readyz").status_code != 200 and time.time() < deadline:
            time.sleep(0.2)
        assert client.get("/readyz").json() == {"status": "ready"}
        assert client.get("/v1/models").json()["models"]["classifier"] == str(exports["classifier", "int8"])
        r = client.post("/v1/process", json={"text": page})
        s = client.post("/v1/summarize", json={"text": "Hà Nội hôm nay mưa lớn trên diện rộng.\nNhiều tuyến phố ngập sâu."})
    assert r.status_code == 200, r.text
    assert r.json()["lines"] and all(line["label"] for line in r.json()["lines"])
    assert s.status_code == 200 and isinstance(s.json()["summary"], str), s.text


@pytest.mark.parametrize(
    ("which", "damage", "message"),
    [
        ("classifier", "delete line_encoder.onnx", r"/clf: missing line_encoder.onnx, which an ONNX export holds: export the model again$"),
        ("classifier", "truncate line_encoder.onnx", r"/clf/line_encoder.onnx: cannot load \(InvalidProtobuf: .*Protobuf parsing failed"),
        ("classifier", "truncate head.safetensors", r"/clf/head.safetensors: truncated \(its tensors need [\d,]+ bytes, the file has [\d,]+\)"),
        ("summarizer", "truncate ctranslate2/model.bin", r"/summ/ctranslate2/model.bin: cannot load \(RuntimeError: "),
        ("summarizer", "break tokenizer.json", r"/summ/tokenizer.json: not valid JSON \(Expecting"),
    ],
)
def test_a_damaged_export_is_one_line_naming_the_file(exports, tmp_path, which, damage, message):
    import shutil

    from vnnews.models import load_model
    from vnnews.models.loading import ModelFileError

    target = tmp_path / ("clf" if which == "classifier" else "summ")
    shutil.copytree(exports[which, "int8"], target)
    verb, name = damage.split(" ", 1)
    if verb == "delete":
        (target / name).unlink()
    elif verb == "truncate":
        with open(target / name, "r+b") as f:
            f.truncate(max(16, (target / name).stat().st_size // 3))
    else:
        (target / name).write_text('{"model": ', encoding="utf-8")
    with pytest.raises(ModelFileError) as caught:
        load_model(str(target), device="cpu")
    assert re.search(message, str(caught.value)) and "\n" not in str(caught.value), str(caught.value)
