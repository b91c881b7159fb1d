import json

from vnnews.cli import main
from vnnews.evaluation import evaluate_classifier

from .test_classifier import tiny_config, trained  # noqa: F401  (module fixture reused)


def test_evaluate_reports_model_and_baselines_in_one_table(trained, pages_dataset, tmp_path):  # noqa: F811
    out, _ = trained
    text = evaluate_classifier(str(out), str(pages_dataset), "validation", str(tmp_path / "ev"))
    for system in ("| model |", "| all-content |", "| jusText |", "| weak labeller |"):
        assert system in text
    assert (tmp_path / "ev" / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert data["systems"]["all-content"]["content"]["recall"] == 1.0
    assert data["systems"]["jusText"]["fine"] is None
    assert set(data["systems"]["model"]["fine"]["per_class"]) == set(data["systems"]["weak labeller"]["fine"]["per_class"])


def test_cli_train_evaluate_and_leave_one_page_out(tiny_phobert, pages_dataset, tmp_path, capsys):
    run = tmp_path / "run"
    common = [f"base_model={tiny_phobert}", f"dataset_dir={pages_dataset}", "training.max_steps=3", "max_train_examples=100", "max_eval_examples=50", "settings.max_length=64"]
    assert main(["train", "classifier", "--config", "configs/classifier/tiny.yaml", f"output_dir={run}", *common]) == 0
    assert "macro-F1" in capsys.readouterr().out
    assert main(["evaluate", "classifier", "--model", str(run), "--dataset", str(pages_dataset), "--split", "test"]) == 0
    assert "| jusText |" in capsys.readouterr().out and (run / "eval-test" / "evaluation.md").exists()
    lopo = tmp_path / "lopo"
    assert main(["evaluate", "classifier", "--leave-one-page-out", "--config", "configs/classifier/tiny.yaml", "--out", str(lopo), f"output_dir={tmp_path / 'l'}", *common]) == 0
    report = json.loads((lopo / "evaluation.json").read_text())
    assert report["pages"] == ["002_25aafac0b17ae249", "003_13d2b43e3800a43f"]
    assert sorted(p.name for p in (lopo / "runs").iterdir()) == report["pages"]
    assert "model (leave-one-page-out)" in report["systems"]
    assert main(["evaluate", "classifier", "--leave-one-page-out"]) == 2
