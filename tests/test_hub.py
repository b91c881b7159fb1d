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
            loaded = load_dataset(str(where), subset, cache_dir=str(tmp_path / "cache"))  # HF_DATASETS_CACHE is read when datasets is imported: too late here
            assert set(loaded) == set(ours)
            for split in ours:
                assert loaded[split].features == ours[split].features  # ClassLabel names kept
                assert loaded[split].to_list() == ours[split].to_list()


# ---------------------------------------------------------------- licences (issue 34)
def _with_config(source, tmp_path, **changes):
    import shutil

    import yaml

    target = tmp_path / "m"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("checkpoints"))
    path = target / "training_config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return target


def _front_matter(card_path):
    import yaml

    text = card_path.read_text(encoding="utf-8")
    return yaml.safe_load(text[4 : text.index("\n---", 4)])


def test_the_card_licence_follows_the_base_model(trained_classifier, tmp_path):
    from vnnews.hub import stage_model

    model = _with_config(trained_classifier[0], tmp_path, base_model="vinai/phobert-base-v2", license=None)
    staged = stage_model(model, "org/m", tmp_path / "out")
    meta = _front_matter(tmp_path / "out" / "README.md")
    assert meta["license"] == "agpl-3.0" and meta["base_model"] == "vinai/phobert-base-v2"
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "Licence: **agpl-3.0**, the licence of the base model (vinai/phobert-base-v2)" in card and "VietNews" in card
    assert staged


def test_push_refuses_an_unknown_or_contradicted_licence_unless_one_is_given(trained_classifier, tmp_path, capsys):
    unknown = _with_config(trained_classifier[0], tmp_path, base_model=str(tmp_path / "no-card-base"), license=None)
    assert main(["push", "model", str(unknown), "--repo-id", "org/m", "--dry-run", str(tmp_path / "a")]) == 2
    assert "the model's licence is unknown" in capsys.readouterr().err and not (tmp_path / "a").exists()
    assert main(["push", "model", str(unknown), "--repo-id", "org/m", "--dry-run", str(tmp_path / "b"), "--license", "mit"]) == 0
    assert _front_matter(tmp_path / "b" / "README.md")["license"] == "mit"
    capsys.readouterr()
    contradicted = _with_config(unknown, tmp_path / "c", base_model="vinai/phobert-base-v2", license="apache-2.0")
    assert main(["push", "model", str(contradicted), "--repo-id", "org/m", "--dry-run", str(tmp_path / "d")]) == 2
    assert "says license apache-2.0, but its base model vinai/phobert-base-v2 is agpl-3.0" in capsys.readouterr().err


def test_tiny_bases_and_replicas_carry_the_licence_a_model_trained_from_them_inherits(tiny_phobert):
    from vnnews.models.licences import BASE_LICENCES, base_licence

    assert base_licence(str(tiny_phobert)) == "apache-2.0"
    assert BASE_LICENCES["vinai/phobert-base-v2"] == "agpl-3.0" and BASE_LICENCES["vinai/phobert-base"] == "mit"


def test_push_to_hub_at_the_end_of_training_checks_the_licence_before_creating_anything(trained_classifier, tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    from vnnews.models import load_model

    monkeypatch.setattr(HfApi, "create_repo", lambda *a, **kw: pytest.fail("nothing may be created before the licence is known"))
    model = load_model(str(_with_config(trained_classifier[0], tmp_path, base_model="<local>", license=None)), device="cpu")
    with pytest.raises(ValueError, match="the model's licence is unknown"):
        model.push_to_hub("org/m")
