"""`vnnews annotate`: drafts of a newsroom's own pages that validate, resume, and never
replace reviewed work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vnnews.cli import main
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.labels import weak_label
from vnnews.labels.annotations import check_against, load_gold, validate_annotations
from vnnews.labels.drafts import DRAFT_MARK, draft_annotations, is_unreviewed_draft


def _pages(raw_dir: Path, tmp_path: Path, n: int = 5) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    for path in sorted(raw_dir.glob("*.txt"))[:n]:
        shutil.copy(path, pages / path.name)
    return pages


def test_rule_drafts_validate_and_hold_the_rules_labels(raw_dir, tmp_path, capsys):
    pages = _pages(raw_dir, tmp_path)
    drafts = tmp_path / "my" / "drafts"  # parents made
    assert main(["annotate", str(pages), "-o", str(drafts)]) == 0
    assert "5 draft(s) written" in capsys.readouterr().err
    assert validate_annotations(pages, drafts) == []
    gold = load_gold(drafts)
    articles = list(iter_articles([pages], IngestOptions()))
    assert sorted(gold) == sorted(a.id for a in articles)
    for article in articles:
        check_against(gold[article.id], article)
        assert gold[article.id].labels == weak_label(article)
        assert is_unreviewed_draft(gold[article.id].path)
    assert main(["validate-annotations", "--raw", str(pages), "--annotations", str(drafts)]) == 0
    assert "5 still carry the DRAFT line" in capsys.readouterr().err


def test_a_second_run_keeps_every_file_and_overwrite_spares_reviewed_ones(raw_dir, tmp_path, capsys):
    pages = _pages(raw_dir, tmp_path, n=3)
    drafts = tmp_path / "drafts"
    first = draft_annotations([pages], drafts)
    assert len(first.written) == 3
    reviewed, untouched, _ = sorted(first.written)
    edited = reviewed.read_text(encoding="utf-8").replace(DRAFT_MARK + "\n", "").replace("\nbody\t", "\nlead\t", 1)
    reviewed.write_text(edited, encoding="utf-8")
    untouched.write_text(untouched.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")

    again = draft_annotations([pages], drafts)
    assert again.written == [] and len(again.kept) == 3
    assert "# a note" in untouched.read_text(encoding="utf-8")

    assert main(["annotate", str(pages), "-o", str(drafts), "--overwrite"]) == 0
    assert "2 draft(s) written" in capsys.readouterr().err
    assert reviewed.read_text(encoding="utf-8") == edited  # reviewed work is never replaced
    assert "# a note" not in untouched.read_text(encoding="utf-8")  # an unreviewed draft is redrafted
    assert not list(drafts.rglob("*.partial"))


def test_model_drafts_flag_unsure_lines_and_still_validate(trained_classifier, raw_dir, tmp_path):
    from vnnews.models import load_classifier

    model_dir, _ = trained_classifier
    pages = _pages(raw_dir, tmp_path, n=2)
    summary = draft_annotations([pages], tmp_path / "d", model=str(model_dir))
    assert len(summary.written) == 2
    text = "".join(p.read_text(encoding="utf-8") for p in summary.written)
    assert summary.unsure_lines == text.count("# check: ")
    assert validate_annotations(pages, tmp_path / "d") == []
    labeller = load_classifier(str(model_dir))
    gold = load_gold(tmp_path / "d")
    for article in iter_articles([pages], IngestOptions()):
        assert gold[article.id].labels == [p.label for p in labeller.predict(article)]


@pytest.mark.parametrize("case", ["file", "nothing"])
def test_refusals_are_one_line(raw_dir, tmp_path, capsys, case):
    pages = _pages(raw_dir, tmp_path, n=1)
    if case == "file":
        target = tmp_path / "out.tsv"
        target.write_text("mine\n", encoding="utf-8")
        assert main(["annotate", str(pages), "-o", str(target)]) == 2
        assert target.read_text(encoding="utf-8") == "mine\n"
        assert "is a file" in capsys.readouterr().err
    else:
        assert main(["annotate", str(tmp_path / "missing"), "-o", str(tmp_path / "d")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("vnnews: error:") and "no such file" in err[-1]
