"""A newcomer's first hour (issue 23): what a Hugging Face user types first, through the
commands, asserting what they see. Training runs themselves are in tests/recipes."""

import json
import logging

import pytest
import yaml

from vnnews import cli
from vnnews.cli import main


def _config(capsys) -> dict:
    return yaml.safe_load(capsys.readouterr().out)


def test_shipped_configs_are_listed_shown_and_copied(tmp_path, capsys):
    assert main(["config", "list"]) == 0
    listed = capsys.readouterr().out
    for name in ("classifier/tiny", "classifier/phobert-base-v2", "summarizer/vit5-base", "pipeline/tiny", "inference/default", "serve/default"):
        assert f"\n{name} " in "\n" + listed
    assert main(["config", "show", "classifier/tiny"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["settings"]["window_lines"] == 192
    assert main(["config", "cp", "classifier/tiny", str(tmp_path / "mine.yaml")]) == 0
    assert yaml.safe_load((tmp_path / "mine.yaml").read_text())["base_model"] == "build/tiny-phobert"
    (tmp_path / "mine.yaml").write_text("edited: true\n")
    assert main(["config", "cp", "classifier/tiny", str(tmp_path / "mine.yaml")]) == 2  # never over a file it did not write
    assert "exists" in capsys.readouterr().err and (tmp_path / "mine.yaml").read_text() == "edited: true\n"
    assert main(["config", "show", "classifier/nope"]) == 2
    assert "classifier/tiny" in capsys.readouterr().err  # the error lists what there is


def test_config_names_a_shipped_config_and_print_config_shows_the_resolved_one(capsys):
    assert main(["train", "classifier", "--config", "tiny", "--print-config", "training.epochs=1"]) == 0
    shown = _config(capsys)
    assert shown["base_model"] == "build/tiny-phobert" and shown["training"]["epochs"] == 1
    assert main(["train", "summarizer", "--config", "tiny", "--print-config"]) == 0
    assert _config(capsys)["prefix"]  # the summarizer's tiny, not the classifier's
    for command in (["build-dataset"], ["infer"], ["pipeline", "--config", "tiny"], ["serve", "--classifier", "weak"]):
        assert main([*command, "--print-config"]) == 0, command
        assert isinstance(_config(capsys), dict)


def test_hugging_face_style_flags_are_config_keys(capsys):
    assert main(["train", "classifier", "--config", "tiny", "--print-config", "--learning_rate", "3e-5", "--epochs=2"]) == 0
    shown = _config(capsys)
    assert shown["training"]["learning_rate"] == 3e-5 and shown["training"]["epochs"] == 2
    assert main(["train", "classifier", "--config", "tiny", "--print-config", "learning_rat=3e-5"]) == 2
    err = capsys.readouterr().err
    assert "training.learning_rate" in err.split("did you mean")[1].split(",")[0]  # the training key ranked first


def test_global_flags_work_after_the_subcommand_and_outputs_are_named_alike(tmp_path, raw_dir, capsys, monkeypatch):
    levels = []
    monkeypatch.setattr(logging, "basicConfig", lambda **kw: levels.append(kw.get("level")))
    assert main(["train", "classifier", "--config", "tiny", "dataset_dir=build/nope", "-v", "--print-config"]) == 0
    assert _config(capsys)["dataset_dir"] == "build/nope"
    assert logging.DEBUG in levels
    assert main(["build-dataset", str(raw_dir), "--output", str(tmp_path / "a"), "num_proc=1", "-q"]) == 0
    assert (tmp_path / "a" / "README.md").is_file()
    assert main(["make-tiny", "classifier", "-o", str(tmp_path / "tiny")]) == 0
    assert (tmp_path / "tiny" / "config.json").is_file()
    with pytest.raises(SystemExit) as stop:  # two outputs: refused as a usage error
        main(["make-tiny", "classifier", str(tmp_path / "t2"), "--out", str(tmp_path / "t3")])
    assert stop.value.code == 2 and "two outputs" in capsys.readouterr().err


def test_a_url_input_says_vnnews_does_not_fetch(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main(["infer", "https://vnexpress.net/abc.html", "--classifier", "weak", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "https://vnexpress.net/abc.html is a URL: vnnews reads files and does not fetch pages" in err
    assert "https:/vnexpress" not in err
    assert main(["extract", "http://example.vn/a"]) == 2
    assert "does not fetch" in capsys.readouterr().err
    assert "does not fetch" in cli.build_parser()._subparsers._group_actions[0].choices["infer"].format_help()


def test_ctrl_c_ends_in_one_line_saying_what_was_kept(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    from vnnews.cli import jobs

    monkeypatch.setattr(jobs, "cmd_infer", interrupted)
    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _with_func(parser(), "infer", interrupted))
    assert main(["infer", "x.txt", "-o", "o.jsonl"]) == 130
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err == "vnnews: interrupted: finished chunks are kept in o.jsonl.parts: run the same command with --resume to continue"


def _with_func(parser, command, func):
    sub = next(a for a in parser._actions if a.dest == "command")
    sub.choices[command].set_defaults(func=func)
    return parser


def test_a_pipeline_resume_with_other_overrides_is_refused_naming_them(tmp_path, capsys):
    work = tmp_path / "work"
    assert main(["pipeline", "--config", "tiny", "--print-config", f"work_dir={work}"]) == 0
    resolved = _config(capsys)
    from vnnews.outputs import mark_dir

    mark_dir(work)  # as an earlier `vnnews pipeline` left it
    (work / "pipeline.json").write_text(json.dumps(resolved))
    (work / "stages.json").write_text("{}")
    assert main(["pipeline", "--config", "tiny", "--resume", f"work_dir={work}", "classifier.training.learning_rate=0.5"]) == 2
    err = capsys.readouterr().err
    assert "--resume with another config" in err and "learning_rate" in err and "0.5" in err


def test_loading_an_encoder_prints_no_report_the_user_cannot_act_on(tiny_phobert, capfd):
    from vnnews.models.page_labeler import PageLabeler

    PageLabeler.from_encoder(str(tiny_phobert), hidden_size=16)
    err = capfd.readouterr().err
    assert "UNEXPECTED" not in err and "LOAD REPORT" not in err and "not sharded" not in err


def test_evaluate_writes_beside_not_inside_the_model_by_default(trained_summarizer, pages_dataset, tmp_path, monkeypatch, capsys):
    model = trained_summarizer[0]
    before = sorted(p.name for p in model.iterdir())
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "summarizer", "--model", str(model), "--dataset", str(pages_dataset), "--split", "validation"]) == 0
    out = capsys.readouterr().out
    written = tmp_path / "build" / "eval" / f"{model.name}-summarizer-validation"
    assert (written / "evaluation.md").is_file() and str(written.relative_to(tmp_path)) in out
    assert sorted(p.name for p in model.iterdir()) == before
    assert "ROUGE F x 100" in out and "compat: rouge_score's default tokenizer" in out  # labelled figures, not bare numbers
