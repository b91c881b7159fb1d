from pathlib import Path

import pytest

from vnnews.cli import main
from vnnews.hub import push_dataset


def test_push_to_hub_uploads_card_then_subsets_without_network(tmp_path, raw_dir, monkeypatch, capsys):
    import datasets
    from huggingface_hub import HfApi

    calls = []
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kw: calls.append(("create", repo_id, kw["repo_type"], kw["private"])))
    monkeypatch.setattr(HfApi, "upload_file", lambda self, **kw: calls.append(("card", kw["repo_id"], kw["path_in_repo"])))
    monkeypatch.setattr(datasets.DatasetDict, "push_to_hub", lambda self, repo_id, config_name, **kw: calls.append(("subset", repo_id, config_name, sorted(self))))
    argv = ["build-dataset", str(raw_dir), "--out", str(tmp_path / "ds"), "--push-to-hub", "org/vnnews-seeds", "--private", "num_proc=1"]
    assert main(argv) == 0
    assert calls == [
        ("create", "org/vnnews-seeds", "dataset", True),
        ("card", "org/vnnews-seeds", "README.md"),
        ("subset", "org/vnnews-seeds", "segments", ["test", "train", "validation"]),
        ("subset", "org/vnnews-seeds", "summarization", ["test", "train", "validation"]),
        ("subset", "org/vnnews-seeds", "pages", ["test", "train", "validation"]),
    ]
    assert "https://huggingface.co/datasets/org/vnnews-seeds" in capsys.readouterr().out


def test_push_refuses_a_directory_that_is_not_a_built_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="no README.md"):
        push_dataset(tmp_path, "org/x")


def test_push_model_dry_run_writes_exactly_what_would_be_uploaded(tmp_path, trained_classifier, monkeypatch, capsys):
    from huggingface_hub import HfApi

    monkeypatch.setattr(HfApi, "upload_folder", lambda *a, **kw: pytest.fail("a dry run must not upload"))
    monkeypatch.setattr(HfApi, "create_repo", lambda *a, **kw: pytest.fail("a dry run must not create a repo"))
    model_dir = trained_classifier[0]
    out = tmp_path / "preview"
    assert main(["push", "model", str(model_dir), "--repo-id", "org/vnnews-clf", "--dry-run", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "model.safetensors" in names and "config.json" in names and "README.md" in names and "bpe.codes" in names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names) and "checkpoints" not in names
    card = (out / "README.md").read_text(encoding="utf-8")
    assert 'PageLabeler.from_pretrained("org/vnnews-clf")' in card and "PATH_OR_HUB_ID" not in card
    assert "library_name: vnnews" in card and "model-index" in card
    assert "base_model:" not in card.split("\n---\n", 1)[0]  # a local tiny base is not a Hub id
    assert "nothing uploaded" in capsys.readouterr().out
    assert main(["push", "model", str(model_dir), "--repo-id", "org/x", "--dry-run", str(out)]) == 2  # not empty
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == names and 'from_pretrained("org/vnnews-clf")' in (out / "README.md").read_text(encoding="utf-8")


def test_push_model_uploads_the_staged_files_in_one_commit(tmp_path, trained_summarizer, monkeypatch, capsys):
    from huggingface_hub import HfApi

    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_value")
    calls = []

    def upload_folder(self, folder_path, repo_id, repo_type, commit_message, revision, allow_patterns, create_pr):
        calls.append(("upload", repo_id, repo_type, sorted(p.name for p in Path(folder_path).iterdir() if p.name in allow_patterns)))

    def create_repo(self, repo_id, **kw):
        calls.append(("create", repo_id, kw["repo_type"], kw["private"]))
        return type("RepoUrl", (), {"repo_id": repo_id})()

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    assert main(["push", "model", str(trained_summarizer[0]), "--repo-id", "org/vnnews-sum", "--private"]) == 0
    assert calls[0] == ("create", "org/vnnews-sum", "model", True)
    assert calls[1][:3] == ("upload", "org/vnnews-sum", "model") and "generation_config.json" in calls[1][3]
    out = capsys.readouterr()
    assert "https://huggingface.co/org/vnnews-sum" in out.out
    assert "hf_secret_token_value" not in out.out + out.err


def test_push_refuses_what_is_not_a_vnnews_model(tmp_path, tiny_phobert, capsys):
    assert main(["push", "model", str(tiny_phobert), "--repo-id", "org/x", "--dry-run", str(tmp_path / "o")]) == 2
    assert "is not a vnnews classifier" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["push", "model", str(tmp_path / "empty"), "--repo-id", "org/x", "--dry-run", str(tmp_path / "o2")]) == 2
    assert "no model.safetensors" in capsys.readouterr().err


def test_push_dataset_dry_run_writes_card_and_parquet(tmp_path, raw_dir, capsys):
    assert main(["build-dataset", str(raw_dir), "--out", str(tmp_path / "ds"), "num_proc=1"]) == 0
    out = tmp_path / "preview"
    assert main(["push", "dataset", str(tmp_path / "ds"), "--repo-id", "org/ds", "--dry-run", str(out)]) == 0
    assert (out / "README.md").exists()
    import pyarrow.parquet as pq

    rows = sum(pq.read_metadata(p).num_rows for p in (out / "segments").glob("*.parquet"))
    assert rows == 306  # every gold line of the five seed pages


def test_the_built_and_the_pushed_dataset_load_the_hugging_face_way(tmp_path, raw_dir, monkeypatch, capsys):
    """``load_dataset(DIR, subset)`` reads the built directory (its card points at the
    Arrow files on disk) and the pushed layout (the card points at the Parquet shards)."""
    from datasets import load_dataset

    from vnnews.dataset import load_subset

    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    ds = tmp_path / "ds"
    assert main(["build-dataset", str(raw_dir), "-o", str(ds), "num_proc=1"]) == 0
    assert main(["push", "dataset", str(ds), "--repo-id", "org/ds", "--dry-run", str(tmp_path / "hub")]) == 0
    for subset in ("segments", "summarization", "pages"):
        ours = load_subset(ds, subset)
        for where in (ds, tmp_path / "hub"):
            loaded = load_dataset(str(where), subset)
            assert set(loaded) == set(ours)
            for split in ours:
                assert loaded[split].features == ours[split].features  # ClassLabel names kept
                assert loaded[split].to_list() == ours[split].to_list()
