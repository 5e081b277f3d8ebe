"""Extraction: the candidate generators and components on small texts, and the whole
pipeline's decisions on a table of cases (``tests/data/extraction_cases.jsonl``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.language import Language

import kgraph.extract.lexicon  # noqa: F401  (registers the "kgraph_lexicon" factory)
from kgraph.extract import build_nlp, extract
from kgraph.extract.abbreviations import find_abbreviations
from kgraph.extract.candidates import display_name
from kgraph.extract.phrases import chunks, phrase_spans
from kgraph.extract.shapes import is_name_like, name_spans
from kgraph.lexicon import default_lexicon, load_lexicon
from kgraph.model import EntityType, Extraction, Mention, Paper
from kgraph.text import words

DATA = Path(__file__).parent / "data"
STUB_LEXICON = DATA / "lexicon"
CASES = [json.loads(line) for line in (DATA / "extraction_cases.jsonl").read_text().splitlines()]


@cache
def stub_pipeline() -> Language:
    """The pipeline with a lexicon of a dozen names (tests/data/lexicon), as the cases use."""
    return build_nlp(lexicon=str(STUB_LEXICON))


def mentions(title: str, abstract: str) -> dict[str, Mention]:
    doc = stub_pipeline()(f"{title}\n\n{abstract}")
    return {m.name: m for m in doc._.kgraph_mentions}


# -- abbreviations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We build on Retrieval-Augmented Generation (RAG) here.", ("RAG", "Retrieval-Augmented Generation")),
        ("a novel Zero-Shot Compositional Action Recognition (ZS-CAR) task", ("ZS-CAR", "Zero-Shot Compositional Action Recognition")),
        ("a novel Component-to-Composition (C2C) learning method", ("C2C", "Component-to-Composition")),
        ("the Abstraction and Reasoning Corpus for Artificial General Intelligence (ARC-AGI)", ("ARC-AGI", "Abstraction and Reasoning Corpus for Artificial General Intelligence")),
        ("with CoT (chain-of-thought prompting) we", ("CoT", "chain-of-thought prompting")),
        ("We propose Low-Rank Adaptation, or LoRA, which", ("LoRA", "Low-Rank Adaptation")),
    ],
)  # fmt: skip
def test_abbreviation_definitions(text: str, expected: tuple[str, str]) -> None:
    found = [(a.short, a.long) for a in find_abbreviations(text)]
    assert found == [expected]
    definition = find_abbreviations(text)[0]
    assert text[definition.short_start : definition.short_end] == definition.short
    assert text[definition.long_start : definition.long_end] == definition.long


@pytest.mark.parametrize(
    "text",
    [
        "such as SCAN (Lake and Baroni, 2018) and COGS",
        "some tasks (e.g. parsing) are hard",
        "a result (see Table 2) that",
        "the best model (ours) wins",
    ],
)
def test_parentheses_that_define_nothing(text: str) -> None:
    assert find_abbreviations(text) == []


def test_abbreviation_component_runs_on_a_blank_pipeline() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("kgraph_abbreviations")
    doc = nlp("Large Language Models (LLMs) and in-context learning (ICL).")
    assert [(a.short, a.long) for a in doc._.kgraph_abbreviations] == [
        ("LLMs", "Large Language Models"),
        ("ICL", "in-context learning"),
    ]


# -- lexicon ---------------------------------------------------------------------------------


def test_lexicon_case_rules() -> None:
    lexicon = default_lexicon()
    assert next(t.type for t in lexicon.lookup("SCAN")) is EntityType.BENCHMARK
    assert lexicon.lookup("scan") == [], '"scan" the verb is not SCAN the dataset'
    assert lexicon.lookup("Text") == [], "an everyday word is never a lexicon name"
    assert next(t.type for t in lexicon.lookup("knowledge distillation")) is EntityType.METHOD
    assert lexicon.lookup("Knowledge Distillation"), "lower-case terms match in any case"
    squad = lexicon.lookup("SQuAD")
    assert any(t.url == "https://paperswithcode.com/dataset/squad" for t in squad)


def test_a_stub_lexicon_holds_only_its_files_and_the_curated_lists() -> None:
    stub = load_lexicon(str(STUB_LEXICON))
    assert stub.lookup("COGS")
    assert not stub.lookup("CommonsenseQA")
    assert stub.lookup("GPT"), "the curated model families are always there"


def test_lexicon_component_skips_parts_of_hyphenated_names() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("kgraph_lexicon")
    doc = nlp("We propose ZS-CAR and compare with PPO-based RLHF on SCAN; we scan the image.")
    found = [(span.text, span.label_) for span in doc.spans["kgraph_lexicon"]]
    assert ("CAR", "benchmark") not in found, "CAR inside ZS-CAR is not a match"
    assert ("PPO", "method") in found, "PPO-based still names PPO"
    assert ("SCAN", "benchmark") in found
    assert all(text != "scan" for text, _ in found)


# -- generators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["ExeDec", "GSM8K", "GPT-4o", "Llama-3.1-70B", "mBLIP", "kGym", "3D-LLM", "T5"]
)
def test_name_shapes(token: str) -> None:
    assert is_name_like(token)


@pytest.mark.parametrize(
    "token", ["LLMs", "Zero-Shot", "Top-1", "2D", "AI-driven", "However", "II", "k-means"]
)
def test_not_name_shapes(token: str) -> None:
    assert not is_name_like(token)


def test_model_names_keep_their_versions_and_sizes() -> None:
    text = "Claude 3.5 Sonnet, Llama 2 7B, Mistral 7B and Uni-Perceiver v2 beat Qwen/Qwen2-7B-Instruct."
    assert [text[s:e] for s, e in name_spans(text)] == [
        "Claude 3.5 Sonnet",
        "Llama 2 7B",
        "Mistral 7B",
        "Uni-Perceiver v2",
        "Qwen/Qwen2-7B-Instruct",
    ]


def test_chunks_stop_at_verbs_pronouns_function_words_and_line_breaks() -> None:
    text = "Method\n\nPrompting works. We dub retrieval heads and reduce multi-step reasoning."
    found = [" ".join(w for _, _, w in run) for run in chunks(text, words(text), 6)]
    assert found == ["Method", "Prompting works", "retrieval heads", "multi-step reasoning"]


def test_a_noun_that_is_a_verb_breaks_only_after_a_subject() -> None:
    text = "We use tool use and molecular design to design drugs."
    found = [" ".join(w for _, _, w in run) for run in chunks(text, words(text), 0)]
    assert found == ["tool use", "molecular design", "drugs"]


def test_phrases_end_at_words_that_head_lexicon_names() -> None:
    text = "Its in-context learning abilities grow."
    found = {text[s:e] for s, e in phrase_spans(text, words(text), 0, default_lexicon())}
    assert "in-context learning" in found, "'learning' heads hundreds of lexicon names"
    assert "in-context" not in found, "'in-context' heads no name"
    assert "in-context learning abilities" not in found, "'abilities' heads none, said once"


def test_a_phrase_no_lexicon_head_ends_is_proposed_where_the_text_singles_it_out() -> None:
    text = "Title\n\nWe add a planner. It calls the planner and the Task Router."
    found = {text[s:e] for s, e in phrase_spans(text, words(text), 5, default_lexicon())}
    assert "planner" in found, "said twice"
    assert "Task Router" in found, "capitalised inside a sentence"
    assert "calls" not in found


@pytest.mark.parametrize(
    ("span", "name"),
    [
        ("the SCAN dataset", "SCAN"),
        ("ExeDec framework", "ExeDec"),
        ("focal loss", "focal loss"),
        ("attention mechanism", "attention mechanism"),
        ("GPT-4 model", "GPT-4"),
    ],
)
def test_a_class_noun_is_stripped_only_after_a_name(span: str, name: str) -> None:
    assert display_name(span) == name


# -- the decisions, through the whole pipeline -----------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_extraction_cases(case: dict[str, Any]) -> None:
    """Each case: the entity extracted (name, and type/introduced/aliases when given), and
    the spans that must not be entities."""
    found = mentions(case["title"], case["abstract"])
    assert case["name"] in found, f"{case['name']!r} not among {sorted(found)}"
    mention = found[case["name"]]
    if "type" in case:
        assert mention.type.value == case["type"]
    if "introduced" in case:
        assert mention.introduced is case["introduced"]
    if "aliases" in case:
        assert list(mention.aliases) == case["aliases"]
    for absent in case.get("absent", []):
        assert absent not in found, f"{absent!r} is not an entity"


def test_provenance_points_at_the_text() -> None:
    paper = Paper("A Study", "First sentence. We evaluate on the SCAN dataset here.")
    (mention,) = [m for m in next(extract([paper])).mentions if m.name == "SCAN"]
    assert paper.text[mention.start : mention.end] == "SCAN"
    assert mention.sentence == "We evaluate on the SCAN dataset here."


def test_pipeline_is_blank_english_plus_kgraph_components() -> None:
    nlp = build_nlp()
    assert nlp.lang == "en"
    assert nlp.pipe_names == [
        "kgraph_abbreviations",
        "kgraph_lexicon",
        "kgraph_candidates",
        "kgraph_entities",
    ]
    assert not nlp.meta.get("vectors", {}).get("width"), "no pretrained weights"


def test_components_read_each_other_through_their_configured_keys() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("kgraph_abbreviations")
    nlp.add_pipe("kgraph_lexicon", config={"spans_key": "lex", "lexicon": str(STUB_LEXICON)})
    nlp.add_pipe("kgraph_candidates", config={"spans_key": "cands"})
    nlp.add_pipe(
        "kgraph_entities",
        config={"lexicon_key": "lex", "candidates_key": "cands", "lexicon": str(STUB_LEXICON)},
    )
    doc = nlp("A Study\n\nWe evaluate GPT-4 on the SCAN dataset.")
    assert {s.text for s in doc.spans["lex"]} >= {"SCAN"}
    assert "kgraph_lexicon" not in doc.spans, "the configured key, not the default"
    assert {m.name for m in doc._.kgraph_mentions} >= {"GPT-4", "SCAN"}


def test_explain_keeps_evidence_and_score_on_the_mentions() -> None:
    nlp = build_nlp(explain=True)
    doc = nlp("A Study\n\nWe evaluate on the SCAN dataset.")
    (scan,) = [m for m in doc._.kgraph_mentions if m.name == "SCAN"]
    assert 0.5 < scan.score <= 1.0
    keys = {e.key for e in scan.evidence}
    assert {"lex=benchmark", "next=dataset"} <= keys
    assert all(e.rule for e in scan.evidence), "every piece of evidence says which rule"
    plain = [m for m in build_nlp()(doc.text)._.kgraph_mentions if m.name == "SCAN"]
    assert plain == [scan], "explaining changes no decision"
    assert plain[0].evidence == ()
    assert plain[0].score == 0.0


def test_a_name_ending_a_sentence_after_a_digit_is_still_found() -> None:
    doc = build_nlp()("We evaluate on GSM8K. Then on SVHN.")
    start = doc.text.index("GSM8K")
    assert doc.char_span(start, start + 5) is not None, "the full stop is not glued to GSM8K"
    assert "GSM8K" in [m.name for m in doc._.kgraph_mentions]


def test_two_processes_give_the_same_extractions_in_order(seed_papers: list[Paper]) -> None:
    from kgraph.extract import Settings

    papers = seed_papers[:300]
    single = list(extract(papers, Settings(n_process=1)))
    parallel = list(extract(papers, Settings(n_process=2)))
    assert [e.paper.id for e in parallel] == [p.id for p in papers]
    assert parallel == single


def test_latex_no_break_space_stays_out_of_a_long_form() -> None:
    found = mentions("QLoRA", "Gradients flow into Low Rank Adapters~(LoRA) here.")
    assert found["Low Rank Adapters"].aliases == ("LoRA",)


def test_a_sentence_ends_after_a_closing_quote(seed_extractions: list[Extraction]) -> None:
    """SCAN's abstract: '... understand "dax twice" or "sing and dax." In this paper, we
    introduce the SCAN domain'. The evidence sentence starts after the quote (a bug: it
    used to run on from the sentence before)."""
    (scan,) = [
        m
        for x in seed_extractions
        for m in x.mentions
        if m.name == "SCAN" and "sing and dax" in x.paper.text
    ]
    assert scan.sentence.startswith("In this paper, we introduce the SCAN domain")
