"""jae imports and computes where numba has no writable folder to cache its kernels (a read-only install, no
writable home): the kernels are compiled in each process, with one warning naming NUMBA_CACHE_DIR."""

import json
import os
import subprocess
import sys
import textwrap


SCRIPT = textwrap.dedent("""
    import json, logging
    import numba.core.caching as caching
    caching.CacheImpl._locator_classes = []  # as on a read-only install with no writable cache folder

    records = []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    logging.getLogger("jae").addHandler(Keep())

    import numpy as np
    import jae
    import jae.io._fragtext, jae.metrics._knn_approx, jae.metrics._louvain, jae.metrics.mixing
    import jae.model.voters, jae.preprocess.cell_cycle, jae.preprocess.normalize
    from jae.metrics._graph import knn_and_cluster_sums

    x = np.random.default_rng(0).normal(size=(300, 5)).astype(np.float32)
    idx, dist, _ = knn_and_cluster_sums(x, None, n_neighbors=7)
    brute = np.argsort(((x[:, None] - x[None]) ** 2).sum(-1), axis=1)[:, :7]
    print(json.dumps({"same": bool((np.sort(idx, 1) == np.sort(brute, 1)).all()), "records": records}))
""")


def test_import_and_kernels_work_without_a_cache_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["same"]
    told = [r for r in result["records"] if "NUMBA_CACHE_DIR" in r]
    assert len(told) == 1, result["records"]
    assert "compiles them anew" in told[0]
