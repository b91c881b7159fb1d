"""A damaged model directory is one line naming the file and the cause (issue 21),
never a loader's traceback or a pointer to huggingface.co for a local directory."""

import shutil

import pytest

from vnnews.models import load_classifier, load_model
from vnnews.models.loading import ModelFileError


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
    import re

    target = tmp_path / "m"
    shutil.copytree(trained_classifier[0], target, ignore=shutil.ignore_patterns("checkpoints"))
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
    for load in (load_model, load_classifier):
        with pytest.raises(ValueError) as caught:
            load(str(target), device="cpu")
        assert re.search(message, str(caught.value)) and "\n" not in str(caught.value), str(caught.value)
        assert "huggingface.co" not in str(caught.value)
    assert isinstance(caught.value, ModelFileError) or "no config.json" in str(caught.value)


def test_a_base_model_that_is_nowhere_fails_in_one_line_with_the_way_out(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from vnnews.models.loading import load_tokenizer

    # the variable is read when huggingface_hub is imported (earlier tests did): the constant too,
    # or the call tries the network and retries for about 50 s before failing
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelFileError, match=r"build/tiny-nothing: no such local directory.*vnnews make-tiny"):
        load_tokenizer("build/tiny-nothing")
