"""A JAEConfig whose ``n_principal`` the "principal" readout cannot honour: that readout keeps every free unit, so a
principal part narrower than the free units comes out as wide as they are (:meth:`jae.model.readout.Readout.fit`)."""

from __future__ import annotations

import logging

__all__ = ["warn_narrow_principal"]

logger = logging.getLogger("jae.config")  # the package's: said as JAEConfig's own warnings


def warn_narrow_principal(config, *, python: bool) -> None:
    """Warn when ``config``'s mode reads the "principal" readout with ``n_principal`` below its free units, naming
    the width it gets and the settings that give the one asked for: as Python writes them (``JAEConfig: ...``, texts
    in quotes) when ``python``, else as ``FIELD=VALUE`` overrides."""
    supervised = config.mode == "supervised"
    readout, free = ("readout", "n_free") if supervised else ("readout_unsupervised", "n_free_unsupervised")
    n_free = getattr(config, free)
    if getattr(config, readout) != "principal" or config.n_principal >= n_free:
        return
    kind = "'components'" if python else "components"
    logger.warning("%sn_principal=%d is below %s=%d, and the 'principal' readout keeps every free unit: the "
                   "embedding's principal part has %d columns, not %d; for %d set %s=%d too, or %s=%s",
                   "JAEConfig: " if python else "", config.n_principal, free, n_free, n_free, config.n_principal,
                   config.n_principal, free, config.n_principal, readout, kind)
