"""Memory held by jae.impute, add_imputed_layer and jae embed --impute-modality on simulated multiome data (a figure
printer, not a timed test; the figures are recorded in benchmarks/results/impute_memory.md).

For each size (cells x peaks): a model fitted on a few hundred of the cells, then

- the peak of numpy/python allocations (tracemalloc; torch's own CPU allocations are not counted) while
  ``jae.impute`` predicts the peaks of every cell from its RNA alone, and while ``add_imputed_layer`` writes that
  prediction as a layer of an ATAC modality holding every cell;
- the growth of the peak resident memory (``VmHWM``, reset by ``/proc/self/clear_refs``; torch included) of a fresh
  process over its resident memory after reading the model and data, for ``jae.impute`` and for ``jae.embed_files(..., impute_modality='atac')`` on an RNA-only
  ``.h5mu`` file (the prediction written as a new modality of the copy).

    OMP_NUM_THREADS=1 python benchmarks/impute_memory.py [CELLSxPEAKS ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

_CHILD = """
import sys
import mudata as md
import jae
from jae.io import InputFiles
folder, what = sys.argv[1], sys.argv[2]
model = jae.JAE.load(folder + '/model', device='cpu')
data = md.read_h5mu(folder + '/rna.h5mu') if what == 'impute' else None
def rss(field):
    with open('/proc/self/status') as fh:
        return next(int(l.split()[1]) * 1024 for l in fh if l.startswith(field))
with open('/proc/self/clear_refs', 'w') as fh:  # the peak (VmHWM) restarts from the resident memory now
    fh.write('5')
before = rss('VmRSS:')
if what == 'impute':
    out = jae.impute(model, data)
else:
    jae.embed_files(InputFiles(h5mu=folder + '/rna.h5mu'), model, folder + '/out.h5mu', finetune_epochs=0,
                    impute_modality='atac', progress_bar=False, overwrite=True)
print(rss('VmHWM:') - before)
"""


def _peak(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rss(folder: Path, what: str) -> int:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder), what], capture_output=True, text=True,
                          check=True)
    return int(done.stdout.strip().splitlines()[-1])


def main(sizes=((1000, 4000), (2000, 4000), (4000, 4000), (4000, 8000))):
    import mudata as md

    import jae
    from jae import JAE, JAEConfig
    from jae.datasets import simulate
    from jae.imputation import add_imputed_layer
    from jae.io import make_mudata

    print("cells  peaks  prediction_MB  impute_traced_MB  layer_traced_MB  impute_rss_MB  embed_impute_rss_MB")
    for n_cells, n_peaks in sizes:
        q = simulate(n_cells, kind="multiome", n_genes=300, n_peaks=n_peaks, n_cell_types=3, n_batches=2, seed=1)
        model = JAE(JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(
            q[::max(1, n_cells // 300)].copy(), progress_bar=False)
        rna = md.MuData({"rna": q["rna"].copy()})
        imputed, held = _peak(lambda: jae.impute(model, rna))
        mdata = make_mudata({"rna": q["rna"].copy(), "atac": q["atac"].copy()})
        _, layer_held = _peak(lambda: add_imputed_layer(mdata, imputed, "atac"))
        with tempfile.TemporaryDirectory() as tmp:
            model.save(Path(tmp) / "model")
            rna.write(Path(tmp) / "rna.h5mu")
            rss, embed_rss = _rss(Path(tmp), "impute"), _rss(Path(tmp), "embed")
        print(f"{n_cells:5d}  {imputed.n_vars:5d}  {imputed.X.nbytes / 1e6:13.1f}  {held / 1e6:16.1f}  "
              f"{layer_held / 1e6:15.1f}  {rss / 1e6:13.1f}  {embed_rss / 1e6:19.1f}", flush=True)


def _size(text: str) -> tuple[int, int]:
    """``CELLSxPEAKS`` (e.g. ``2000x4000``) as two counts (``jae.simulate`` needs at least 2 cells)."""
    cells, sep, peaks = text.partition("x")
    if not (sep and cells.isdigit() and peaks.isdigit() and int(cells) >= 2 and int(peaks) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not CELLSxPEAKS with at least 2 cells and 1 peak, "
                                         "e.g. 2000x4000")
    return int(cells), int(peaks)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("sizes", nargs="*", type=_size, metavar="CELLSxPEAKS",
                   help="sizes to measure (default: the four of benchmarks/results/impute_memory.md)")
    sizes = p.parse_args().sizes
    main(*((sizes,) if sizes else ()))
