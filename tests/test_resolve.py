"""Resolution: which mentions are one entity, and which are not, on small cases and the seeds."""

from __future__ import annotations

import re

import pytest

from kgraph.model import EntityType, Extraction, Mention, Paper
from kgraph.resolve import Resolution, resolve

B, M, X = EntityType.BENCHMARK, EntityType.MODEL, EntityType.METHOD


def papers(*mention_lists: list[Mention]) -> list[Extraction]:
    return [
        Extraction(Paper(f"Paper {i}", "text"), tuple(ms)) for i, ms in enumerate(mention_lists)
    ]


def labels(resolution: Resolution) -> dict[str, tuple[str, int]]:
    return {e.key: (e.label, len(e.papers)) for e in resolution.entities.values()}


def test_case_and_hyphen_variants_are_one_model() -> None:
    res = resolve(
        papers(
            [Mention("GPT-4", M)],
            [Mention("GPT4", M)],
            [Mention("gpt-4", M)],
            [Mention("GPT-4", M)],
        )
    )
    assert labels(res) == {"model:gpt4": ("GPT-4", 4)}
    assert res.entities["model:gpt4"].aliases == ("gpt-4", "GPT4")


def test_versions_and_sizes_are_not_merged() -> None:
    res = resolve(papers(
        [Mention("GPT-3.5", M), Mention("GPT-4", M)],
        [Mention("Llama 2 7B", M), Mention("Llama 2 13B", M), Mention("Llama 2", M)],
    ))  # fmt: skip
    assert set(res.entities) == {
        "model:gpt3-5",
        "model:gpt4",
        "model:llama2-7b",
        "model:llama2-13b",
        "model:llama2",
    }


def test_abbreviation_links_long_form_across_papers() -> None:
    res = resolve(papers(
        [Mention("Retrieval-Augmented Generation", X, aliases=("RAG",))],
        [Mention("RAG", X)],
        [Mention("retrieval augmented generation", X)],
    ))  # fmt: skip
    (entity,) = res.entities.values()
    assert entity.key == "method:retrievalaugmentedgeneration"
    assert len(entity.papers) == 3
    assert "RAG" in entity.aliases


def test_an_abbreviation_with_two_meanings_links_to_neither() -> None:
    res = resolve(papers(
        [Mention("reinforcement learning", X, aliases=("RL",))],
        [Mention("representation learning", X, aliases=("RL",))],
        [Mention("RL", X)],
    ))  # fmt: skip
    assert {e.label for e in res.entities.values()} == {
        "reinforcement learning",
        "representation learning",
        "RL",
    }


def test_a_dominant_meaning_wins() -> None:
    res = resolve(papers(
        [Mention("reinforcement learning", X, aliases=("RL",))],
        [Mention("reinforcement learning", X, aliases=("RL",))],
        [Mention("representation learning", X, aliases=("RL",))],
        [Mention("RL", X)],
    ))  # fmt: skip
    assert labels(res)["method:reinforcementlearning"] == ("reinforcement learning", 3)


def test_plural_merges_only_when_the_singular_is_seen() -> None:
    res = resolve(
        papers(
            [Mention("Transformers", X)], [Mention("Transformer", X)], [Mention("Transformer", X)]
        )
    )
    assert labels(res) == {"method:transformer": ("Transformer", 3)}
    alone = resolve(papers([Mention("diffusion models", X)]))
    assert list(alone.entities) == ["method:diffusionmodels"]


def test_type_is_chosen_by_vote_and_used_for_every_mention() -> None:
    res = resolve(papers([Mention("MATH", B)], [Mention("MATH", B)], [Mention("MATH", X)]))
    assert list(res.entities) == ["benchmark:math"]
    assert all(keys == ("benchmark:math",) for keys in res.keys.values())


def test_papers_with_code_link_on_exact_names_only() -> None:
    res = resolve(
        papers([Mention("SCAN", B)], [Mention("Singular Value Decomposition", X, aliases=("SVD",))])
    )
    assert res.entities["benchmark:scan"].url == "https://paperswithcode.com/dataset/scan"
    assert res.entities["method:singularvaluedecomposition"].url is None, (
        "not linked by a short alias"
    )


def test_keys_follow_each_papers_mentions(seed_extractions: list[Extraction]) -> None:
    res = resolve(seed_extractions)
    for extraction in seed_extractions:
        assert len(res.keys[extraction.paper.id]) == len(extraction.mentions)
        for key in res.keys[extraction.paper.id]:
            assert extraction.paper.id in res.entities[key].papers


@pytest.mark.parametrize(("key", "at_least"), [("benchmark:scan", 8), ("benchmark:humaneval", 5)])
def test_shared_seed_benchmarks_and_every_paper_mentions_them(
    seed_extractions: list[Extraction], key: str, at_least: int
) -> None:
    res = resolve(seed_extractions)
    entity = res.entities[key]
    assert len(entity.papers) >= at_least
    by_id = {e.paper.id: e.paper for e in seed_extractions}
    forms = [entity.label, *entity.aliases]
    for paper_id in entity.papers:
        text = by_id[paper_id].text
        assert any(re.search(rf"\b{re.escape(form)}\b", text) for form in forms), by_id[
            paper_id
        ].title


def test_resolution_does_not_depend_on_paper_order(seed_extractions: list[Extraction]) -> None:
    forward = resolve(seed_extractions)
    backward = resolve(list(reversed(seed_extractions)))
    assert forward.entities.keys() == backward.entities.keys()
    for key, entity in forward.entities.items():
        other = backward.entities[key]
        assert (entity.label, entity.type, entity.aliases, entity.url) == (
            other.label,
            other.type,
            other.aliases,
            other.url,
        )
        assert set(entity.papers) == set(other.papers)
