"""Integration metrics of the NeurIPS 2021 joint-embedding task, faithful to scib 1.1.7 and fast."""

from __future__ import annotations

from ._graph import NeighborGraph, neighbor_graph
from .clustering import louvain, nmi

__all__ = ["NeighborGraph", "neighbor_graph", "louvain", "nmi"]
