"""Session 37: '--max-epochs 1e3' was refused ("invalid int value") while '--set max_epochs=1e3' set 1000 epochs; every
whole-number flag of the CLI now reads a whole number as JAEConfig's FIELD=VALUE overrides do (digits, or with an
exponent), and still refuses a fraction or a word in one line naming the flag."""

from __future__ import annotations

import pytest

from jae import JAEConfig
from jae.cli import build_parser

REQUIRED = {"fit": ["--h5mu", "x.h5mu", "--out", "m"], "map": ["--h5mu", "x.h5mu", "--model", "m", "--out", "n"],
            "embed": ["--h5mu", "x.h5mu", "--model", "m", "--out", "e.h5ad"], "demo": [],
            "predict": ["--test-mod1", "t.h5ad", "--out", "p.h5ad"], "simulate": ["out.h5mu"],
            "evaluate": ["--h5mu", "x.h5mu", "--out", "r"]}
FLAGS = [("fit", "--max-epochs", "max_epochs"), ("fit", "--seed", "seed"), ("demo", "--n-cells", "n_cells"),
         ("demo", "--max-epochs", "max_epochs"), ("map", "--epochs", "epochs"), ("embed", "--finetune-epochs",
                                                                                 "finetune_epochs"),
         ("predict", "--seed", "seed"), ("simulate", "--n-cells", "n_cells"), ("simulate", "--chunk-size", "chunk_size"),
         ("evaluate", "--seed", "seed"), ("evaluate", "--umap-max-cells", "umap_max_cells")]


def _parse(verb, *flags):
    extra = [] if verb != "simulate" or "--n-cells" in flags else ["--n-cells", "10"]
    return build_parser().parse_args([verb, *REQUIRED[verb], *extra, *flags])


@pytest.mark.parametrize("verb, flag, dest", FLAGS)
def test_a_whole_number_with_an_exponent_is_read_as_set_reads_it(verb, flag, dest):
    assert getattr(_parse(verb, flag, "1e3"), dest) == 1000
    assert getattr(_parse(verb, flag, "250"), dest) == 250  # digits as before


def test_max_epochs_flag_and_set_agree():
    args = _parse("fit", "--max-epochs", "1e3")
    assert JAEConfig().with_overrides([f"max_epochs={args.max_epochs}"]) == JAEConfig().with_overrides(["max_epochs=1e3"])


@pytest.mark.parametrize("value", ["1.5", "ten", "1e-3"])
def test_a_fraction_or_a_word_is_still_refused_naming_the_flag(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        _parse("fit", "--max-epochs", value)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --max-epochs: expected a whole number (e.g. 500 or 1e3), not '{value}'" in err
