"""The one sorted best-``m`` list of jae's compiled neighbour searches: the exact search of the voters
(:func:`jae.model.voters.nearest`), the metrics' exact lists (:mod:`jae.metrics._knn_cpu`), and the approximate
search's shortlists, lists and join samples (:mod:`jae.metrics._knn_ivf`, :mod:`jae.metrics._knn_approx`).

A list is two arrays of length ``m``, ``vals`` (distances, scores or priorities) and ``ids`` (cell or voter
indices), ascending by ``(value, index)``: equal values are ordered by index. A search that offers candidates in
ascending index order gets the same list as one keeping equal values in their order of insertion. The kernels are
inlined into the searches' loops (numba ``inline="always"``). numba's disk cache of a search is keyed on the
search's own file, not this one: after changing this module, touch those files (or clear their ``__pycache__``
kernels) so that they are compiled again with it.
"""

from __future__ import annotations

from ._compiled import compiled

__all__ = ["insert", "beats_last"]


@compiled(nogil=True, inline="always")
def insert(vals, ids, m, v, j):
    """Insert ``(v, j)`` into the ascending ``(value, index)`` list ``vals[:m], ids[:m]``, the last entry dropping
    out; returns the position it took (the entries from there to ``m - 1`` moved one place down)."""
    p = m - 1
    while p > 0 and (vals[p - 1] > v or (vals[p - 1] == v and ids[p - 1] > j)):
        vals[p] = vals[p - 1]
        ids[p] = ids[p - 1]
        p -= 1
    vals[p] = v
    ids[p] = j
    return p


@compiled(nogil=True, inline="always")
def beats_last(vals, ids, m, v, j):
    """Whether ``(v, j)`` comes before the last entry of the list ``vals[:m], ids[:m]`` (so :func:`insert` keeps
    it)."""
    return v < vals[m - 1] or (v == vals[m - 1] and j < ids[m - 1])
