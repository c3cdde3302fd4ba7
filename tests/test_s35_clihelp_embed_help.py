"""jae embed --help gave --finetune-epochs' default as 'the seed's, 2 for ATAC and 1 for ADT', but a model fitted
with --set finetune_epochs_atac=N fine-tunes N epochs by default (0: none); the help now names the model's settings."""

from __future__ import annotations

import pytest

from jae.cli import main


def test_embed_help_names_the_models_fine_tuning_default(capsys):
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "JAEConfig.finetune_epochs_atac or _adt" in text and "unless jae fit --set changed them" in text
