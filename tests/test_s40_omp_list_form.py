"""OMP_NUM_THREADS in OpenMP's list form ('4,1': four threads, one in nested regions) was read as unset, so jae's own
kernels (the streaming SVD's products, the vote's neighbour search) ran on every core while torch and BLAS used four."""

from jae._threads import compute_threads, usable_cpus


def test_the_list_forms_first_level_counts(monkeypatch):
    cores = usable_cpus()  # the CPUs, at most a Slurm job's or CPU quota's where the tests run in one
    monkeypatch.setenv("OMP_NUM_THREADS", "1,1")
    assert compute_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", f"{cores},1")
    assert compute_threads() == cores
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert compute_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")  # not a number: as unset
    assert compute_threads() == cores
