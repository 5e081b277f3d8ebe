"""The one exception type that means "the user's input or request is wrong"."""


class KgraphError(Exception):
    """A user-facing failure: the CLI prints its message on one line and exits with 2."""
