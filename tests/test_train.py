"""Training: a model retrained on a slice of the gold is written, loads and decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgraph import train
from kgraph.cli import main
from kgraph.evaluate import read_jsonl
from kgraph.extract import build_nlp
from kgraph.extract.classifier import CLASSES, load_model

pytest.importorskip("sklearn")


@pytest.fixture
def small_gold(tmp_path: Path) -> Path:
    """Twenty training papers, and a grid of one setting: seconds, not a minute."""
    gold = tmp_path / "slice.jsonl"
    lines = [json.dumps(r) for p in train.gold_paths("train") for r in read_jsonl(p)][:20]
    gold.write_text("\n".join(lines) + "\n")
    return gold


@pytest.fixture
def one_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train, "C_GRID", (0.3,))
    monkeypatch.setattr(train, "THRESHOLDS", (0.3,))


@pytest.mark.usefixtures("one_setting")
def test_a_retrained_model_loads_and_predicts(
    small_gold: Path, seeds_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "model.json"
    assert main(["-q", "train", "--gold", str(small_gold), "--out", str(out), str(seeds_dir)]) == 0
    data = json.loads(out.read_text())
    assert data["classes"] == list(CLASSES)
    assert data["meta"]["trained_on"] == ["slice.jsonl"]
    assert data["meta"]["papers"] == 20
    assert "lex=benchmark" in data["type"]["weights"], "a feature every slice has"
    model = load_model(out)
    doc = build_nlp(model=str(out))(
        "A Study\n\nWe evaluate GPT-4 on the SCAN and GSM8K benchmarks."
    )
    assert {m.name for m in doc._.kgraph_mentions} >= {"SCAN", "GSM8K"}
    assert model.threshold == 0.3


@pytest.mark.usefixtures("one_setting")
def test_training_is_deterministic(small_gold: Path, seeds_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        assert (
            main(["-q", "train", "--gold", str(small_gold), "--out", str(out), str(seeds_dir)]) == 0
        )
    assert first.read_bytes() == second.read_bytes()


def test_training_needs_the_texts_of_its_gold_papers(
    small_gold: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text('{"title": "Some Paper", "abstract": "Not in the gold."}\n')
    assert (
        main(["train", "--gold", str(small_gold), "--out", str(tmp_path / "m.json"), str(other)])
        == 2
    )
    assert "gold paper not in the inputs" in capsys.readouterr().err


def test_a_model_file_of_another_format_is_one_line(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "model.json"
    bad.write_text('{"format": 99}')
    assert main(["eval", "--model", str(bad), str(seeds_dir)]) == 2
    assert "retrain it" in capsys.readouterr().err
