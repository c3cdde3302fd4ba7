"""Session 49 review 2: the default column of several samples ('batch') is written once, as
``InputFiles.sample_column``, which the reading of the samples and the counting of their fragments files both use
(before, the literal sat in ``InputFiles._read`` and in ``_fragments.read_with_fragments``)."""

from __future__ import annotations

from jae.io import InputFiles
from test_s49_samples_fragments import samples as _samples

samples = _samples  # the fixture: two samples (s1, s2) of Cell Ranger files and their fragments files


def test_the_samples_column_is_one_property(samples):
    _, files, _ = samples
    tenx = {n: f[0] for n, f in files.items()}
    assert InputFiles(tenx=tenx).sample_column == "batch"
    assert InputFiles(tenx=tenx, sample_key="donor").sample_column == "donor"
    assert InputFiles(tenx=tenx).with_sample_key(None).sample_key == "batch"
    assert InputFiles(tenx=tenx).with_sample_key("lane").sample_column == "lane"
    read = InputFiles(tenx=tenx, sample_key="donor").read()
    assert list(read.obs["donor"].cat.categories) == ["s1", "s2"] and "batch" not in read.obs.columns
