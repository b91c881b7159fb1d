"""The model-directory format: one writer for both classes, cards, Hub push (captured, offline)."""

import json
from pathlib import Path

import pytest
import yaml

from vnnews.models import PageLabeler, Summarizer, load_model
from vnnews.models.directory import public_config


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.mark.parametrize("which", ["classifier", "summarizer"])
def test_save_after_load_gives_back_the_same_directory(which, trained_classifier, trained_summarizer, tmp_path):
    source = (trained_classifier if which == "classifier" else trained_summarizer)[0]
    model = load_model(str(source), device="cpu")
    assert isinstance(model, PageLabeler if which == "classifier" else Summarizer)
    model.save_pretrained(tmp_path / "copy")
    original, copy = _files(source), _files(tmp_path / "copy")
    assert set(copy) == set(original) - {"training_args.bin", "vnnews-run.json", ".vnnews-output"}  # the training run's own records
    for name in ("README.md", "metrics.json", "training_config.yaml", "model.safetensors"):
        assert copy[name] == original[name], name
    # transformers leaves use_cache=False in a config the Trainer saved; nothing else differs
    configs = [{k: v for k, v in json.loads(files["config.json"]).items() if k != "use_cache"} for files in (original, copy)]
    assert configs[0] == configs[1]
    assert not (source / "training_args.bin").exists()  # the Trainer's pickle is not part of the format


def test_the_card_is_vnnews_metadata_with_the_measured_metrics(trained_classifier, trained_summarizer):
    from huggingface_hub import ModelCard

    for source, task, metric in ((trained_classifier, "token-classification", "macro_f1"), (trained_summarizer, "summarization", "rouge1")):
        card = ModelCard.load(source[0] / "README.md")
        data = card.data.to_dict()
        assert data["library_name"] == "vnnews" and data["license"] == "apache-2.0" and data["language"] == ["vi"]
        assert "pipeline_tag" not in data  # a stock pipeline() cannot prepare this input
        results = data["model-index"][0]["results"][0]
        assert results["task"]["type"] == task
        measured = json.loads((source[0] / "metrics.json").read_text())["eval"][metric]
        assert results["metrics"][0]["type"] == metric and results["metrics"][0]["value"] == pytest.approx(measured, abs=1e-4)
        assert "VietNews" in card.text and "```python" in card.text and "imitations" in card.text


def test_training_config_is_published_without_local_paths(trained_classifier):
    config = yaml.safe_load((trained_classifier[0] / "training_config.yaml").read_text())
    assert config["dataset_dir"] == "<local>" and config["output_dir"] == "<local>" and config["base_model"] == "<local>"
    assert config["training"]["learning_rate"] > 0 and config["settings"]["segmenter"] == "underthesea"
    assert public_config({"base_model": "vinai/phobert-base-v2", "x": "/home/u/data", "name": "tiny"}) == {
        "base_model": "vinai/phobert-base-v2", "x": "<local>", "name": "tiny"}


def test_push_to_hub_creates_the_branch_and_uploads_one_commit(trained_classifier, monkeypatch):
    from huggingface_hub import HfApi

    calls = []

    def create_repo(self, repo_id, **kw):
        calls.append(("create_repo", repo_id, kw["private"]))
        return type("RepoUrl", (), {"repo_id": repo_id})()

    def upload_folder(self, folder_path, **kw):
        card = (Path(folder_path) / "README.md").read_text()
        calls.append(("upload", kw["repo_id"], kw["revision"], sorted(kw["allow_patterns"]), 'from_pretrained("me/clf")' in card))
        return type("CommitInfo", (), {"commit_url": "https://huggingface.co/me/clf/commit/abc"})()

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "create_branch", lambda self, repo_id, branch, **kw: calls.append(("branch", repo_id, branch)))
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    model = PageLabeler.from_pretrained(trained_classifier[0], device="cpu")
    url = model.push_to_hub("me/clf", private=True, revision="v1")
    assert url == "https://huggingface.co/me/clf/commit/abc"
    assert calls[0] == ("create_repo", "me/clf", True) and calls[1] == ("branch", "me/clf", "v1")
    upload = calls[2]
    assert upload[:3] == ("upload", "me/clf", "v1") and upload[4]
    assert {"model.safetensors", "config.json", "vocab.txt", "bpe.codes", "README.md", "metrics.json", "training_config.yaml"} <= set(upload[3])
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in upload[3])


def test_an_untrained_model_saves_a_card_without_metrics(tiny_phobert, tmp_path):
    model = PageLabeler.from_encoder(str(tiny_phobert))
    model.save_pretrained(tmp_path / "m")
    assert not (tmp_path / "m" / "metrics.json").exists()
    assert "No evaluation recorded" in (tmp_path / "m" / "README.md").read_text()
    assert PageLabeler.from_pretrained(tmp_path / "m", device="cpu").training_record == {"config": {}, "metrics": {}}


def test_nothing_pushed_names_a_path_of_the_training_machine(trained_classifier, trained_summarizer, tmp_path):
    """Trained with absolute paths (the fixtures' temporary directories): config.json kept
    the encoder's ``_name_or_path`` and metrics.json the best checkpoint's path."""
    from vnnews.hub import stage_model

    for source in (trained_classifier[0], trained_summarizer[0]):
        machine = {str(source.parent.parent), str(source), str(Path.cwd()), str(Path.home())}
        assert any(str(source.parent.parent) in p.read_text(encoding="utf-8", errors="replace") for p in source.glob("*.json")), "fixture lost its paths"
        staged = stage_model(source, "org/model", tmp_path / source.name)
        for path in staged:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [m for m in machine if m and m != "/" and m in text], path.name
        assert load_model(str(tmp_path / source.name), device="cpu") is not None  # still loads


@pytest.mark.parametrize("which", ["classifier", "summarizer"])
def test_every_saved_file_is_readable_by_other_users(which, trained_classifier, trained_summarizer, tmp_path):
    """A server that runs as another user on a read-only mount must read the weights:
    transformers and safetensors write 0600, vnnews gives the files the umask's mode."""
    import os

    source = trained_classifier if which == "classifier" else trained_summarizer
    old = os.umask(0o022)
    try:
        out = load_model(str(source[0])).save_pretrained(tmp_path / "m")
    finally:
        os.umask(old)
    files = [p for p in Path(out).rglob("*") if p.is_file()]
    assert any(p.suffix == ".safetensors" for p in files)
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o644"}
    assert oct((trained_classifier[0] / "model.safetensors").stat().st_mode & 0o777) == "0o644"  # as training wrote it


def test_paths_in_free_text_of_any_pushed_file_are_scrubbed(trained_classifier, tmp_path):
    """A directory someone edited by hand: paths inside a note in metrics.json, in
    training_config.yaml and in what the card prints, POSIX, home-relative and Windows."""
    import json
    import shutil

    from vnnews.hub import stage_model

    source = tmp_path / "model"
    shutil.copytree(trained_classifier[0], source, ignore=shutil.ignore_patterns("checkpoints"))
    paths = ["/home/alice/crawl/2024", "/tmp/run/checkpoint-8", "C:\\Users\\bob\\data", "~alice/logs/run.txt", "../private/pages"]
    metrics = json.loads((source / "metrics.json").read_text())
    metrics["note"] = f"trained on {paths[0]} and {paths[2]}; best at {paths[1]}"
    (source / "metrics.json").write_text(json.dumps(metrics))
    with (source / "training_config.yaml").open("a", encoding="utf-8") as f:
        f.write(f"notes: 'pages from {paths[3]} and {paths[4]}, see https://huggingface.co/vinai/phobert-base-v2'\n")
    staged = stage_model(source, "org/model", tmp_path / "out")
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in staged if p.suffix in (".json", ".yaml", ".md", ".txt")}
    for name, text in texts.items():
        for path in paths + ["C:\\\\Users", "alice", "bob"]:
            assert path not in text, (name, path)
    assert "<local>" in texts["metrics.json"] and "<local>" in texts["training_config.yaml"]
    assert "https://huggingface.co/vinai/phobert-base-v2" in texts["training_config.yaml"]
    assert json.loads(texts["metrics.json"])["note"] == "trained on <local> and <local>; best at <local>"
    assert load_model(str(tmp_path / "out"), device="cpu") is not None
