"""The ``kgraph_entities`` component: candidates -> evidence -> decision -> mentions.

It reads the other components' output through their configured keys (the abbreviation
definitions in ``doc._.kgraph_abbreviations``, the lexicon's spans, the generators' spans),
groups the candidates (:func:`kgraph.extract.candidates.group`), gathers their evidence and
lets the learned model decide (:mod:`kgraph.extract.decide`). The result is plain
:class:`~kgraph.model.Mention` objects in ``doc._.kgraph_mentions``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract.candidates import SPANS_KEY as CANDIDATES_KEY
from kgraph.extract.candidates import from_doc, group
from kgraph.extract.classifier import EntityModel, default_model
from kgraph.extract.decide import Analysis, analyse, decide
from kgraph.extract.doctext import doc_text, doc_words
from kgraph.extract.lexicon import SPANS_KEY as LEXICON_KEY
from kgraph.lexicon import load_lexicon
from kgraph.model import Mention

if not Doc.has_extension("kgraph_mentions"):
    Doc.set_extension("kgraph_mentions", default=None)


@Language.factory(
    "kgraph_entities",
    assigns=["doc._.kgraph_mentions"],
    default_config={
        "lexicon_key": LEXICON_KEY,
        "candidates_key": CANDIDATES_KEY,
        "lexicon": "",
        "model": "",
        "explain": False,
    },
)
def make_entity_decider(
    nlp: Language,
    name: str,
    lexicon_key: str,
    candidates_key: str,
    lexicon: str,
    model: str,
    explain: bool,
) -> EntityDecider:
    return EntityDecider(
        nlp,
        name,
        lexicon_key=lexicon_key,
        candidates_key=candidates_key,
        lexicon=lexicon,
        model=model,
        explain=explain,
    )


class EntityDecider:
    """Decides the mentions of a Doc from its candidates.

    ``lexicon`` is a folder of lexicon files ("" for the one shipped), ``model`` a trained
    model's JSON file ("" for the one shipped); ``explain`` keeps evidence and scores on the
    mentions.
    """

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        lexicon_key: str,
        candidates_key: str,
        lexicon: str,
        model: str,
        explain: bool,
    ) -> None:
        self.name = name
        self.lexicon_key = lexicon_key
        self.candidates_key = candidates_key
        self.lexicon = load_lexicon(lexicon)
        self.model = default_model(model)
        self.explain = explain

    def __call__(self, doc: Doc) -> Doc:
        analysis = self.analyse(doc, self.model)
        mentions = decide(doc_text(doc), analysis, self.model, self.explain)
        self.set_annotations(doc, mentions)
        return doc

    def analyse(self, doc: Doc, model: EntityModel | None = None) -> Analysis:
        """The candidate groups of ``doc`` with their evidence; without a ``model`` (training)
        every group, else those its prefilter lets through."""
        text = doc_text(doc)
        candidates = from_doc(doc, self.lexicon_key, self.candidates_key)
        groups = group(text, candidates)
        return analyse(text, doc_words(doc), candidates, groups, self.lexicon, model)

    def set_annotations(self, doc: Doc, mentions: list[Mention]) -> None:
        doc._.kgraph_mentions = mentions
