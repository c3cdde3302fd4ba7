"""The named latent layout: cell type | batch | phase | free, sized from the data and checked to add up."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LatentLayout"]

_BLOCKS = ("cell_type", "batch", "phase", "free")


@dataclass(frozen=True)
class LatentLayout:
    """Sizes of the latent blocks, in order.

    Parameters
    ----------
    n_cell_type
        One unit per cell type (0 in unsupervised mode).
    n_batch
        One unit per reference batch.
    n_phase
        Cell-cycle units (S and G2M scores).
    n_free
        Unconstrained units.
    """

    n_cell_type: int
    n_batch: int
    n_phase: int = 2
    n_free: int = 5

    def __post_init__(self) -> None:
        from .._flags import is_whole

        for name in ("n_cell_type", "n_batch", "n_phase", "n_free"):
            value = getattr(self, name)
            if not is_whole(value, 0):  # a bool is not a count; a numpy integer is (stored as int, for model.json)
                raise ValueError(f"LatentLayout.{name} must be a non-negative int, not {value!r}")
            object.__setattr__(self, name, int(value))
        if self.dim == 0:
            raise ValueError("LatentLayout has no units: every block is empty")
        if sum(b.stop - b.start for b in self.slices().values()) != self.dim:  # pragma: no cover - invariant
            raise AssertionError("latent blocks do not add up to the latent dimension")

    @property
    def dim(self) -> int:
        """Total latent dimension."""
        return self.n_cell_type + self.n_batch + self.n_phase + self.n_free

    def describe(self) -> str:
        """The blocks' sizes in words, for logs and reprs: ``'8 cell types + 1 batch + 2 phase + 30 free'``."""
        from .._words import count

        return f"{count(self.n_cell_type, 'cell type')} + {count(self.n_batch, 'batch')} + {self.n_phase} phase + " \
            f"{self.n_free} free"

    def slices(self) -> dict[str, slice]:
        """Block name -> slice into the latent vector, in layout order."""
        out, start = {}, 0
        for name in _BLOCKS:
            size = getattr(self, f"n_{name}")
            out[name] = slice(start, start + size)
            start += size
        return out

    def block(self, name: str) -> slice:
        """Slice of one block (``'cell_type'``, ``'batch'``, ``'phase'`` or ``'free'``)."""
        if name not in _BLOCKS:
            raise KeyError(f"unknown latent block {name!r}; blocks are {_BLOCKS}")
        return self.slices()[name]

    def column_names(self, cell_types=(), batches=()) -> list[str]:
        """Readable names of the latent columns, e.g. ``'cell_type:B cell'``, ``'phase:S'``, ``'free:0'``."""
        cell_types = list(cell_types) or [str(i) for i in range(self.n_cell_type)]
        batches = list(batches) or [str(i) for i in range(self.n_batch)]
        if len(cell_types) != self.n_cell_type or len(batches) != self.n_batch:
            raise ValueError(f"category names do not match the block sizes: {len(cell_types)} cell type names for "
                             f"{self.n_cell_type} cell-type units, {len(batches)} batch names for {self.n_batch} batch "
                             "units")
        phase = ["S", "G2M"][: self.n_phase] + [str(i) for i in range(2, self.n_phase)]
        return (
            [f"cell_type:{c}" for c in cell_types]
            + [f"batch:{b}" for b in batches]
            + [f"phase:{p}" for p in phase]
            + [f"free:{i}" for i in range(self.n_free)]
        )

    def to_dict(self) -> dict:
        return {f"n_{name}": getattr(self, f"n_{name}") for name in _BLOCKS}
