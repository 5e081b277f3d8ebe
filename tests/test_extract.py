"""The extraction components, each on small texts (positive and negative cases)."""

from __future__ import annotations

import pytest
import spacy

import kgraph.extract.lexicon  # noqa: F401  (registers the "kgraph_lexicon" factory)
from kgraph.extract import build_nlp, extract
from kgraph.extract.abbreviations import find_abbreviations
from kgraph.extract.patterns import is_name_like, name_spans, phrase_spans
from kgraph.lexicon import default_lexicon
from kgraph.model import EntityType, Extraction, Mention, Paper


def mentions(title: str, abstract: str) -> dict[str, Mention]:
    extraction = next(extract([Paper(title, abstract)]))
    return {m.name: m for m in extraction.mentions}


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


def test_lexicon_component_skips_parts_of_hyphenated_names() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("kgraph_lexicon")
    doc = nlp("We propose ZS-CAR and compare with PPO-based RLHF on SCAN; we scan the image.")
    found = [(span.text, span.label_) for span in doc.spans["kgraph_lexicon"]]
    assert ("CAR", "benchmark") not in found, "CAR inside ZS-CAR is not a match"
    assert ("PPO", "method") in found, "PPO-based still names PPO"
    assert ("SCAN", "benchmark") in found
    assert all(text != "scan" for text, _ in found)


# -- patterns --------------------------------------------------------------------------------


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


def test_noun_phrases_stop_at_verbs_pronouns_and_line_breaks() -> None:
    text = "Method\n\nPrompting works. We dub retrieval heads and reduce multi-step reasoning."
    found = [text[s:e] for s, e, _ in phrase_spans(text)]
    assert "retrieval heads" in found
    assert "multi-step reasoning" in found
    assert not any("\n" in phrase for phrase in found)
    assert not any(phrase.startswith(("dub ", "reduce ")) for phrase in found)


# -- the decider, through the whole pipeline -----------------------------------------------


def test_classes_of_models_are_not_entities() -> None:
    found = mentions(
        "A Study",
        "Large language models (LLMs) and vision-language models help. LLMs are large.",
    )
    assert not any(m.type is EntityType.MODEL for m in found.values())
    assert "LLMs" not in found
    assert "Large language models" not in found


def test_scan_the_verb_is_not_scan_the_benchmark() -> None:
    found = mentions("Scanning", "We scan the image and then scan the text again.")
    assert not any(name.casefold() == "scan" for name in found)


def test_generic_head_is_stripped_and_types_the_name() -> None:
    found = mentions("A Study", "We evaluate on the SCAN dataset and the COGS benchmark.")
    assert found["SCAN"].type is EntityType.BENCHMARK
    assert found["COGS"].type is EntityType.BENCHMARK


def test_appositive_and_intro_cue_type_and_flag_a_new_name() -> None:
    found = mentions(
        "Program Synthesis",
        "We propose ExeDec, a novel decomposition-based synthesis strategy. "
        "ExeDec outperforms baselines.",
    )
    assert (found["ExeDec"].type, found["ExeDec"].introduced) == (EntityType.METHOD, True)


def test_listed_names_take_the_class_they_are_listed_under() -> None:
    found = mentions(
        "Generalization",
        "We create generalization tasks for two popular datasets, RobustFill and DeepCoder.",
    )
    assert found["RobustFill"].type is EntityType.BENCHMARK
    assert found["DeepCoder"].type is EntityType.BENCHMARK
    assert not found["RobustFill"].introduced


def test_models_by_family_and_size() -> None:
    found = mentions("Eval", "We compare GPT-4, Llama-2 7B and Gopher 280B on MMLU and GSM8K.")
    for name in ("GPT-4", "Llama-2 7B", "Gopher 280B"):
        assert found[name].type is EntityType.MODEL, name
    for name in ("MMLU", "GSM8K"):
        assert found[name].type is EntityType.BENCHMARK, name


def test_long_form_and_abbreviation_are_one_entity() -> None:
    found = mentions(
        "Retrievers",
        "Retrieval-Augmented Generation (RAG) helps. RAG uses a retriever. RAGs differ.",
    )
    rag = found["Retrieval-Augmented Generation"]
    assert (rag.type, rag.aliases) == (EntityType.METHOD, ("RAG",))
    assert "RAG" not in found


def test_title_name_before_the_colon_is_introduced() -> None:
    found = mentions(
        "CommonGen: A Constrained Text Generation Challenge",
        "We present a constrained text generation task, CommonGen, with a benchmark dataset.",
    )
    assert found["CommonGen"].introduced
    assert found["CommonGen"].type is EntityType.BENCHMARK


def test_used_things_are_not_introduced() -> None:
    found = mentions(
        "Our Method",
        "We propose a method based on GPT-4 that uses chain-of-thought prompting.",
    )
    assert not found["GPT-4"].introduced
    assert not found["chain-of-thought prompting"].introduced


def test_names_inside_urls_are_left_out() -> None:
    found = mentions("Code", "Code is at https://github.com/owner/ExeDec-Net and it works.")
    assert not any("ExeDec" in name for name in found)


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
        "kgraph_patterns",
        "kgraph_entities",
    ]
    assert not nlp.meta.get("vectors", {}).get("width"), "no pretrained weights"


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


def test_a_name_ending_in_language_models_is_not_a_class() -> None:
    found = mentions(
        "Holistic Evaluation of Language Models",
        "We present Holistic Evaluation of Language Models (HELM) to improve transparency.",
    )
    helm = found["Holistic Evaluation of Language Models"]
    assert helm.aliases == ("HELM",)
    assert helm.introduced


def test_an_abbreviation_used_later_does_not_make_its_entity_introduced() -> None:
    found = mentions(
        "Modular RAG: Reconfigurable Frameworks",
        "Retrieval-augmented Generation (RAG) helps LLMs. This paper introduces the modular RAG framework.",
    )
    assert not found["Retrieval-augmented Generation"].introduced


def test_a_closed_list_does_not_type_the_next_name() -> None:
    found = mentions(
        "ReAct: Reasoning and Acting",
        "We apply our approach, named ReAct, to many tasks. On two benchmarks (ALFWorld and "
        "WebShop), ReAct outperforms imitation learning.",
    )
    assert found["ALFWorld"].type is EntityType.BENCHMARK
    assert found["ReAct"].type is EntityType.METHOD
    assert found["ReAct"].introduced


def test_ordinals_do_not_start_a_method_name() -> None:
    found = mentions("Atari", "We present the first deep learning model to learn control policies.")
    assert "first deep learning" not in found


def test_only_the_first_name_after_an_intro_verb_is_introduced() -> None:
    found = mentions(
        "QLoRA: Efficient Finetuning",
        "We present QLoRA, an efficient finetuning approach. We provide our approach to "
        "fine-tuning in detail.",
    )
    assert found["QLoRA"].introduced
    (tuning,) = [m for name, m in found.items() if name.replace("-", "").lower() == "finetuning"]
    assert not tuning.introduced


def test_list_members_with_parenthesised_scores_share_their_type() -> None:
    found = mentions(
        "Self-Consistency",
        "It improves results on benchmarks, including GSM8K (+17.9%), SVAMP (+11.0%), "
        "AQuA (+12.2%) and ARC-challenge (+3.9%).",
    )
    for name in ("GSM8K", "SVAMP", "AQuA", "ARC-challenge"):
        assert found[name].type is EntityType.BENCHMARK, name


def test_latex_no_break_space_stays_out_of_a_long_form() -> None:
    found = mentions("QLoRA", "Gradients flow into Low Rank Adapters~(LoRA) here.")
    assert found["Low Rank Adapters"].aliases == ("LoRA",)


def test_trie_alternations_match_like_plain_ones_on_the_seeds(seed_papers: list[Paper]) -> None:
    """The class-noun and intro-verb regexes are tries; they must find what the plain
    alternations (longest first) find, in every seed text, with and without case."""
    import re

    from kgraph.extract.entities import _cue_list, _heads
    from kgraph.words import alternation

    for words in (list(_heads()), list(_cue_list("introduce"))):
        plain = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        for flags in (0, re.I):
            trie_re = re.compile(rf"\b({alternation(words)})\b", flags)
            plain_re = re.compile(rf"\b({plain})\b", flags)
            hits = 0
            for paper in seed_papers:
                found = [m.span(1) for m in trie_re.finditer(paper.text)]
                assert found == [m.span(1) for m in plain_re.finditer(paper.text)]
                hits += len(found)
            assert hits > 100


def test_a_sentence_ends_after_a_closing_quote(seed_extractions: list[Extraction]) -> None:
    """SCAN's abstract: '... understand "dax twice" or "sing and dax." In this paper, we
    introduce the SCAN domain'. The evidence sentence starts after the quote (a bug: it
    used to run on from the sentence before)."""
    (scan,) = [
        m
        for x in seed_extractions
        for m in x.mentions
        if m.name == "SCAN" and m.introduced and "sing and dax" in x.paper.text
    ]
    assert scan.sentence.startswith("In this paper, we introduce the SCAN domain")
