import json
import subprocess
import sys
from pathlib import Path

import pytest

from vnnews.cli import _split_overrides, build_parser, main

SUBCOMMANDS = ["build-dataset", "stats", "ingest", "weak-label", "annotate", "validate-annotations", "make-tiny", "make-replica", "train", "export", "evaluate", "adapt", "infer", "pipeline", "serve", "push", "extract", "config", "docs"]


def test_help_lists_every_subcommand_with_a_purpose():
    out = subprocess.run([sys.executable, "-m", "vnnews", "--help"], capture_output=True, text=True, check=True).stdout
    for name in SUBCOMMANDS:
        assert name in out
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(SUBCOMMANDS)
    assert all(action.help for action in sub._choices_actions)


def test_overrides_are_told_apart_from_paths(tmp_path):
    weird = tmp_path / "a=b.txt"
    weird.write_text("x")
    paths, overrides = _split_overrides(["data/raw", "num_proc=1", "split_ratios.train=0.9", str(weird)])
    assert paths == ["data/raw", str(weird)]
    assert overrides == ["num_proc=1", "split_ratios.train=0.9"]


def test_build_dataset_prints_statistics(tmp_path, raw_dir, capsys):
    out = tmp_path / "ds"
    assert main(["build-dataset", str(raw_dir), "--out", str(out), "num_proc=1"]) == 0
    text = capsys.readouterr().out
    assert "articles" in text and "segment labels" in text and "Built 5 articles" in text
    assert main(["stats", str(out)]) == 0
    assert "summarization" in capsys.readouterr().out


def test_build_dataset_reports_bad_config_and_existing_output(tmp_path, raw_dir, capsys):
    assert main(["build-dataset", str(raw_dir), "--out", str(tmp_path / "o"), "splits=3"]) == 2
    assert "unknown config key 'splits'" in capsys.readouterr().err
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("x")
    assert main(["build-dataset", str(raw_dir), "--out", str(tmp_path / "o"), "--overwrite"]) == 2
    assert "vnnews did not write" in capsys.readouterr().err and (tmp_path / "o" / "x").read_text() == "x"


def test_ingest_writes_articles_as_jsonl(tmp_path, raw_dir):
    out = tmp_path / "a.jsonl"
    assert main(["ingest", str(raw_dir), "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records][:1] == ["000_40151c7d04a83f24"]
    assert records[0]["lines"][0] == {"text": "Hội nghị Ngoại giao lần thứ 32:"}


def test_validate_annotations_exit_codes(tmp_path, raw_dir, annotations_dir, capsys):
    assert main(["validate-annotations", "--raw", str(raw_dir), "--annotations", str(annotations_dir)]) == 0
    assert main(["validate-annotations", "--raw", str(raw_dir), "--annotations", str(tmp_path)]) == 1
    assert "no annotation" in capsys.readouterr().out


def test_weak_label_prints_annotation_format(raw_dir, capsys):
    assert main(["weak-label", str(raw_dir / "002_25aafac0b17ae249.txt"), "--explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("title\tNâng cao tinh thần") and lines[1].endswith("[first short line]")


def test_weak_label_evaluate_writes_report(tmp_path, raw_dir, annotations_dir):
    report = tmp_path / "r.md"
    assert main(["weak-label", "--evaluate", "--raw", str(raw_dir), "--annotations", str(annotations_dir), "--report", str(report)]) == 0
    assert "In-sample" in report.read_text(encoding="utf-8") and "| **macro** |" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize("argv", [["build-dataset", "--out", "x"], ["nonsense"]])
def test_usage_errors_exit_2(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2 and ("no INPUT given" in capsys.readouterr().err if argv[0] == "build-dataset" else True)


def test_model_commands_name_what_is_missing(tmp_path, capsys):
    assert main(["train", "classifier", "--config", "configs/classifier/tiny.yaml", f"dataset_dir={tmp_path / 'nope'}", f"output_dir={tmp_path / 'run'}"]) == 2
    assert f"dataset {tmp_path / 'nope'} has no `pages` subset: build it with `vnnews build-dataset" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    assert main(["evaluate", "summarizer", "--dataset", str(tmp_path)]) == 2
    assert "give --model DIR and --dataset DIR" in capsys.readouterr().err
    assert main(["stats", str(tmp_path)]) == 2
    assert "is not a dataset built by `vnnews build-dataset` (no build.json)" in capsys.readouterr().err


def test_infer_writes_output_and_says_what_is_wrong(tmp_path, raw_dir, capsys):
    out = tmp_path / "articles.jsonl"
    assert main(["infer", str(raw_dir), "--classifier", "weak", "--output", str(out), "--no-progress", "chunk_size=2"]) == 0
    assert "5 done, 0 skipped (already done), 0 failed" in capsys.readouterr().err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert main(["infer", str(raw_dir), "--classifier", "weak", "--output", str(out)]) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5  # untouched by the refused run
    assert main(["infer", str(raw_dir), "--classifier", "weak", "--output", str(out), "--resume", "--no-progress"]) == 0
    assert "0 done, 5 skipped" in capsys.readouterr().err
    assert main(["infer", str(raw_dir), "--output", str(tmp_path / "x.jsonl")]) == 2
    assert "give --classifier" in capsys.readouterr().err
    assert main(["infer", str(raw_dir), "--classifier", "weak", "--output", str(tmp_path / "x.csv")]) == 2
    assert "must end in .jsonl or .parquet" in capsys.readouterr().err
    assert main(["infer", str(raw_dir), "--classifier", "weak", "--output", str(tmp_path / "y.jsonl"), "chunk_size=0"]) == 2
    assert "chunk_size must be >= 1" in capsys.readouterr().err
    # nothing but failures: exit 1, the cause in the errors file
    assert main(["infer", str(tmp_path / "missing.txt"), "--classifier", "weak", "--output", str(tmp_path / "z.jsonl"), "--no-progress"]) == 1
    assert "0 done, 0 skipped (already done), 1 failed" in capsys.readouterr().err
    assert "no such file" in (tmp_path / "z.jsonl.errors.jsonl").read_text(encoding="utf-8")


def test_evaluate_extraction_compares_the_model_with_trafilatura(trained_classifier, tmp_path, capsys):
    out, _ = trained_classifier
    real = Path(__file__).resolve().parents[1] / "data" / "real"
    pages, annotations = real / "pages" / "giadinh.net.vn", real / "annotations" / "giadinh.net.vn"
    args = ["evaluate", "extraction", "--model", str(out), "--pages", str(pages), "--annotations", str(annotations), "--out", str(tmp_path / "e")]
    assert main(args) == 0
    text = capsys.readouterr().out
    for system in ("| model | 2 |", "| rules (weak labeller) | 2 |", "| trafilatura | 2 |", "| jusText | 2 |", "| readability-lxml | 2 |"):
        assert system in text
    assert (tmp_path / "e" / "extraction.md").exists() and (tmp_path / "e" / "extraction.json").exists()
    assert main(["evaluate", "extraction", "--leave-one-site-out"]) == 2
    assert "give --config" in capsys.readouterr().err
    report = (tmp_path / "e" / "extraction.md").read_text(encoding="utf-8")
    assert main(["evaluate", "extraction", "--model", str(out), "--resume", "--out", str(tmp_path / "e")]) == 2
    assert "--resume goes with --leave-one-site-out" in capsys.readouterr().err
    assert (tmp_path / "e" / "extraction.md").read_text(encoding="utf-8") == report  # the earlier report stays
    assert main(["evaluate", "extraction", "--model", str(out), "--pages", str(tmp_path / "none"), "--annotations", str(annotations)]) == 2
    assert "no page of" in capsys.readouterr().err


def test_train_labeler_is_the_classifier_and_names_a_missing_dataset(tmp_path, capsys):
    assert main(["train", "labeler", "--config", "configs/classifier/tiny.yaml", f"dataset_dir={tmp_path / 'nope'}", f"output_dir={tmp_path / 'run'}"]) == 2
    assert f"dataset {tmp_path / 'nope'} has no `pages` subset" in capsys.readouterr().err and not (tmp_path / "run").exists()


def test_no_follow_symlinks_skips_every_link_and_says_so(tmp_path, raw_dir, capsys):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_bytes((raw_dir / "000_40151c7d04a83f24.txt").read_bytes())
    (pages / "b.txt").symlink_to(pages / "a.txt")
    out = tmp_path / "out.jsonl"
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(out), "--no-progress"]) == 0
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == ["a", "b"]
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(out), "--no-progress", "--overwrite", "--no-follow-symlinks"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a"]
    (error,) = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert error["source"] == str(pages / "b.txt") and "skipped (--no-follow-symlinks)" in error["cause"]
    assert "skip every symbolic link" in _help("infer") and "skip every symbolic link" in _help("build-dataset")


def _help(command: str) -> str:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices[command].format_help()


def test_version_is_the_one_the_docs_name_as_current():
    out = subprocess.run([sys.executable, "-m", "vnnews", "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "vnnews 0.2.0"  # the docs call the retired line-pair format "vnnews 0.1"


@pytest.mark.parametrize("args", [
    ["extract", "{long}"], ["build-dataset", "{long}", "-o", "{tmp}/ds"], ["train", "classifier", "--config", "{long}"], ["weak-label", "{long}"],
    ["ingest", "{long}", "-o", "{tmp}/a.jsonl"], ["infer", "{long}", "-o", "{tmp}/o.jsonl", "--classifier", "weak"],
])
def test_a_path_with_a_component_over_255_bytes_is_one_line(args, tmp_path, capsys):
    long = "ả" * 150  # 300 bytes in UTF-8: over every Linux file system's 255
    code = main([a.format(long=long, tmp=tmp_path) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "File name too long" in err[0] and "Traceback" not in err[0], err


def _stderr_of(args, tty, cwd):
    """Standard error of ``vnnews ARGS`` written to a pipe, or to a pseudo-terminal."""
    import os
    import pty
    import subprocess
    import sys

    if not tty:
        return subprocess.run([sys.executable, "-m", "vnnews", *args], capture_output=True, text=True, cwd=cwd, timeout=300).stderr
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide (a new pty has none)
    proc = subprocess.Popen([sys.executable, "-m", "vnnews", *args], stdout=subprocess.DEVNULL, stderr=follower, cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_bars_only_on_a_terminal_and_never_with_q(tmp_path, trained_classifier, raw_dir):
    from tests.conftest import ROOT

    base = ["infer", str(raw_dir), "--classifier", str(trained_classifier[0])]
    rules = ["infer", str(raw_dir), "--classifier", "weak"]  # the job's own bar and closing line: no model to load (9 s a run)
    logged = _stderr_of([*rules, "-o", str(tmp_path / "a.jsonl")], tty=False, cwd=ROOT)
    assert "\r" not in logged and "done" in logged  # a log file: no bars, the closing line
    live = _stderr_of([*rules, "-o", str(tmp_path / "b.jsonl")], tty=True, cwd=ROOT)
    assert "infer: 100%" in live  # a terminal: the bar
    quiet = _stderr_of([*base, "-o", str(tmp_path / "c.jsonl"), "-q"], tty=True, cwd=ROOT)  # a model: its loading bars too
    assert "infer:" not in quiet and "Loading weights" not in quiet


def test_the_docs_ship_with_the_package_and_print_by_name(capsys):
    assert main(["docs"]) == 0
    listed = capsys.readouterr().out
    assert "inference" in listed and "Batch inference and the main job" in listed and "labels" in listed
    assert main(["docs", "labels"]) == 0 and capsys.readouterr().out.startswith("# Line labels")
    assert main(["docs", "docs/serving.md"]) == 0 and "Serving" in capsys.readouterr().out
    assert main(["docs", "nope"]) == 2 and "the pages: benchmarks" in capsys.readouterr().err
