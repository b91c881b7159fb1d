"""A damaged model directory is one line naming the file and the cause (issue 21),
never a loader's traceback or a pointer to huggingface.co for a local directory."""

import shutil

import pytest

from vnnews.models import load_classifier, load_model
from vnnews.models.loading import ModelFileError


def _copy(source, target):
    """A trained model's directory copied to damage (its checkpoints left behind)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("checkpoints"))
    return target


def _refused_in_one_line(target, message, loaders=(load_model, load_classifier), error=ModelFileError):
    """Every loader refuses ``target`` with one line matching ``message``; the last error."""
    import re

    for load in loaders:
        with pytest.raises(error) as caught:
            load(str(target), device="cpu")
        assert re.search(message, str(caught.value)) and "\n" not in str(caught.value), str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate model.safetensors", r"/m/model.safetensors: truncated \(its tensors need [\d,]+ bytes, the file has [\d,]+\): copy or download it again$"),
        ("garble model.safetensors", r"/m/model.safetensors: truncated or not safetensors \(its header claims"),
        ("break config.json", r"/m/config.json: not valid JSON"),
        ("break tokenizer_config.json", r"/m/tokenizer_config.json: not valid JSON"),
        ("add tokenizer.json", r"/m/tokenizer.json: not valid JSON"),
        ("delete config.json", r"/m: no config.json, not a model directory|/m has no config.json"),
    ],
)
def test_a_damaged_model_directory_is_one_line_naming_the_file(trained_classifier, tmp_path, damage, message):
    target = _copy(trained_classifier[0], tmp_path / "m")
    verb, name = damage.split(" ", 1)
    path = target / name
    if verb == "truncate":
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size // 2)
    elif verb == "garble":
        path.write_bytes(b"\xff" * 64)
    elif verb == "delete":
        path.unlink()
    else:
        path.write_text('{"broken": ', encoding="utf-8")
    refused = _refused_in_one_line(target, message, error=ValueError)
    assert "huggingface.co" not in str(refused)
    assert isinstance(refused, ModelFileError) or "no config.json" in str(refused)


def test_a_base_model_that_is_nowhere_fails_in_one_line_with_the_way_out(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from vnnews.models.loading import load_tokenizer

    # the variable is read when huggingface_hub is imported (earlier tests did): the constant too,
    # or the call tries the network and retries for about 50 s before failing
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelFileError, match=r"build/tiny-nothing: no such local directory.*vnnews make-tiny"):
        load_tokenizer("build/tiny-nothing")


# ---------------------------------------------------------------- untrusted model directories (issue 34)
def _safetensors_with_header(path, header) -> None:
    import json
    import struct

    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 64)


def _edit_config(path, **changes):
    import json

    config = json.loads(path.read_text())
    for dotted, value in changes.items():
        node = config
        *parents, last = dotted.split("__")
        for p in parents:
            node = node[p]
        node[last] = value
    path.write_text(json.dumps(config))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("config-list", r"/m/config.json: must hold a JSON object, got a list$"),
        ("config-deep", r"/m/config.json: JSON nested too deeply to read$"),
        ("header-list", r"/m/model.safetensors: damaged safetensors header \(a JSON list, not an object\)$"),
        ("header-deep", r"/m/model.safetensors: damaged safetensors header \(JSON nested too deeply\)$"),
        ("offsets-type", r"/m/model.safetensors: damaged safetensors header \(tensor 'w': dtype, shape or data_offsets malformed\)$"),
    ],
)
def test_damaged_json_and_headers_are_one_line_naming_the_file(trained_classifier, tmp_path, damage, message):
    target = _copy(trained_classifier[0], tmp_path / "m")
    if damage == "config-list":
        (target / "config.json").write_text("[1, 2]")
    elif damage == "config-deep":
        (target / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    elif damage == "header-list":
        _safetensors_with_header(target / "model.safetensors", [1, 2])
    elif damage == "header-deep":
        _safetensors_with_header(target / "model.safetensors", b"[" * 100_000 + b"]" * 100_000)
    else:
        _safetensors_with_header(target / "model.safetensors", {"w": {"dtype": "F32", "shape": [2], "data_offsets": "0-8"}})
    _refused_in_one_line(target, message)


@pytest.mark.parametrize("key", ["encoder__num_hidden_layers", "encoder__hidden_size", "encoder__vocab_size"])
def test_a_config_claiming_sizes_beyond_the_bounds_is_refused_before_anything_is_built(trained_classifier, tmp_path, key):
    import json
    import tracemalloc

    target = _copy(trained_classifier[0], tmp_path / "m")
    assert "encoder" in json.loads((target / "config.json").read_text())  # the encoder's config nested in the labeller's
    _edit_config(target / "config.json", **{key: 10**6 if "layers" in key else 10**9})
    tracemalloc.start()
    with pytest.raises(ModelFileError, match=r"config.json: encoder\.\w+ = \d+ is not a size vnnews loads"):
        load_classifier(str(target), device="cpu")
    assert tracemalloc.get_traced_memory()[1] < 100 << 20
    tracemalloc.stop()


def test_weights_missing_from_the_file_refuse_the_model_naming_them(trained_classifier, trained_summarizer, tmp_path):
    from safetensors.torch import load_file, save_file

    for source, name in ((trained_classifier[0], "c"), (trained_summarizer[0], "s")):
        target = _copy(source, tmp_path / name)
        weights = load_file(target / "model.safetensors")
        # one small tensor (a norm's weights): within the parameter budget, so the names are checked
        dropped = sorted((k for k in weights if ("norm" in k.lower()) and weights[k].dim() == 1), key=lambda k: weights[k].numel())[:1]
        assert dropped
        save_file({k: v for k, v in weights.items() if k not in dropped}, target / "model.safetensors", metadata={"format": "pt"})
        with pytest.raises(ModelFileError, match=r"weights missing in model.safetensors for the architecture config.json describes: .*" + dropped[0].split(".")[-1]):
            load_model(str(target), device="cpu")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("segmenter=nope", r"/m/config.json: segmenter 'nope' is not one vnnews has \(none, underthesea, vncorenlp\)$"),
        ("tone_style=sideways", r"/m/config.json: tone_style 'sideways' is not 'new', 'old' or null$"),
        # the tokenizer.json beside vocab.txt is then read as T5's and refused at load
        ("tokenizer_class=T5Tokenizer", r"/m: cannot (load|encode a line with its segmenter and tokenizer) \((AttributeError|TypeError): "),
        ("tokenizer_class=BertTokenizer", r"/m: cannot encode a line with its segmenter and tokenizer \("),
    ],
)
def test_a_model_whose_line_encoding_cannot_work_is_refused_at_load(trained_classifier, tmp_path, damage, message):
    target = _copy(trained_classifier[0], tmp_path / "m")
    key, value = damage.split("=")
    _edit_config(target / ("tokenizer_config.json" if key == "tokenizer_class" else "config.json"), **{key: value})
    _refused_in_one_line(target, message, loaders=(load_classifier,))


def test_a_config_describing_more_parameters_than_the_weights_hold_is_refused_before_building(trained_classifier, trained_summarizer, tmp_path):
    """Within every size bound, but 200 layers of width 4,096 beside a tiny weights file:
    refused from the meta-device count, before transformers allocates (and randomly fills)
    tens of billions of numbers."""
    for source, name, changes in (
        (trained_classifier[0], "c", {"encoder__num_hidden_layers": 200, "encoder__hidden_size": 4096, "encoder__intermediate_size": 16384, "encoder__num_attention_heads": 32}),
        (trained_summarizer[0], "s", {"num_layers": 200, "num_decoder_layers": 200, "d_model": 4096, "d_ff": 16384}),
    ):
        target = _copy(source, tmp_path / name)
        _edit_config(target / "config.json", **changes)
        with pytest.raises(ModelFileError, match=r"config.json: describes a model of [\d,]+ parameters, its weights hold [\d,]+: refused before building it"):
            load_model(str(target), device="cpu")


def test_a_mistyped_local_model_path_says_so_without_asking_the_hub(trained_classifier, tmp_path, monkeypatch):
    _copy(trained_classifier[0], tmp_path / "runs" / "classifier")
    monkeypatch.chdir(tmp_path)
    for name, message in (("runs/clasifier", "runs/clasifier: no such model directory; runs has: classifier"),
                          ("./nope", "./nope: no such model directory"), ("a/b/c", "a/b/c: no such model directory")):
        with pytest.raises(ModelFileError) as caught:
            load_classifier(name, device="cpu")
        assert str(caught.value) == message
    with pytest.raises(ModelFileError, match=r"^nobody/nothing: no such local directory, and the Hugging Face Hub did not give it"):
        load_classifier("nobody/nothing", device="cpu")  # HF_HUB_OFFLINE in the tests: the Hub is never asked


def test_precision_bf16_puts_the_labeller_in_bf16_on_the_cpu_and_it_still_labels(trained_classifier, raw_dir):
    """``classifier_precision: bf16`` (faster on CPUs with AMX): the encoder and head in bf16,
    the LSTM kept in fp32 (as on a GPU), and the page labelled line by line as in fp32; auto
    stays fp32 on a CPU, and an unknown precision is refused naming the setting."""
    import torch

    from vnnews.ingest import iter_articles

    directory, _ = trained_classifier
    page = next(iter(iter_articles([raw_dir])))
    exact = load_classifier(str(directory), device="cpu")
    assert exact.line_proj.weight.dtype == torch.float32
    fast = load_classifier(str(directory), device="cpu", precision="bf16")
    assert fast.line_proj.weight.dtype == torch.bfloat16 and next(fast.encoder.parameters()).dtype == torch.bfloat16
    got, want = fast.predict(page), exact.predict(page)
    assert fast.sequence.weight_ih_l0.dtype == torch.float32  # the LSTM stays fp32
    assert len(got) == len(want) == len(page.lines)
    assert all(abs(sum(p.probabilities.values()) - 1.0) < 1e-3 for p in got)
    agree = sum(a.label == b.label for a, b in zip(got, want, strict=True))
    assert agree >= 0.9 * len(want)  # labels change only on near ties
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, got 'fp16'"):
        load_classifier(str(directory), device="cpu", precision="fp16")


def test_classifier_precision_is_a_checked_setting_of_infer_and_serve():
    from vnnews.inference.stages import InferenceConfig
    from vnnews.serving.app import ServeConfig

    assert InferenceConfig(classifier="weak").classifier_precision == "auto"
    with pytest.raises(ValueError, match="classifier_precision must be one of auto, fp32, bf16, got 'half'"):
        InferenceConfig(classifier="weak", classifier_precision="half")
    with pytest.raises(ValueError, match="classifier_precision must be one of auto, fp32, bf16"):
        ServeConfig(classifier="weak", classifier_precision="int8")
