import gzip
import json

import pytest

from tests.conftest import ANNOTATIONS_DIR, RAW_DIR, VIETNEWS_DIR
from vnnews.cli import main
from vnnews.config import load_config
from vnnews.pipeline import STAGES, PipelineConfig, resolve


def _config(tmp_path, *overrides):
    records = tmp_path / "recs.jsonl"
    with gzip.open(VIETNEWS_DIR / "validation.jsonl.gz", "rt", encoding="utf-8") as f:
        records.write_text("".join(line for _, line in zip(range(80), f, strict=False)), encoding="utf-8")
    return [
        f"work_dir={tmp_path / 'work'}",
        f"pages=[{RAW_DIR}]",
        f"records=[{records}, {tmp_path / 'missing.jsonl'}]",
        f"infer_inputs=[{RAW_DIR}]",
        f"dataset.annotations_dir={ANNOTATIONS_DIR}",
        "dataset.num_proc=1",
        "classifier.training.max_steps=3",
        "classifier.max_train_examples=40",
        "classifier.max_eval_examples=10",
        f"real_pages={RAW_DIR.parent / 'real' / 'pages'}",
        f"real_annotations={RAW_DIR.parent / 'real' / 'annotations'}",
        "summarizer.training.max_steps=2",
        "summarizer.max_train_examples=16",
        "summarizer.max_eval_examples=4",
        "inference.generation={max_new_tokens: 8, num_beams: 1}",
        "inference.progress=false",
        "evaluate_max_articles=8",
        "report_examples=2",
        *overrides,
    ]


def test_pipeline_configs_resolve_to_one_work_dir():
    for name in ("tiny", "phobert-vit5-base"):
        config = resolve(load_config(PipelineConfig, f"configs/pipeline/{name}.yaml"))
        work = config.work_dir
        assert config.classifier.dataset_dir == config.summarizer.dataset_dir == f"{work}/dataset"
        assert config.inference.classifier == config.classifier.output_dir == f"{work}/classifier"
        assert config.inference.summarizer == config.summarizer.output_dir == f"{work}/summarizer"
    assert config.classifier.base_model == "vinai/phobert-base-v2" and config.summarizer.base_model == "VietAI/vit5-base"
    tiny = resolve(load_config(PipelineConfig, "configs/pipeline/tiny.yaml"))
    assert tiny.classifier.base_model == "build/demo/tiny-phobert"
    assert tiny.classifier.settings.window_lines == 192  # from the included configs/classifier/tiny.yaml
    assert tiny.dataset.compose_pages and tiny.dataset.max_records_per_file == 600


def test_main_job_runs_every_stage_and_writes_the_report(tmp_path, capsys):
    args = ["pipeline", "--config", "configs/pipeline/tiny.yaml", *_config(tmp_path)]
    assert main(args) == 0
    work = tmp_path / "work"
    stages = json.loads((work / "stages.json").read_text(encoding="utf-8"))["done"]
    assert list(stages) == list(STAGES)
    report = (work / "report.md").read_text(encoding="utf-8")
    for heading in ("## Stages", "## Dataset", "## Line labelling", "## Extraction on real pages, beside trafilatura", "## Summarizer", "## Batch inference"):
        assert heading in report
    assert "| weak labeller |" in report and "| lead-3 |" in report  # baselines beside the models
    assert "| trafilatura | 34 |" in report and "| readability-lxml |" in report and "#### dantri.com.vn" in report  # real pages, per site
    assert "eval/classifier/confusion_matrix.png" in report and (work / "eval" / "classifier" / "confusion_matrix.png").exists()
    assert "| generated summary |" in report and "| real lead (gold) |" in report
    assert report.count("| # | label | conf. | gold | text |") == 2  # two articles line by line, gold beside
    assert len((work / "articles.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    # a second run refuses to overwrite, --resume skips every finished stage
    assert main(args) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    out = capsys.readouterr().out
    assert all(f"[{name}] done in an earlier run, skipped" in out for name in STAGES)


def test_bad_pipeline_config_names_the_key(tmp_path, capsys):
    assert main(["pipeline", "--config", "configs/pipeline/tiny.yaml", "classifier.trainin.epochs=1"]) == 2
    assert "classifier.trainin" in capsys.readouterr().err


def test_include_cycle_is_an_error(tmp_path):
    from vnnews.config import ConfigError, resolve_includes

    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(f"include: {b}\n")
    b.write_text(f"include: {a}\n")
    with pytest.raises(ConfigError, match="cycle"):
        resolve_includes({"include": str(a)})
