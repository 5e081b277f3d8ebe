"""kgraph: a knowledge graph of papers and the benchmarks, models and methods they use."""

__version__ = "0.1.0"

__all__ = ["__version__"]
