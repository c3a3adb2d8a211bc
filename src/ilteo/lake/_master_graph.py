"""Graph helpers of the master tables: connected components and a key-aware union-find."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl


def components(nodes: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components by minimum-label propagation with pointer jumping (vectorised).

    Nodes are numbered in sorted order, so the work is on integer arrays whatever the names.

    Args:
        nodes: Node names (strings).
        edges: Columns ``a`` and ``b`` (undirected; nodes outside ``nodes`` are ignored).

    Returns:
        Columns ``node`` and ``component`` (the smallest node name of its component).

    >>> out = components(pl.Series(["a", "b", "c", "d"]), pl.DataFrame({"a": ["b"], "b": ["c"]}))
    >>> dict(out.sort("node").iter_rows())
    {'a': 'a', 'b': 'b', 'c': 'b', 'd': 'd'}
    """
    names = nodes.cast(pl.Utf8).unique().sort()
    index = pl.DataFrame({"node": names}).with_row_index("i")
    pairs = (
        edges.select(pl.col("a").cast(pl.Utf8), pl.col("b").cast(pl.Utf8))
        .join(index.rename({"node": "a", "i": "ia"}), on="a")
        .join(index.rename({"node": "b", "i": "ib"}), on="b")
    )
    left = pairs["ia"].to_numpy().astype(np.int64)
    right = pairs["ib"].to_numpy().astype(np.int64)
    labels = np.arange(len(names), dtype=np.int64)
    while True:
        before = labels.copy()
        np.minimum.at(labels, left, labels[right])
        np.minimum.at(labels, right, labels[left])
        jumped = labels[labels]
        while not np.array_equal(jumped, labels):  # pointer jumping: labels of labels
            labels = jumped
            jumped = labels[labels]
        if np.array_equal(labels, before):
            return pl.DataFrame({"node": names, "component": names.gather(labels)})


@dataclass
class KeyedUnionFind:
    """Union-find over entities that refuses to join two sets that both carry a key.

    A set remembers whether it holds a key (an RRN hash or BRN) and whether it holds an existing
    master; :meth:`union` can be told to refuse joining two sets that both hold masters.

    >>> uf = KeyedUnionFind()
    >>> uf.add("A", keyed=True, master=True); uf.add("B", keyed=True, master=True); uf.add("p")
    >>> uf.union("p", "A"), uf.union("p", "B"), uf.find("p") == uf.find("A")
    (True, False, True)
    """

    parent: dict[str, str] = field(default_factory=dict)
    keyed: dict[str, bool] = field(default_factory=dict)
    master: dict[str, bool] = field(default_factory=dict)

    def add(self, node: str, *, keyed: bool = False, master: bool = False) -> None:
        """Add a node as its own set (no-op when present)."""
        if node not in self.parent:
            self.parent[node] = node
            self.keyed[node] = keyed
            self.master[node] = master

    def find(self, node: str) -> str:
        """The root of a node's set."""
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str, *, allow_two_masters: bool = True) -> bool:
        """Join the sets of ``a`` and ``b`` unless both are keyed; ``True`` when joined."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.keyed[ra] and self.keyed[rb]:
            return False
        if not allow_two_masters and self.master[ra] and self.master[rb]:
            return False
        root, child = (ra, rb) if ra < rb else (rb, ra)
        self.parent[child] = root
        self.keyed[root] = self.keyed[ra] or self.keyed[rb]
        self.master[root] = self.master[ra] or self.master[rb]
        return True
