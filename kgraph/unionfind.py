"""Connected groups of items given pair by pair: a disjoint-set forest.

The root of each group is its smallest item, so what a group is called does not depend on the
order the pairs came in. ``find`` halves paths as it walks them and never recurses, so a long
chain of unions costs no stack.

Examples
--------
>>> groups = UnionFind[str]()
>>> groups.union("b", "c")
>>> groups.union("c", "a")
>>> groups.find("b"), groups.find("z")
('a', 'z')
>>> sorted(sorted(group) for group in groups.groups())
[['a', 'b', 'c'], ['z']]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator
from typing import Any, Generic, Protocol, TypeVar


class _Comparable(Hashable, Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Comparable)


class UnionFind(Generic[T]):
    """Groups of items: :meth:`union` joins two groups, :meth:`find` names an item's group."""

    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def find(self, item: T) -> T:
        """The root of ``item``'s group (``item`` itself, the first time it is seen)."""
        parent = self._parent.setdefault(item, item)
        while parent != item:
            grandparent = self._parent[parent]
            self._parent[item] = grandparent
            item, parent = parent, grandparent
        return item

    def union(self, a: T, b: T) -> None:
        """Put ``a`` and ``b`` (and their groups) in one group, rooted at the smaller root."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            low, high = (root_a, root_b) if root_a < root_b else (root_b, root_a)
            self._parent[high] = low

    def groups(self) -> Iterator[set[T]]:
        """Every group, as the set of its items."""
        members: dict[T, set[T]] = defaultdict(set)
        for item in list(self._parent):
            members[self.find(item)].add(item)
        yield from members.values()
