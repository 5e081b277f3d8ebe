"""kgraph's RDF vocabulary and the one function that mints IRIs.

Standard vocabularies come first (schema.org, DCTERMS, SKOS, DCAT, PROV, Web Annotation,
the ML-Schema ``mls:``); the ``kg:`` namespace only holds what they lack. It is a
:class:`~rdflib.namespace.DefinedNamespace` with ``_fail = True``, so a typo raises instead of
minting a wrong IRI.
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kgraph.errors import KgraphError

VOCAB_IRI = "https://w3id.org/kgraph/vocab#"
DEFAULT_BASE = "https://w3id.org/kgraph/id/"

SCHEMA = Namespace("https://schema.org/")
MLS = Namespace("http://www.w3.org/ns/mls#")
OA = Namespace("http://www.w3.org/ns/oa#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")


class KG(DefinedNamespace):
    """The kgraph vocabulary: what the standard vocabularies do not name."""

    _fail = True
    _NS = Namespace(VOCAB_IRI)

    # Classes
    Task: URIRef  # A research problem or task.
    Metric: URIRef  # A named evaluation measure.
    Entity: URIRef  # Anything a paper introduces or uses.

    # Paper -> entity links, each a sub-property of schema:mentions
    introduces: URIRef  # The paper introduces, proposes or releases the entity.
    uses: URIRef  # The paper uses, evaluates on or compares with the entity.
    usesDataset: URIRef
    usesModel: URIRef
    usesMethod: URIRef
    usesTask: URIRef
    usesMetric: URIRef

    # Paper metadata
    authorCount: URIRef  # Number of authors the listing page shows.
    upvotes: URIRef  # Upvotes the listing page shows.
    organisation: URIRef  # Organisation line the listing page shows.
    paperId: URIRef  # kgraph's stable id of the paper.
    dateText: URIRef  # The date exactly as the listing page shows it.
    sourceLine: URIRef  # file:line where the paper was read.

    # Entity
    paperCount: URIRef  # How many papers mention the entity.


def mint(base: str, kind: str, key: str) -> URIRef:
    """The IRI of a resource: ``base`` + ``kind`` + ``/`` + the percent-encoded ``key``.

    Every IRI kgraph writes comes from here; no name goes into an IRI unescaped.

    Examples
    --------
    >>> mint(DEFAULT_BASE, "paper", "0123456789ab")
    rdflib.term.URIRef('https://w3id.org/kgraph/id/paper/0123456789ab')
    >>> str(mint("http://x.org/", "benchmark", "a b/<c>#?"))
    'http://x.org/benchmark/a%20b%2F%3Cc%3E%23%3F'
    """
    return URIRef(f"{base}{quote(kind, safe='')}/{quote(key, safe='')}")


def check_base(base: str) -> str:
    """A base IRI the user gave, checked: absolute http(s) or urn, ending in / or #.

    Examples
    --------
    >>> check_base("https://example.org/kg/")
    'https://example.org/kg/'
    """
    allowed = ("http://", "https://", "urn:")
    if not base.startswith(allowed) or any(ch in base for ch in ' <>"{}|\\^`'):
        raise KgraphError(f"--base {base!r}: expected an absolute http(s) or urn IRI")
    if not base.endswith(("/", "#", ":")):
        raise KgraphError(f"--base {base!r}: must end with '/', '#' or ':'")
    return base
