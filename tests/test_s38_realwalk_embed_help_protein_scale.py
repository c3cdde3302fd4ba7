"""jae embed --help said the imputed proteins are 'centred log-ratio, with labels after scaling each cell to the
reference's median count' (s38 help read-through): 'with labels' read as a garble. What it meant, and what the
models do: a model fitted with cell-type labels normalises proteins by their CLR after scaling each cell to the
reference's median count (JAEConfig.protein_norm 'clr_depth'), an unsupervised one by the plain CLR
(protein_norm_unsupervised 'clr'). The help now says so."""

from __future__ import annotations

from jae import JAEConfig
from jae.cli import build_parser


def _help() -> str:
    embed = build_parser()._subparsers._group_actions[0].choices["embed"]
    return " ".join(embed.format_help().split()).replace("log- ratio", "log-ratio")  # argparse's wrap


def test_the_help_says_which_models_scale_the_cells():
    said = _help()
    assert "with labels after scaling" not in said
    assert ("proteins: centred log-ratio, for a model fitted with cell-type labels after scaling each cell to the "
            "reference's median count" in said)


def test_as_the_models_do():
    config = JAEConfig()
    assert config.protein_norm == "clr_depth" and config.protein_norm_unsupervised == "clr"
