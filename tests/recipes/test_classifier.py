from pathlib import Path

import pytest

from vnnews.config import load_config
from vnnews.layout import DOM_FEATURES, FEATURE_NAMES
from vnnews.recipes.classifier import ClassifierConfig, WindowDataset, held_out_pages, load_pages, train_classifier

ROOT = Path(__file__).resolve().parents[2]


def tiny_config(base: Path, dataset: Path, out: Path, *overrides: str) -> ClassifierConfig:
    return load_config(
        ClassifierConfig,
        ROOT / "configs" / "classifier" / "tiny.yaml",
        [f"base_model={base}", f"dataset_dir={dataset}", f"output_dir={out}", "training.max_steps=4", "training.batch_size=4", *overrides],
    )


def test_trained_classifier_is_a_self_contained_model_directory(trained_classifier):
    from vnnews.models.page_labeler import PageLabeler

    out, metrics = trained_classifier
    for name in ("config.json", "model.safetensors", "vocab.txt", "bpe.codes", "tokenizer.json", "README.md", "training_config.yaml", "metrics.json"):
        assert (out / name).exists(), name
    assert 0.0 <= metrics["eval"]["macro_f1"] <= 1.0 and metrics["train_windows"] > 0
    card = (out / "README.md").read_text()
    assert "page labeller" in card and "vnnews evaluate extraction" in card
    model = PageLabeler.from_pretrained(out)
    assert model.config.class_weights and len(model.config.class_weights) == len(model.labels)
    from vnnews.models.fast_bpe import FastPhobertTokenizer, PhobertTokenizerFast

    # PhoBERT's BPE in Rust from the directory's tokenizer.json, in the line encoding too
    assert isinstance(model.tokenizer, PhobertTokenizerFast) and isinstance(model.line_tokenizer.tokenizer, FastPhobertTokenizer)


def test_every_config_of_the_recipe_loads():
    for path in sorted((ROOT / "configs" / "classifier").glob("*.yaml")):
        config = load_config(ClassifierConfig, path, [])
        assert config.settings.window_overlap * 2 < config.settings.window_lines, path


def test_leaving_families_out_keeps_them_out_of_training_and_of_choosing_the_checkpoint(tiny_phobert, pages_dataset, tmp_path):
    config = tiny_config(tiny_phobert, pages_dataset, tmp_path / "x", "exclude_families=[photo,live]", "eval_split=train", "max_eval_examples=null")
    before = sorted(p.name for p in Path(pages_dataset).rglob("*"))
    train, evaluation = load_pages(config)
    held = held_out_pages(config)
    assert train and evaluation and held
    assert all(a.meta["family"] not in ("photo", "live") for a in train + evaluation)
    assert {a.meta["family"] for a in held} <= {"photo", "live"}
    # the split is cut in two: every page of it is in exactly one of them
    everything = load_pages(tiny_config(tiny_phobert, pages_dataset, tmp_path / "y", "eval_split=train", "max_eval_examples=null"))[1]
    assert sorted(a.id for a in evaluation + held) == sorted(a.id for a in everything)
    assert sorted(p.name for p in Path(pages_dataset).rglob("*")) == before  # nothing written into the dataset
    unknown = tiny_config(tiny_phobert, pages_dataset, tmp_path / "z", "exclude_families=[no-such-family]", "eval_split=train")
    with pytest.raises(ValueError, match=r"no pages of the families \['no-such-family'\] in split 'train'"):
        held_out_pages(unknown)


def test_dom_dropout_zeroes_dom_and_candidate_features_only():
    row = [1.0] * len(FEATURE_NAMES)
    ds = WindowDataset([([[0, 1]], [row], [2])], dom_dropout=1.0)
    item = ds[0]
    for j, name in enumerate(FEATURE_NAMES):
        assert item["features"][0][j] == (0.0 if name in DOM_FEATURES else 1.0), name


def test_self_training_adds_confident_lines_from_real_pages(tiny_phobert, pages_dataset, tmp_path):
    pages = ROOT / "data" / "real" / "pages" / "kenh14.vn"
    config = tiny_config(tiny_phobert, pages_dataset, tmp_path / "st", f"self_training.pages=[{pages}]", "self_training.min_confidence=0.05")
    metrics = train_classifier(config)
    assert metrics["self_training_lines"] > 0
    assert (tmp_path / "st" / "checkpoints-self-training").exists()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="dom_dropout"):
        ClassifierConfig(dom_dropout=2.0)


def test_training_pushes_the_finished_model_once_through_its_class(tiny_phobert, pages_dataset, tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    uploads = []

    def create_repo(self, repo_id, **kw):
        return type("RepoUrl", (), {"repo_id": repo_id})()

    def upload_folder(self, folder_path, **kw):
        uploads.append((kw["repo_id"], kw["revision"], sorted(kw["allow_patterns"]), (Path(folder_path) / "README.md").read_text()))
        return "https://huggingface.co/org/clf/commit/1"

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "create_branch", lambda self, *a, **kw: None)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    config = tiny_config(tiny_phobert, pages_dataset, tmp_path / "p", "training.push_to_hub=true", "training.hub_model_id=org/clf", "training.hub_revision=exp1")
    train_classifier(config)
    assert len(uploads) == 1  # the finished model, not every checkpoint
    repo, revision, files, card = uploads[0]
    assert (repo, revision) == ("org/clf", "exp1") and "model.safetensors" in files and "metrics.json" in files
    assert 'PageLabeler.from_pretrained("org/clf")' in card and "library_name: vnnews" in card


def test_both_recipes_train_on_five_labelled_pages_of_ones_own_site(tmp_path, raw_dir, annotations_dir, tiny_phobert, tiny_vit5):
    """A newsroom's afternoon (issue 37): five gold pages, no VietNews, both trainings."""
    from tests.recipes.test_summarizer import tiny_config as summarizer_config
    from vnnews.dataset import DatasetConfig, build_dataset
    from vnnews.recipes.summarizer import train_summarizer

    build_dataset([raw_dir], tmp_path / "ds", DatasetConfig(annotations_dir=str(annotations_dir), num_proc=1, split_salt="a"))
    metrics = train_classifier(tiny_config(tiny_phobert, tmp_path / "ds", tmp_path / "c", "training.max_steps=2", "max_eval_examples=null"))
    assert metrics["eval_pages"] == 1 and metrics["train_pages"] == 3 and (tmp_path / "c" / "model.safetensors").is_file()
    summary = train_summarizer(summarizer_config(tiny_vit5, tmp_path / "ds", tmp_path / "s"))
    assert summary["eval_articles"] == 1 and (tmp_path / "s" / "model.safetensors").is_file()
    # the cards describe the data the models read, no more: hand-labelled pages, no VietNews
    card = (tmp_path / "c" / "README.md").read_text(encoding="utf-8")
    assert "3 real pages were hand-labelled" in card and "never saw a real page" not in card and "VietNews" not in card
    assert summary["train_sources"] == {"gold": 3}
    card = (tmp_path / "s" / "README.md").read_text(encoding="utf-8")
    assert "3 hand-labelled pages" in card and "VietNews" not in card
