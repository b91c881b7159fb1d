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
    ]
    assert "https://huggingface.co/datasets/org/vnnews-seeds" in capsys.readouterr().out


def test_push_refuses_a_directory_that_is_not_a_built_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="no README.md"):
        push_dataset(tmp_path, "org/x")
