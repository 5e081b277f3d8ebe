"""kgraph's RDF vocabulary and the one function that mints IRIs.

Standard vocabularies come first (schema.org, DCTERMS, SKOS, DCAT, PROV, Web Annotation,
the ML-Schema ``mls:``); the ``kg:`` namespace only holds what they lack. It is a
:class:`~rdflib.namespace.DefinedNamespace` with ``_fail = True``, so a typo raises instead of
minting a wrong IRI. Every ``kg:`` term is described in :data:`TERMS`, and the export states
those descriptions in the file itself, so generic queries (over ``schema:mentions``) work in
any engine without this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

from kgraph import __version__
from kgraph.errors import KgraphError

VOCAB_IRI = "https://w3id.org/kgraph/vocab#"
DEFAULT_BASE = "https://w3id.org/kgraph/id/"

SCHEMA = Namespace("https://schema.org/")
MLS = Namespace("http://www.w3.org/ns/mls#")
OA = Namespace("http://www.w3.org/ns/oa#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")

__all__ = [
    "DCAT",
    "DCTERMS",
    "DEFAULT_BASE",
    "ENTITY_CLASSES",
    "KG",
    "MLS",
    "OA",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "TERMS",
    "USES_PROPERTY",
    "VOCAB_IRI",
    "XSD",
    "Term",
    "build_activity",
    "check_base",
    "mint",
    "minter",
]


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

    # Provenance
    linkProperty: URIRef  # The paper -> entity property an annotation is the evidence for.


@dataclass(frozen=True)
class Term:
    """What the file says about one ``kg:`` term: its types, label, comment and parents."""

    types: tuple[URIRef, ...]
    label: str
    comment: str
    parents: tuple[URIRef, ...] = ()


_CLASS = (RDFS.Class, OWL.Class)
_LINK = (RDF.Property, OWL.ObjectProperty)
_DATA = (RDF.Property, OWL.DatatypeProperty)

# Every kg: term, as the export declares it (rdfs:subClassOf / rdfs:subPropertyOf in parents).
TERMS: dict[URIRef, Term] = {
    KG.Task: Term(_CLASS, "task", "A research problem or task.", (MLS.Task,)),
    KG.Metric: Term(_CLASS, "metric", "A named evaluation measure.", (MLS.EvaluationMeasure,)),
    KG.Entity: Term(_CLASS, "entity", "Anything a paper introduces or uses."),
    KG.introduces: Term(
        _LINK,
        "introduces",
        "The paper introduces, proposes or releases the entity.",
        (SCHEMA.mentions,),
    ),
    KG.uses: Term(
        _LINK,
        "uses",
        "The paper uses, evaluates on or compares with the entity.",
        (SCHEMA.mentions,),
    ),
    KG.usesDataset: Term(_LINK, "uses dataset", "The paper uses the benchmark.", (KG.uses,)),
    KG.usesModel: Term(_LINK, "uses model", "The paper uses the model.", (KG.uses,)),
    KG.usesMethod: Term(_LINK, "uses method", "The paper uses the method.", (KG.uses,)),
    KG.usesTask: Term(_LINK, "addresses task", "The paper addresses the task.", (KG.uses,)),
    KG.usesMetric: Term(_LINK, "reports metric", "The paper reports the metric.", (KG.uses,)),
    KG.authorCount: Term(_DATA, "author count", "Number of authors the listing page shows."),
    KG.upvotes: Term(_DATA, "upvotes", "Upvotes the listing page shows."),
    KG.organisation: Term(_DATA, "organisation", "Organisation line the listing page shows."),
    KG.paperId: Term(
        _DATA, "paper id", "kgraph's stable id of the paper: 12 hex digits of its title's hash."
    ),
    KG.dateText: Term(
        _DATA,
        "date as shown",
        "The date exactly as the input shows it; dcterms:date holds it typed when it has a year.",
    ),
    KG.sourceLine: Term(_DATA, "source line", "file:line where the paper was read."),
    KG.paperCount: Term(_DATA, "paper count", "How many papers mention the entity."),
    KG.linkProperty: Term(
        _LINK,
        "link property",
        "The paper-to-entity property (kg:introduces or a kg:uses sub-property) this "
        "annotation is the evidence for: its body is the entity, its target the paper.",
    ),
}

# The classes of each entity type and the property a paper that uses it links with.
ENTITY_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "benchmark": (SCHEMA.Dataset, DCAT.Dataset),
    "model": (MLS.Model,),
    "method": (MLS.Algorithm, SKOS.Concept),
    "task": (KG.Task, MLS.Task),
    "metric": (KG.Metric, MLS.EvaluationMeasure),
}
USES_PROPERTY: dict[str, URIRef] = {
    "benchmark": KG.usesDataset,
    "model": KG.usesModel,
    "method": KG.usesMethod,
    "task": KG.usesTask,
    "metric": KG.usesMetric,
}

# The prefixes the exports write (kind prefixes for the base IRI are added per export).
PREFIXES: dict[str, str] = {
    "kg": VOCAB_IRI,
    "schema": str(SCHEMA),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "dcat": str(DCAT),
    "mls": str(MLS),
    "oa": str(OA),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def minter(base: str, kind: str) -> Callable[[str], str]:
    """The IRI minting rule for one kind of resource: key -> ``base`` + ``kind`` + ``/`` + the
    percent-encoded key, as text. :func:`mint` is this for one key; exports minting hundreds of
    thousands of IRIs call it directly, skipping the encoding of keys that need none.

    Examples
    --------
    >>> iri = minter("http://x.org/", "model")
    >>> iri("gpt-4"), iri("a b/<c>#?")
    ('http://x.org/model/gpt-4', 'http://x.org/model/a%20b%2F%3Cc%3E%23%3F')
    """
    prefix = f"{base}{quote(kind, safe='')}/"

    def iri(key: str) -> str:
        # quote(..., safe="") leaves exactly these characters as they are
        return prefix + (key if _UNRESERVED.fullmatch(key) else quote(key, safe=""))

    return iri


def mint(base: str, kind: str, key: str) -> URIRef:
    """The IRI of a resource: ``base`` + ``kind`` + ``/`` + the percent-encoded ``key``.

    Every IRI kgraph writes comes from here (or from :func:`minter`, the same rule);
    no name goes into an IRI unescaped.

    Examples
    --------
    >>> mint(DEFAULT_BASE, "paper", "0123456789ab")
    rdflib.term.URIRef('https://w3id.org/kgraph/id/paper/0123456789ab')
    >>> str(mint("http://x.org/", "benchmark", "a b/<c>#?"))
    'http://x.org/benchmark/a%20b%2F%3Cc%3E%23%3F'
    """
    return URIRef(minter(base, kind)(key))


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


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Activity:
    """The build that generated the annotations, and the software it ran: no timestamp, so
    the same input with the same software gives the same file."""

    iri: URIRef
    label: str
    agents: dict[URIRef, str]  # prov:SoftwareAgent IRI -> its label (name and version)


def build_activity(base: str) -> Activity:
    """The ``prov:Activity`` of a build by this kgraph with the installed spaCy.

    Examples
    --------
    >>> act = build_activity("http://x.org/")
    >>> str(act.iri).startswith("http://x.org/activity/build-kgraph-"), len(act.agents)
    (True, 2)
    """
    versions = {"kgraph": __version__, "spaCy": _version("spacy")}
    key = "-".join(f"{name.lower()}-{version}" for name, version in versions.items())
    agents = {
        mint(base, "agent", f"{name.lower()}-{version}"): f"{name} {version}"
        for name, version in versions.items()
    }
    label = "kgraph build (" + ", ".join(f"{n} {v}" for n, v in versions.items()) + ")"
    return Activity(mint(base, "activity", f"build-{key}"), label, agents)
