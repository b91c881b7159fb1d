import json

from vnnews.cli import main
from vnnews.evaluation import evaluate_classifier


def test_evaluate_reports_model_and_baselines_in_one_table(trained_classifier, pages_dataset, tmp_path):
    out, _ = trained_classifier
    text = evaluate_classifier(str(out), str(pages_dataset), "validation", str(tmp_path / "ev"))
    for system in ("| model |", "| all-content |", "| jusText |", "| weak labeller |"):
        assert system in text
    assert (tmp_path / "ev" / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert data["systems"]["all-content"]["content"]["recall"] == 1.0
    assert data["systems"]["jusText"]["fine"] is None
    assert set(data["systems"]["model"]["fine"]["per_class"]) == set(data["systems"]["weak labeller"]["fine"]["per_class"])


def test_cli_evaluate_classifier_on_a_split(trained_classifier, pages_dataset, tmp_path, capsys):
    run, _ = trained_classifier
    out = tmp_path / "ev"
    assert main(["evaluate", "classifier", "--model", str(run), "--dataset", str(pages_dataset), "--split", "test", "--out", str(out)]) == 0
    assert "| jusText |" in capsys.readouterr().out and (out / "evaluation.md").exists()
    assert main(["evaluate", "classifier", "--model", str(run), "--dataset", str(tmp_path / "none")]) == 2
    assert main(["evaluate", "classifier", "--model", str(run), "--dataset", str(pages_dataset), "x=1"]) == 2
    assert "unexpected arguments x=1" in capsys.readouterr().err
