"""The command line shows jae's info lines and other libraries' warnings, not their info lines: anndata said
"... storing 'feature_types' as categorical" at each write of a text column (`jae embed --impute-out` on a 10x
sample), a line the user cannot act on. With -v every library's info lines come back."""

import subprocess
import sys

import pytest

_CODE = """
import logging
import anndata, numpy, pandas
from jae.cli import main
assert main([*{flags!r}, 'simulate', {out!r}, '--n-cells', '50', '--preset', 'none']) == 0
logging.getLogger('jae.io').info('jae-info-marker')
logging.getLogger('anndata').warning('anndata-warning-marker')
var = pandas.DataFrame({{'feature_types': ['Peaks'] * 4}}, index=list('abcd'))  # text, as read from a 10x .h5
a = anndata.AnnData(numpy.zeros((3, 4), numpy.float32), var=var)
a.write_h5ad({h5ad!r})
"""


@pytest.mark.parametrize("flags", [[], ["-v"], ["-q"]])
def test_other_libraries_info_lines_need_verbose(tmp_path, flags):
    code = _CODE.format(flags=flags, out=str(tmp_path / "sim"), h5ad=str(tmp_path / "x.h5ad"))
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    assert "anndata-warning-marker" in err  # warnings of every library are shown whatever the flags
    assert ("jae-info-marker" in err) is (flags != ["-q"])
    assert ("storing 'feature_types' as categorical" in err) is (flags == ["-v"])
