"""Input options shared by the CLI verbs (competition files, a MuData file, a Cell Ranger file or one .h5ad holding
both modalities), parsed once into
a :class:`jae.io.InputFiles`: the verbs hand that to their library call and never read files themselves."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

__all__ = ["Given", "layer_arg", "add_input_args", "add_memory_budget_arg", "add_fragments_arg", "add_remap_peaks_arg",
           "per_sample", "input_files", "batch_key", "path_arg", "whole_number"]


class Given(argparse.Action):
    """Store the value and record the flag in ``namespace.given``: a flag given equal to its default is still
    given (``--seed 0 --model FOLDER`` is refused like ``--seed 1``), and the defaults stay the library's."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.given = [*getattr(namespace, "given", []), self.option_strings[0]]


def whole_number(text: str) -> int:
    """The ``type`` of the CLI's whole-number flags (``--max-epochs``, ``--seed``, ``--n-cells``, ...): digits, or a
    whole number written with an exponent (``1e3``), as ``--set max_epochs=1e3`` reads it; ``1.5`` and ``ten`` are
    refused naming what the flag takes."""
    from ..config.values import _whole_number

    try:
        return _whole_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (e.g. 500 or 1e3), not {text!r}") from None


def path_arg(text: str) -> Path:
    """The ``type`` of the CLI's path flags: the path, refused when blank (``--out "$OUT"`` with OUT unset read as
    ``.``, the working folder, where jae evaluate wrote its report)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty one (an unset shell variable?)")
    return Path(text)


def batch_key(value: str | None) -> str | None:
    """``--batch-key``: 'none' (or '') means all cells are one batch."""
    return None if value is None or value.strip().lower() in ("", "none") else value


def pseudotime_keys(values: list[str] | None) -> list[str] | None:
    """``--pseudotime-key``: 'none' alone means no pseudotime (no trajectory conservation); None: every
    ``pseudotime_order_*`` column. 'none' beside columns contradicts them: refused."""
    words = [v.strip().lower() for v in values or []]
    if "none" in words and len(words) > 1:  # else read as a column named 'none', against the help's promise
        columns = " ".join(v for v, w in zip(values, words) if w != "none")
        raise ValueError(f"--pseudotime-key none (no trajectory conservation) contradicts --pseudotime-key {columns}: "
                         "give none alone, or the pseudotime columns alone")
    return [] if words == ["none"] else values


def add_input_args(parser: argparse.ArgumentParser, *, annotations: bool = True) -> None:
    from ..io.kinds import MAX_ADT_FEATURES

    g = parser.add_argument_group("input (one of: --mod1/--mod2, --h5mu, --10x, --h5ad)")
    g.add_argument("--mod1", type=path_arg, metavar="FILE", help="competition layout: GEX .h5ad (raw counts in layers['counts']) "
                   "or AnnData zarr store")
    g.add_argument("--mod2", type=path_arg, metavar="FILE", help="competition layout: ATAC or ADT .h5ad or AnnData zarr store")
    g.add_argument("--h5mu", type=path_arg, metavar="FILE", help="MuData file (or MuData zarr store) with an RNA and an ATAC or "
                   "protein modality (jae fit needs both; embed, map and evaluate also take one holding RNA alone)")
    g.add_argument("--10x", dest="tenx", type=tenx_arg, nargs="+", action="extend", metavar="FILE",
                   help="Cell Ranger (ARC) filtered_feature_bc_matrix.h5, or its matrix folder "
                   "filtered_feature_bc_matrix/ (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz; or one GEO-prefixed "
                   "*matrix.mtx.gz of such files); several files: one per sample, each "
                   "NAME=FILE or named by the folder above outs/ (SAMPLE/outs/filtered_feature_bc_matrix.h5; cellranger multi: "
                   "outs/per_sample_outs/SAMPLE/count/...), else by its stem, "
                   "read as one (jae.io.combine_samples): cells named BARCODE-SAMPLE, the sample in obs['batch'] (in "
                   "--batch-key's column where given, else for embed and map in the model's batch column; --batch-key "
                   "none: the samples are one batch), the genes (or "
                   "proteins) every sample has, and peak sets that differ merged into one by overlap")
    g.add_argument("--h5ad", type=path_arg, metavar="FILE",
                   help="one .h5ad (or AnnData zarr store) holding both modalities: var['feature_types'] with Gene "
                        "Expression and Peaks or "
                        "Antibody Capture (scanpy.read_10x_h5(..., gex_only=False)), or proteins in "
                        "obsm['protein_expression'] (scvi-tools)")
    g.add_argument("--rna-mod", default="rna", metavar="NAME", help="RNA modality name in --h5mu (default: rna, else the one "
                   "modality named RNA, GEX or mRNA in any case)")
    g.add_argument("--other-mod", default=None, metavar="NAME",
                   help="second modality name in --h5mu (default: the other one, a modality of cell-hashing hashtags "
                        "set aside: named hto, hashtags or multiplexing, or typed 'Multiplexing Capture')")
    g.add_argument("--layer", default="counts",
                   help="layer with raw counts; 'X' for .X, 'raw' for the AnnData's .raw (scanpy, CELLxGENE) "
                        "(default: counts)")
    g.add_argument("--mod2-kind", choices=("ATAC", "ADT"), type=str.upper, default=None,
                   help="kind of the second modality when its var has no 'feature_types' (default: from its feature "
                        f"names: genomic intervals are ATAC, up to {MAX_ADT_FEATURES} other names ADT); given, --mod1 "
                        "is taken as GEX and --mod2 as this kind without guessing, which also skips the check that "
                        "--mod1 and --mod2 look swapped (CD markers or intervals in --mod1, genes in --mod2); for --h5ad "
                        "or --10x holding Peaks and Antibody Capture both: the one paired with RNA")
    if annotations:
        g.add_argument(
            "--annotations", type=path_arg, action="append", default=[], metavar="FILE",
            help=".h5ad whose obs holds cell annotations (e.g. *.solution.h5ad), or a CSV / TSV table of them (.gz too; "
            "cell names in its first column, a header row), joined by cell name (of several --10x files: "
            "BARCODE-SAMPLE, e.g. AAACAGCCAAGGAATC-1-s1); repeatable",
        )


def add_memory_budget_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-budget", default=None, metavar="SIZE",
        help="memory that reading the input files whole may take, e.g. 8G (default: half the available memory); larger "
        "--mod1/--mod2 and --h5mu inputs are streamed from disk in row blocks, with the same result (zarr stores copied "
        "once into a temporary .h5mu or .h5ad under TMPDIR first; --h5ad inputs are always read whole; --10x files over "
        "the budget, one or several samples, are copied in blocks of cells into a temporary .h5mu under TMPDIR and "
        "streamed from it). It only chooses between the two and caps the memory of neither: streaming "
        "still holds a sample of up to 20,000 cells for the SVD fit and the features of every cell, which can take "
        "more than the budget (jae fit's log line estimates it; -v for embed and map). embed and map read the counts once and stream them whatever "
        "the budget; it applies there to files whose cells are in different orders",
    )


def add_fragments_arg(parser: argparse.ArgumentParser) -> None:
    """``--fragments`` of ``jae map`` and ``jae embed`` (``fragments=`` of their workflows)."""
    parser.add_argument(
        "--fragments", type=tenx_arg, nargs="+", action="extend", default=None, metavar="FILE",
        help="10x fragments file of the query cells (cellranger-arc's atac_fragments.tsv.gz): their ATAC is counted "
        "from it in the model's peaks (jae.count_fragments: 10x's cut sites, for the RNA's cells), in place of the "
        "input's own peaks (a new sample's, which share few with the model's; left out, logged); the input is then "
        "read whole. Refused for a model without peaks. Several --10x samples: one file each, NAME=FILE or named by "
        "the folder above outs/ as --10x names them (SAMPLE/outs/atac_fragments.tsv.gz)",
    )


def add_remap_peaks_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--remap-peaks", action="store_true",
        help="the query's ATAC has its own peaks (called per sample: cellranger-arc, MACS2, Signac, ArchR): put its "
        "counts onto the model's peaks by genomic overlap, each peak's to the model peak it overlaps most "
        "(jae.remap_peaks; model peaks that get none are inferred, never zeros). An approximation of counting the "
        "cells' fragments in the model's peaks; the input streams as without it, each row block remapped as read")


def tenx_arg(text: str) -> tuple[str | None, Path]:
    """One ``--10x`` value: ``NAME=FILE`` (a sample named), or a path (an ``=`` after a ``/`` is the path's own)."""
    name, sep, rest = text.partition("=")
    if sep and name.strip() and "/" not in name and os.sep not in name:
        return name.strip(), path_arg(rest)
    return None, path_arg(text)


def per_sample(values, *, what: str, noun: str):
    """Values of a flag taking one file per sample (``--10x``; ``--fragments``: ``what='fragments'``), each
    ``NAME=FILE`` or a bare file: None, one bare file as it is (nothing changes), else a dict of sample name -> file
    (:func:`jae.io.inputs.name_samples`, its refusals in the CLI's words: ``_messages``; ``InputFiles`` checks every
    file before it reads any)."""
    if not values or isinstance(values, (str, os.PathLike)):  # (a Namespace built by hand: one path)
        return values or None
    if len(values) == 1 and values[0][0] is None:
        return values[0][1]
    from ..io.inputs import name_samples

    return name_samples(values, what=what, noun=noun)


def layer_arg(args: argparse.Namespace) -> str | None:
    """The layer ``--layer`` names: ``X`` or ``None`` read ``.X`` (None in Python)."""
    return None if args.layer in ("X", "None") else args.layer


def input_files(args: argparse.Namespace, *, rna_only: bool = False):
    """The input options as a :class:`jae.io.InputFiles`: the one reading of ``--mod1/--mod2/--h5mu/--10x/--h5ad``,
    ``--annotations``, ``--rna-mod``, ``--other-mod``, ``--mod2-kind`` and ``--layer`` (``X`` or ``None``: ``.X``).
    ``rna_only``: ``--mod1`` may come alone (query cells with RNA only, for ``jae embed`` / ``jae map``)."""
    from ..io import InputFiles

    given = [x for x in (args.mod1 or args.mod2, args.h5mu, args.tenx, args.h5ad) if x]
    if len(given) != 1:
        raise ValueError("give exactly one input: --mod1 and --mod2, or --h5mu, or --10x, or --h5ad")
    if args.mod2 and not args.mod1 and getattr(args, "verb", None) == "evaluate":  # scored without RNA: --h5ad
        raise ValueError("the competition layout needs --mod1 (GEX) with --mod2 (ATAC or ADT), or --mod1 alone (RNA "
                         "only); to score embeddings of cells measured in the second modality alone, pass its file "
                         f"as --h5ad {args.mod2} (cc_cons, which reads the RNA, is then n/a)")
    if args.mod2 and not args.mod1:
        raise ValueError("the competition layout needs --mod1 (GEX) with --mod2 (ATAC or ADT)" + (
            ", or --mod1 alone (RNA only); cells measured in the second modality alone are embedded in Python: "
            f"model.embed(mudata.MuData({{'mod2': anndata.read_h5ad({str(args.mod2)!r})}}))" if rna_only else ""))
    if args.mod1 and not args.mod2 and not rna_only:  # jae fit: a file holding both (CELLxGENE's) is --h5ad's
        raise ValueError("the competition layout needs both --mod1 (GEX) and --mod2 (ATAC or ADT); one file holding "
                         "both modalities (var['feature_types'], as CELLxGENE downloads and scanpy.read_10x_h5(..., "
                         f"gex_only=False) keep them) is read with --h5ad {args.mod1}")
    if args.mod1 and not args.mod2 and args.mod2_kind is not None:  # else silently unread: RNA alone has no --mod2
        raise ValueError(f"--mod2-kind {args.mod2_kind} names the kind of --mod2, but --mod1 comes alone (cells with "
                         "RNA only): leave --mod2-kind out, or give the --mod2 file too")
    flag = "--mod1/--mod2" if args.mod1 else "--10x" if args.tenx else "--h5ad"
    if not args.h5mu and (args.rna_mod != "rna" or args.other_mod is not None):  # else silently ignored
        raise ValueError(f"--rna-mod and --other-mod name the modalities of an --h5mu file; {flag} has none to "
                         "choose: leave them out")
    if args.tenx and args.layer not in ("counts", "X", "None"):
        raise ValueError(f"--layer {args.layer}: a Cell Ranger .h5 or matrix folder (--10x) holds one matrix of raw "
                         "counts and no layers: leave --layer out")
    key = batch_key(getattr(args, "batch_key", None))
    return InputFiles(
        mod1=args.mod1, mod2=args.mod2, h5mu=args.h5mu, h5ad=args.h5ad,
        tenx=per_sample(args.tenx, what="tenx", noun="Cell Ranger file"),
        **({"sample_key": key} if key is not None else {}),
        annotations=getattr(args, "annotations", []),
        rna=args.rna_mod, other=args.other_mod, layer=layer_arg(args),
        mod2_kind=args.mod2_kind,
    )
