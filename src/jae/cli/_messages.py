"""Library errors in the CLI's words: the fixes they name become command-line flags.

The library's messages name Python arguments (``pass other=<name>``), the right fix for a Python user. Each verb
makes one call of the library (:mod:`jae.workflows`), which checks the outputs and inputs before any work; its
messages are translated here, phrase by phrase, so a CLI user never reads an argument the CLI has no flag for. The
workflows' arguments are named as the verbs' flags (``out`` / ``--out``, ``labels_out`` / ``--labels-out``), so
the translation is one rule for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["cli_message", "cli_warning", "cli_words"]

# (pattern, replacement), applied in order; the most specific phrases come first.
_Replacement = str | Callable[[re.Match], str]  # re.sub's: a text, or a function of the match

# jae.workflows.embedding_output.copied_input: embed_files' refusals of copy_of, jae embed's --out-copy-of
_COPY_OF_WORDS = (
    (r"\bpass copy_of=None with out=FILE\.h5mu", "drop --out-copy-of and pass --out FILE.h5mu"),
    (r"\bcopy_of='(\w+)'", r"--out-copy-of \1"), (r"\bcopy_of\b", "--out-copy-of"),
    (r"\bout=FILE\.(h5ad|h5mu)", r"--out FILE.\1"), (r"\bh5ad='([^']*)'", r"--h5ad \1"), (r"\btenx=", "--10x"),
    (r"(?<![-\w])(mod1|mod2|h5mu|h5ad)=", r"--\1"), (r"\bmethod_id=(['\"])(.*?)\1", r"--method-id \2"),
    (r"\bleave method_id out\b", "drop --method-id"),
)


def _copy_of_words(match: re.Match) -> str:
    """A refusal of ``copy_of`` (the whole message) in jae embed's flags."""
    text = match.group(0)
    for pattern, words in _COPY_OF_WORDS:
        text = re.sub(pattern, words, text)
    return text


_PHRASES: tuple[tuple[str, _Replacement], ...] = (
    (r"^.*\bcopy_of\b.*$", _copy_of_words),
    (r"^(mod1|mod2|annotation|\.h5mu|\.h5ad) file ", lambda m: f"--{m.group(1).lstrip('.').replace('annotation', 'annotations')} file "),
    (r"^(train_mod1|train_mod2|test_mod1) file ", lambda m: f"--{m.group(1).replace('_', '-')} file "),
    (r"^Cell Ranger \.h5 file ", "--10x file "),
    (r"^combine_samples: ", "--10x: "),  # several --10x files, read as one by jae.io.combine_samples
    # jae.io.inputs.name_samples: several --10x files named (NAME=FILE, else by the folder above outs/)
    (r"; name each sample: tenx=\{'NAME': FILE, \.\.\.\}$",
     "; give each sample its own name as NAME=PATH, e.g. --10x s1=FILE1 s2=FILE2"),
    (r"^tenx: ", "--10x: "),
    # jae.io.annotations.samples_note: one Cell Ranger file named as a sample, its name the cells' batch
    (r"\bInputFiles\(tenx=\{'(\w+)': (['\"])(.*?)\2\}\)", lambda m: f"--10x {m.group(1)}={m.group(3)}"),
    (r"^mod1 and mod2 look swapped: mod1 (.*), and mod2 (.*) as mod1 and the (\w+) file as mod2$",
     lambda m: f"--mod1 and --mod2 look swapped: --mod1 {m.group(1)}, and --mod2 {m.group(2)} as --mod1 and the "
               f"{m.group(3)} file as --mod2"),
    (r"\balone, mod1 must be the RNA \(GEX\) file; pass the RNA file as mod1=, with this one as mod2=",
     "alone, --mod1 must be the RNA (GEX) file; pass the RNA file as --mod1, with this one as --mod2"),
    # the file workflows (jae.workflows) name their outputs by argument; each argument is the verb's flag
    (r"^out \*\.h5mu writes a copy of an h5mu input; with mod1/mod2, tenx or h5ad inputs use out \*\.h5ad",
     "--out *.h5mu writes a copy of an --h5mu input; with --mod1/--mod2, --10x or --h5ad use --out *.h5ad"),
    (r"^nothing to evaluate: pass embeddings=\[obsm keys\]( \(the data's obsm holds [^)]*\))? or \{name: array or "
     r"file\}, and/or baseline=True$",
     lambda m: f"nothing to evaluate: give --obsm KEY{m.group(1) or ''}, --prediction FILE and/or --baseline"),
    # jae.remap_peaks: the query's own peaks onto the model's, jae embed's and jae map's --remap-peaks
    (r"\bwith jae\.remap_peaks\(data, model\)", "with --remap-peaks (jae embed, jae map; jae.remap_peaks(data, model) "
     "in Python)"),
    (r"^remap_peaks (with impute_modality|puts)\b",
     lambda m: f"--remap-peaks {m.group(1).replace('impute_modality', '--impute-modality')}"),
    (r"\b(remap_peaks|memory_budget) \((--[a-z-]+)\)", r"\2"),
    (r"\bpass labels_out=None", "drop --labels-out"),
    (r"\bpass (impute_out|impute_modality)=None", lambda m: f"drop --{m.group(1).replace('_', '-')}"),
    (r"\bimpute_out=FILE\.h5ad", "--impute-out FILE.h5ad"),
    (r"\bpass impute_modality= to choose", "pass --impute-modality NAME to choose"),
    (r"\bimpute_modality=", "--impute-modality "),
    (r"^impute_modality\b", "--impute-modality"),
    (r"\(out \*\.h5mu, for an h5mu input\); with out \*\.h5ad", "(--out *.h5mu, for an --h5mu input); with --out *.h5ad"),
    (r"^(out|labels_out|impute_out|output|save_model|epochs|finetune_epochs|seed) ",
     lambda m: f"--{m.group(1).replace('_', '-')} "),
    (r"\be\.g\. seed=(\d+)", lambda m: f"e.g. --seed {m.group(1)}"),
    # jae.run_demo / jae.datasets.write_simulated: the sizes and epochs are jae demo's and jae simulate's flags
    (r"^(max_epochs|chunk_size) ", lambda m: f"--{m.group(1).replace('_', '-')} "),
    (r"\bpreset='(competition)' simulates (.*) for kind='(multiome|cite)'", r"--preset \1 simulates \2 for --kind \3"),
    (r"\bor preset=None \(", "or --preset none ("),
    (r"\b(pass |^|than |or )(n_cells|n_genes|n_peaks|n_proteins|n_cell_types|n_batches|chunk_size)(=| >= | <= )",
     lambda m: f"{m.group(1)}--{m.group(2).replace('_', '-')}{' ' if m.group(3) == '=' else m.group(3)}"),
    # jae.datasets.write_simulated's path is jae simulate's OUT
    (r"\bof path (\S+) does not exist; create it first or choose another path\b",
     r"of OUT \1 does not exist; create it first or choose another OUT"),
    (r"^path (\S+) exists; (.*)another path\b", r"OUT \1 exists; \2another OUT"),
    (r"\((n_peaks|n_genes)=\.\.\.\)", lambda m: f"(--{m.group(1).replace('_', '-')} N)"),
    (r"\bformat=['\"]?(h5ad-pair|h5mu)['\"]?", lambda m: f"--format {m.group(1)}"),
    # jae._device.usable_device: the device= argument is --device
    (r"\bdevice=(['\"]?)([^'\"\s,;]+)\1", lambda m: f"--device {m.group(2)}"),
    (r"\bpass 'auto', 'cpu', 'cuda' or 'cuda:N'", "pass --device auto, cpu, cuda or cuda:N"),
    (r"\bor 'auto' to use a GPU", "or --device auto to use a GPU"),
    (r"\bpass one of those, 'cuda' or 'auto'", "pass one of those, cuda or auto as --device"),
    (r"(--device cpu) or 'auto'", r"\1 or auto"),
    (r"\b(another|for|of|as) (out|labels_out|impute_out|output|save_model)\b(?! path)",
     lambda m: f"{m.group(1)} --{m.group(2).replace('_', '-')}"),
    (r"\blabels_out\b", "--labels-out"),
    (r"InputFiles\(\.\.\., annotations=[^)]*\)", "--annotations FILE"),
    (r"\bconfig=JAEConfig\(", "JAEConfig("),
    (r"\bload it with jae\.prediction\.ModalityPredictor\.load\b",
     "it was written by jae predict --save-model; pass a model folder written by jae fit or jae map"),
    (r"\bload it with jae\.JAE\.load\b",
     "it was written by jae fit or jae map; pass a folder written by jae predict --save-model"),
    (r"\brefit the model\b", "refit it with jae fit"),
    (r"JAEConfig\(mode=['\"]unsupervised['\"]\)", "--mode unsupervised"),
    (r"jae\.io\.get_paired\(\.\.\., kinds=\([^)]*\)\)", "--mod2-kind ATAC or ADT"),
    (r"read_competition\(\.\.\., annotations=[^)]*\)", "--annotations FILE"),
    (r"modalities=\(rna_name, other_name\)", "--rna-mod NAME and --other-mod NAME"),
    (r"modalities=\([^)]*\)", "--rna-mod NAME and --other-mod NAME"),
    (r"\b(source|target)_kind='GEX', 'ATAC' or 'ADT'", lambda m: f"--{m.group(1)}-kind GEX, ATAC or ADT"),
    (r"\b(source|target)_kind\b", lambda m: f"--{m.group(1)}-kind"),
    (r"kinds=\(['\"]GEX['\"], ['\"]ATAC['\"]\) / \(['\"]GEX['\"], ['\"]ADT['\"]\)", "--mod2-kind ATAC or ADT"),
    (r"kinds=\(?[^)\s;,]*\)?", "--mod2-kind"),
    (r"(?:mod2_kind|other_kind|kind)=['\"]?(ATAC|ADT)['\"]?(?: (?:or|/) (?:mod2_kind=|other_kind=|kind=)?['\"]?(ATAC|ADT)['\"]?)*",
     "--mod2-kind ATAC or ADT"),
    (r"kind=['\"]GEX['\"], ['\"]ATAC['\"] or ['\"]ADT['\"]", "--mod2-kind ATAC or ADT"),
    (r"\bmod1= and mod2= \(two \.h5ad files\), or h5mu=", "--mod1 and --mod2 (two .h5ad files), or --h5mu"),
    (r"\bh5mu=FILE\b", "--h5mu FILE"),
    # jae.io.files.other_kind: a Cell Ranger .h5 given where an .h5ad or .h5mu is read; the CLI reads it with --10x
    (r"\bread it with jae\.read_10x_h5 \(tenx=FILE of jae\.io\.InputFiles\)", "pass it as --10x FILE"),
    (r"\btenx=FILE\b", "--10x FILE"),
    # jae.io.files._MTX_FIX: a Cell Ranger matrix folder (or its matrix.mtx.gz) given where another format is read
    (r"\bread it with jae\.read_10x_mtx \(tenx=(.+?) of jae\.io\.InputFiles\)", r"pass it as --10x \1"),
    (r"\btenx=FOLDER\b", "--10x FOLDER"),
    # jae.io.cellranger.mtx_files: a GEO folder of several samples' prefixed files; the CLI takes their matrix files
    (r"; pass one sample's matrix file instead \(e\.g\. (.+?); several samples: each one's\), or its prefix to "
     r"jae\.read_10x_mtx \(prefix='[^']*'\)$", r"; pass one sample's matrix file instead (e.g. --10x \1; several "
     "samples: each one's)"),
    (r"\bh5ad=FILE\b", "--h5ad FILE"),
    (r"\bmod1= \(RNA\) with mod2=, or as h5ad=", "--mod1 (RNA) with --mod2, or as --h5ad"),
    (r"\bjae\.read_competition\(mod1, mod2\)", "--mod1 and --mod2"),
    # jae.io.paired.one_modality_message: an .h5mu of RNA alone given to fit; the calls that take it are verbs
    (r" or a MuData with an 'atac' or 'prot' modality", ", or an --h5mu file with an 'atac' or 'prot' modality"),
    (r"\(jae embed / jae map; in Python model\.embed\(path\) or jae\.embed_files / jae\.map_files\)",
     "(jae embed / jae map --model MODEL --h5mu FILE --out OUT)"),
    (r"\bjae\.io\.read_paired_h5ad\(path\)", "--h5ad"),
    (r"\bpass anndata\.read_h5ad\(path\)", "--mod1 alone"),
    (r"\bother=<name>", "--other-mod NAME"),
    (r"\brna=<name[^>]*>", "--rna-mod NAME"),
    (r"\blayer=None", "--layer X"),
    (r"\blayer=['\"]counts['\"]", "--layer counts"),
    (r"\blayer=['\"]raw['\"]", "--layer raw"),
    (r"\blayer=\.\.\.", "--layer NAME"),
    (r"\bpseudotime_keys=\[<column>, \.\.\.\]", "--pseudotime-key COLUMN (repeatable)"),
    (r"\bpass embeddings=\{name: array or path of an embedding file\}",
     "give them as --prediction FILE (an .h5ad: X = embedding, obs_names = cells)"),
    (r"\bumap_max_cells=", "--umap-max-cells "),
    # jae.mapping.batches.check_new_batches: a query of known batches, in plain words with the flags that fix it
    (r"^every query batch in obs\['([^']*)'\] \(([^)]*)\)",
     lambda m: f"every query batch in the --batch-key column {m.group(1)} ({m.group(2).replace(chr(39), '')})"),
    (r" \(jae embed --model MODEL --finetune-epochs 0; JAE\.embed\)", " (jae embed --model MODEL --finetune-epochs 0)"),
    (r"\brename them \(obs\['([^']*)'\] = 'query_' \+ obs\['\1'\]\.astype\(str\)\) and map again",
     lambda m: f"give them new names in column {m.group(1)} (e.g. query_ in front), in the data or in an "
               "--annotations FILE, and map again"),
    (r"\bbatch_key=None", "--batch-key none"),
    (r"\bbatch_key=<column>", "--batch-key COLUMN"),
    (r"\bcell_type_key=<column>", "--cell-type-key COLUMN"),
    (r"\bcell_type_key=None", "--mode unsupervised"),
    (r"\bannotations=FILE", "--annotations FILE"),
    (r"\bbatch_key\b", "--batch-key"),
    (r"\bcell_type_key\b", "--cell-type-key"),
    (r"\boverwrite=True", "--overwrite"),
    (r"\bmemory_budget=<bytes>", "--memory-budget SIZE"),
    (r"\bmemory_budget=(?:'([^']*)'|\"([^\"]*)\"|([^\s'\",;:)]*))",  # a blank or spaced value: quoted, as typed
     lambda m: "--memory-budget " + (m[3] if m[3] is not None else next(
         v if re.fullmatch(r"[^\s'\"]+", v) else repr(v) for v in [m[1] if m[1] is not None else m[2]]))),
    # jae.predict's arguments, as jae predict's flags
    (r"\bmodel=FOLDER\b", "--model FOLDER"),
    (r"\b(train_mod1|train_mod2|test_mod1|save_model)\b", lambda m: f"--{m.group(1).replace('_', '-')}"),
    (r"\bthe predictor's\b", "--model's"),  # a saved predictor's features (jae predict --model)
    (r"\btrain_source\b", "--train-mod1"),
    (r"\btrain_target\b", "--train-mod2"),
    (r"\bquery_source\b", "--test-mod1"),
    # jae.evaluate's arguments, as jae evaluate's flags
    (r"^embedding file ", "--prediction file "),
    (r"\(jae\.JAE\.load\('([^']*)'\)\.embed\(mdata\) stores obsm\['X_jae'\]\) and score that embedding",
     lambda m: f"(jae embed --model {m.group(1)} ... --out emb.h5mu) and pass that file as --prediction"),
    (r"pass its values as a DataFrame indexed by cell name instead \(\{'name': pandas\.read_csv\(('[^']*')"
     r", index_col=0\)\}\)",
     lambda m: f"convert it: python -c \"import anndata, pandas; anndata.AnnData(pandas.read_csv({m.group(1)}, "
               "index_col=0)).write_h5ad('emb.h5ad')\" and pass emb.h5ad"),
    (r"\bgive it as the data and score one of those: embeddings=\[KEY\]",
     "score one of those with --h5mu FILE --obsm KEY"),
    (r"\bgive this file as the data and score", "give this file as --h5ad and score"),  # an AnnData: --h5mu refuses it
    (r"\bgive an embedding of these cells instead \(X = the embedding, e\.g\. the file jae embed writes\)",
     "give --prediction an embedding of these cells instead (X = the embedding, e.g. the file jae embed --out writes)"),
    (r"\bjae\.metrics\.rmse\(measured\[prediction\.obs_names, prediction\.var_names\]\.X, prediction\.X\)",
     "in Python p = anndata.read_h5ad(PREDICTION); jae.metrics.rmse(anndata.read_h5ad(MEASURED)[p.obs_names, "
     "p.var_names].X, p.X)"),
    (r"\(embeddings=\['([^']*)'\]\)", lambda m: f"(--obsm {m.group(1)})"),
    (r"\brename it in embeddings=", "give it another name: --prediction NAME=FILE"),
    (r"\bpass baseline=False\b", "drop --baseline"),
    (r", or None for no cap\b", ", or 'all' for no cap"),
    (r"\breport_dir\b", "--out"),
    # jae.io.modality.pick_modalities: an .h5mu holding the second modality alone; the in-memory call is Python's
    (r"\bor read the file into memory: model\.embed\(mudata\.read_h5mu\([^()]*\)\) places them, "
     r"model\.map_query\(mudata\.read_h5mu\([^()]*\)\) maps them",
     "or embed them in Python: model.embed(mudata.read_h5mu(FILE))"),
    # jae.io.rna_files.check_rna_alone: the second modality given alone as mod1
    (r"\bsecond modality alone are embedded from memory: model\.embed\(",
     "second modality alone are embedded in Python: model.embed("),
    # jae.train.trainer: a diverged training names the learning rate's JAEConfig field, jae fit's --set
    (r"\be\.g\. JAEConfig\((lr|finetune_lr)=([^)\s]+)\)", r"e.g. --set \1=\2"),
    # jae.checkpoint: a damaged or unreadable predictor folder (its model.json or weights.pt); "refit the model" above
    (r"\brefit the predictor\b", "refit it with jae predict --save-model"),
    # jae.query.transform._overlap: another antibody panel beside the RNA; the CLI places such cells from --mod1 alone
    (r"\bpass the RNA without the second modality \(its AnnData, e\.g\. mdata\['rna'\], or jae\.io\.open_rna\(path\)\)",
     "give --mod1 without --mod2"),
    # jae.mapping.adapter.QueryAdapter.batch_column: a mapped model embedding files reads the batch from --annotations
    (r"\badd it \(data\.obs\['([^']*)'\] = each cell's batch\), or read the files with --annotations FILE holding it "
     r"\(jae\.read_competition, jae\.io\.open_competition, jae\.io\.open_rna\)",
     "add it to the input, or pass --annotations FILE holding it"),
    # jae.preprocess.organism.refuse_other_organism: the cell-cycle genes of the other organism; jae fit's flags
    (r"\bpass organism='(human|mouse)'", r"pass --organism \1"),
    (r"\bJAEConfig\(n_phase=0\)", "--set n_phase=0"),
    # jae.datasets.write_simulated's path (check_outputs' other refusals): jae simulate's OUT
    (r"^path (\S+) is a folder; give a file path for path$", r"OUT \1 is a folder; give a file path for OUT"),
    (r"\bthe folder of path (\S+), is a file; choose another path$", r"the folder of OUT \1, is a file; choose another OUT"),
    (r"\bof path (\S+) is not writable; choose another path\b", r"of OUT \1 is not writable; choose another OUT"),
    # jae.evaluation.inputs._obsm_in_group: a modality's obsm lacking the cells measured in the other modality only
    (r"\bor pass it as an embedding file: embeddings=\{name: FILE\}", "or give it as --prediction NAME=FILE"),
    # jae.embed_files: a seed that no fine-tuning reads (finetune_epochs=0, or a mapped model)
    (r"\bpass seed=None\b", "drop --seed"),
    (r"\(map_query, jae map\)", "(jae map)"),
    (r"\bmap_query\b", "jae map"),
    (r"\bfinetune_epochs(=| >= )(\d+)", lambda m: f"--finetune-epochs {m.group(2)}"),
    # jae.prediction.train: too few training cells for the network's ensemble; jae predict has no flag for its size
    (r"\bpass more cells or config=PredictConfig\(n_members=1\)",
     "give --train-mod1 and --train-mod2 more cells, or train a baseline without an ensemble: --method ridge, knn or "
     "mean"),
    # jae.mapping.map_query: a mapped model mapped again by another column; batch_key above became --batch-key
    (r"\bthis model maps batches by obs\['([^']*)'\]; pass --batch-key='\1'",
     lambda m: f"this model maps batches by the column {m.group(1)}; pass --batch-key {m.group(1)}"),
    # jae.mapping.map_query: a seed that no training reads (epochs=0); 'pass seed=None' above became 'drop --seed'
    (r"\bwhich epochs=0 skips\b", "which --epochs 0 skips"),
    # jae.embed_files: method_id, the competition format's, with an .h5mu output
    (r"^method_id=(['\"])(.*)\1 is uns\['method_id'\] of an out \*\.h5ad; the out \*\.h5mu copy has none: leave method_id out$",
     lambda m: f"--method-id {m.group(2)} is uns['method_id'] of an --out *.h5ad; the --out *.h5mu copy has none: "
               "drop --method-id"),
    # jae.io.paired_files._check_cells: the second modality's file holding no cell; the RNA file alone is --mod1
    (r"\bgive the RNA file alone as mod1= \((\S+)\), without mod2=", r"give the RNA file alone: --mod1 \1 without --mod2"),
    # jae.checkpoint.damaged_description: a model folder's own keys (source_kind, batch_key), which the argument
    # phrases above gave as flags ("lacks the key '--source-kind'"), named as model.json / predictor.json holds them
    (r"\b(lacks the key '|has a malformed entry \()--([a-z][a-z-]*)\b",
     lambda m: f"{m.group(1)}{m.group(2).replace('-', '_')}"),
    # jae.evaluation.checks.check_values: an embedding of bool, complex or text values (an obsm of the --h5mu)
    (r"; pass its coordinates as numbers, e\.g\. np\.asarray\(Z, dtype=np\.float32\)$",
     "; store its coordinates as numbers (e.g. float32) in the file"),
    # jae.io.paired_h5ad.read_paired_h5ad: one .h5ad of RNA alone, which embed and map take as --mod1
    (r"\bpass the file as mod1= alone\b", "pass the file as --mod1 alone"),
    # jae.io.write.check_method_id: an empty method_id (the competition's check refuses it)
    (r"^method_id=(['\"])(.*)\1 is not a non-empty name; (.*): pass e\.g\. method_id='jae'$",
     lambda m: f"--method-id {m.group(1)}{m.group(2)}{m.group(1)} is not a non-empty name; {m.group(3)}: pass e.g. "
               "--method-id jae"),
    # jae.workflows.evaluate: --prediction NAME=KEY naming an obsm key of the data, not a file
    (r": pass it as an obsm key \(text, not a path\): embeddings=\{'[^']*': '([^']*)'\}$",
     lambda m: f": give it as --obsm {m.group(1)} (--prediction takes files)"),
    # a file read by the CLI is read afresh: of the shared-counts-layer fix only the file's own case applies
    (r"layer '[^']*' is the same matrix as \.X \(jae's readers .*?; if the file's \.X held normalised values, pass",
     "the file's .X holds normalised values and it has no counts layer: pass"),
    # jae.datasets.sampling.check_counts_memory: write_simulated's chunk_size is jae simulate's --chunk-size
    (r"\bpass a smaller chunk_size\b", "pass a smaller --chunk-size"),
    # jae.io.files.gex_only_message: a Cell Ranger file of Gene Expression alone given to fit; embed and map take it
    (r"\bjae\.embed_files / jae\.map_files with jae\.io\.InputFiles\(--10x FILE\)",
     "jae embed / jae map --model MODEL --10x FILE --out OUT"),
    # jae.io.files.other_kind: a Cell Ranger 2 matrix's RNA written as an .h5ad, passed as --mod1 alone
    (r"\bmod1=FILE\b", "--mod1 FILE"),
    (r"\bmod2=FILE\b", "--mod2 FILE"),  # jae.io.zarr_stores: an AnnData store given as --h5mu
    # jae.embed_files: a seed for a mapped model; 'finetune_epochs >= 1' above became '--finetune-epochs 1'
    (r"\bunless --finetune-epochs 1 is given\b", "unless --finetune-epochs N (N >= 1) is given"),
    # jae.prediction.checks.MISSING_FIX: the training source is a file here, written again with the shared features
    (r"\be\.g\. keep = --train-mod1\.var_names\.isin\(--test-mod1\.var_names\); fit on --train-mod1\[:, keep\]",
     "e.g. write --train-mod1 again with only the features --test-mod1 has (adata[:, adata.var_names.isin("
     "test.var_names)].write_h5ad(...)) and train on it"),
    # jae.io.inputs.InputFiles: mod2_kind for an .h5mu holding RNA alone, which has no second modality to name
    (r"\bnames a modality it lacks; pass mod2_kind=None$", "names a modality it lacks; drop --mod2-kind"),
    # jae.mapping.batches.check_mapped_key: a mapped model mapped again by another column; the fix is its column in the
    # input
    (r"\bcopy them \(data\.obs\['([^']*)'\] = data\.obs\['[^']*'\]\.astype\(str\)\) and map with --batch-key='\1' or "
     r"without --batch-key$",
     lambda m: f"give them in a column {m.group(1)} (in the input, or an --annotations FILE holding it) and map "
               "without --batch-key"),
    # jae.mapping.adapter.QueryAdapter.batch_column: cells without a batch beside a mapped query (files: a file)
    (r"\bgive them their reference batch, e\.g\. data\.obs\['([^']*)'\] = data\.obs\['\1'\]\.astype\(object\)\.fillna\("
     r"data\.obs\[(?:<the column the reference was fitted with>|'[^']*')\]\)\.astype\(str\)",
     lambda m: f"give them their reference batch in column {m.group(1)} (in the input, or an --annotations FILE "
               "holding it)"),
    # jae.query.transform._overlap's RNA-alone fix, made --mod1 above: an --h5mu, --h5ad or --10x input has no --mod1
    # to give alone
    (r"\bor place these cells from their RNA alone: give --mod1 without --mod2$",
     "or place these cells from their RNA alone: give --mod1 without --mod2 (from an --h5mu, --h5ad or --10x input, its "
     "RNA written to an .h5ad of its own, e.g. in Python mudata.read_h5mu(FILE)['rna'].write_h5ad('rna.h5ad'))"),
    # repeated feature names of a modality read from a file: the fix is on the file, written again
    (r"(make them unique first, e\.g\. adata\.var_names_make_unique\(\) on that modality)(?=$|;)",
     r"\1's AnnData, read from its file (--mod1 for 'rna', --mod2 for the other; of an --h5mu, mdata.mod[NAME]), "
     "then write the file again and pass that"),
    # jae.checkpoint.damaged_description: a model.json's seed, whose example 'e.g. seed=0' became '--seed 0' above,
    # which fixes nothing there (jae embed --seed seeds the fine-tuning): the entry as model.json holds it
    (r"\b(has a malformed entry \(seed must be [^;()]*); e\.g\. --seed (\d+)\)", r'\1; e.g. "seed": \2)'),
    # jae.mosaic.train_mosaic under torchrun: fine-tuning one-modality cells (jae embed); finetune_epochs=0 became
    # --finetune-epochs 0 above
    (r"\(model\.embed without model\.finetune; --finetune-epochs 0 in jae\.embed_files\)", "(--finetune-epochs 0)"),
    # jae.train.trainer._lower_lr: a diverged fine-tuning (jae fit's unlabelled cells, or jae embed / jae map of a
    # saved model) reads the model's finetune_lr, which jae fit --set sets: the 'e.g. --set' above, as jae fit's
    (r"\bwhere the model is fitted and fit it again \(e\.g\. --set finetune_lr=",
     "where the model is fitted and fit it again (e.g. jae fit ... --set finetune_lr="),
    # jae.evaluation.checks.check_argument_shapes: a blank embedding name (jae evaluate --obsm "$KEY" with KEY unset,
    # --prediction " =FILE"), whose Python fix '{'name': Z}' the command line has no way to give
    (r"\bgive each embedding a name: \{'name': Z\}$",
     "give each --obsm its key and each --prediction NAME=FILE a name (or --prediction FILE alone, named by its file)"),
    # jae._device.usable_device: an empty --device (e.g. --device "$DEV" with DEV unset) kept Python's device=''
    (r"\bdevice=(''|\"\")", "--device ''"),
    # jae.io.files.check_is_mudata: an .h5ad given where an .h5mu is read, named by its path in Python
    (r"^(.+?) is not a MuData file \(\.h5mu\) but an AnnData file \(\.h5ad\);",
     r"--h5mu file \1 is not a MuData file but an AnnData file (.h5ad);"),
    (r" \(jae\.io\.open_competition\(mod1, mod2\) opens them without reading the counts\)", ""),
    (r" \(or jae\.io\.open_rna\(path\)\)$", ""),
    # jae.imputation.modality_to_impute: the modality the cells lack, named as Python's impute_modality='prot'
    (r"\bpass --impute-modality '([^'\s]+)' to impute it\b", r"pass --impute-modality \1 to impute it"),
    # jae.query.transform._overlap: the model's features of modality i, in Python; on the command line in model.json
    (r"\bmodel\.preprocessor\.var_names\[(\d)\]",
     r"json.load(open('MODEL/model.json'))['modalities'][\1]['var_names']"),
    # the RNA-alone fix above for an --h5ad input too, which mudata.read_h5mu refuses (an AnnData): split it as jae does;
    # and for a --10x input (a Cell Ranger ARC sample on peaks of its own), which neither reads
    (r"\bits RNA written to an \.h5ad of its own, e\.g\. in Python mudata\.read_h5mu\(FILE\)\['rna'\]\.write_h5ad\("
     r"'rna\.h5ad'\)\)",
     "its RNA written to an .h5ad of its own, e.g. in Python mudata.read_h5mu(FILE)['rna'].write_h5ad('rna.h5ad') for "
     "an --h5mu, jae.io.split_anndata(anndata.read_h5ad(FILE))['rna'].write_h5ad('rna.h5ad') for an --h5ad, "
     "jae.read_10x_h5(FILE)['rna'].write_h5ad('rna.h5ad') for a --10x)"),
    # ... whose RNA modality may have another name (gex, RNA: jae's --rna-mod finds it), where ['rna'] is a KeyError
    (r"(mudata\.read_h5mu\(FILE\)\['rna'\]\.write_h5ad\('rna\.h5ad'\) for an --h5mu)\b",
     r"\1 (with its RNA modality's name in place of 'rna' where the file names it otherwise, e.g. 'gex' or 'RNA')"),
    # jae.datasets.write_simulated's path inside a model folder (jae.io.outputs.check_model_folders): jae simulate's OUT
    (r"^path (\S+) lies inside (.*): choose another path outside it$",
     r"OUT \1 lies inside \2: choose another OUT outside it"),
    # jae.io.raw.counts_hint_for: a modality's layer that may hold its counts, named (layers['raw_counts'])
    (r"\blayer='([^']*)' if that one holds them\)", r"--layer \1 if that one holds them)"),
    # jae.checkpoint.folder: a model folder that does not exist is the verbs' --model (the one folder they load)
    (r"^(.+?) does not exist; pass the folder a model was saved to\b",
     r"--model \1 does not exist; pass the folder a model was saved to"),
    # jae.io.cell_obs.pulled_name_fix: a column of a modality jae does not read (hashtags), as MuData names it
    (r"\bpulls it into mdata\.obs \(a modality jae does not read, e\.g\. hashtags\): pass --(batch-key|cell-type-key)="
     r"'([^']*)'", r"pulls it into mdata.obs (a modality jae does not read, e.g. hashtags): pass --\1 \2"),
    # jae.io.files.check_is_mudata: a Cell Ranger .h5 or a .loom given where an .h5mu is read, named by its path
    (r"^(.+?) is (a Cell Ranger [^;]*?|a loom file), not a MuData file \(\.h5mu\);",
     r"--h5mu file \1 is \2, not a MuData file;"),
    # jae.io.fragments (jae map / jae embed --fragments): the file is --fragments, the cells the input's
    (r"^fragments file ", "--fragments file "),
    (r"count_fragments counts ATAC fragments in a Multiome \(RNA \+ ATAC\) model's peaks; pass such a model, or "
     r"peak names$", "--fragments are counted in a Multiome (RNA + ATAC) model's peaks; pass such a model as --model, "
     "or drop --fragments"),
    # jae.io.peaks._model_peaks: --remap-peaks with a model without peaks; the peak names are a Python caller's fix
    (r"^remap_peaks: the model was fitted on (.+?), without peaks; give a model fitted on RNA \+ ATAC, or the peak "
     r"names to put the counts on$", r"--remap-peaks: the model was fitted on \1, without peaks: it puts a query's own "
     "peaks onto a Multiome (RNA + ATAC) model's; pass such a model as --model, or drop --remap-peaks"),
    (r"\bcells= barcodes\b", "input cells' barcodes (obs_names)"),
    # jae.io.peaks.remap_fix and features._naming_fix: the fragments route named for Python, --fragments in the CLI
    (r"\bwith jae\.count_fragments\(fragments_file, model, cells=data\.obs_names\)",
     "with --fragments FILE (jae embed, jae map; jae.count_fragments in Python)"),
    (r"\bpeaks: jae\.count_fragments\)", "peaks: --fragments FILE of jae embed and jae map)"),
    # jae.remap_peaks' refusal of peaks elsewhere (--remap-peaks): the exact route is --fragments, given in its place
    (r"\bin the model's peaks \(jae\.count_fragments\), or fit",
     "in the model's peaks (--fragments FILE in place of --remap-peaks), or fit"),
    # jae.workflows._fragments.check_fragments: both ways to give the query the model's peaks
    (r"^fragments= counts the query's ATAC in the model's peaks and remap_peaks=True puts",
     "--fragments counts the query's ATAC in the model's peaks and --remap-peaks puts"),
    # check_fragments with several --10x samples: one fragments file per sample, NAME=FILE
    (r"^fragments= names ", "--fragments names "),
    (r"; name each sample: fragments=\{'NAME': FILE, \.\.\.\}$",
     "; give each sample its own name as NAME=PATH, e.g. --fragments s1=FILE1 s2=FILE2"),
    (r"^fragments: ", "--fragments: "),
    (r"^fragments= must name one file per sample of the input", "--fragments must name one file per --10x sample"),
    # _fragments._example: fragments={'c': FILE1, 'd': FILE2} as --fragments c=FILE1 d=FILE2, the input's samples
    (r"\bfragments=\{((?:'[^']*': FILE\d+(?:, )?)+)(, \.\.\.)?\}$",
     lambda m: " ".join(["--fragments", *(f"{n}={f}" for n, f in re.findall(r"'([^']*)': (FILE\d+)", m[1]))])
     + (" ..." if m[2] else "")),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _PHRASES)
# a file path in a message (the user's own, e.g. x.test_mod1.h5ad or labels_out.csv): kept as written, never read
# as an argument name to translate
_PATH = re.compile(r"(?<![^\s'\"(])[\w./~+@%-]+\.(?:h5ad|h5mu|h5|csv|tsv|txt|json|pt|md|html|png|gz|mtx|loom|zarr)"
                   r"(?=[\s'\",;:.)]|$)")


def cli_message(text: str) -> str:
    """``text`` with its Python-argument fixes replaced by the CLI flags that do the same, on one line; the file
    paths it names are left as they are."""
    paths: list[str] = []

    def keep(match: re.Match) -> str:
        paths.append(match.group(0))
        return f"\0{len(paths) - 1}\0"

    text = _PATH.sub(keep, str(text))
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\0(\d+)\0", lambda m: paths[int(m.group(1))], text)
    return " ".join(text.split())


# Warnings, translated as the errors are (cli_warning) after these phrases of their own. A JAEConfig field is set by
# jae fit's --set: the fix names --set there; the other verbs have no --set, and there the field is the model's, set
# when it is fitted (jae fit --set); jae fit's own overrides are warned of as the FIELD=VALUE they came as. Each entry:
# (pattern, replacement for jae fit, replacement for the other verbs).
_WARNING_PHRASES: tuple[tuple[str, str, str], ...] = (
    # jae.preprocess.organism: the organism is jae fit's and jae evaluate's --organism (the verbs lacking it: as is)
    (r"\bpass organism='human' or 'mouse' to choose, or fit with JAEConfig\((\w+)=(\w+)\)",
     r"pass --organism human or mouse to choose, or fit with --set \1=\2",
     r"pass --organism human or mouse to choose, or fit with jae fit --set \1=\2"),
    (r"\bset JAEConfig\((\w+)=(['\"]?)([^)'\"]*)\2\)", r"pass --set \1=\3",
     r"set \1=\3 (a setting of the model: jae fit --set \1=\3)"),
    (r"\bJAEConfig\((\w+)=(['\"]?)([^)'\"]*)\2\)", r"--set \1=\3", r"\1=\3 (a setting of the model: jae fit --set \1=\3)"),
    (r"\bJAEConfig\((\w+)\)", r"\1 (--set \1=VALUE)", r"\1 (a setting of the model: jae fit --set \1=VALUE)"),
    # jae.io.validate / jae.io.modality: the flag beside its Python argument; the CLI's reader needs the flag alone
    (r" / batch_key=None\)", ")", ")"),
    (r" \(batch_key='[^']*'\)", "", ""),
    (r"--annotations FILE \(InputFiles\(\.\.\., annotations=FILE\)\)", "--annotations FILE", "--annotations FILE"),
    (r"; mod2_kind= or other_kind= in Python\)", ")", ")"),
    # jae.labels: a format < 5 model fine-tuned (jae embed); "refit the model" alone is the errors' "refit it with jae fit"
    (r"\brefit the model with this jae version\b", "refit it with this jae version (jae fit)",
     "refit it with this jae version (jae fit)"),
    # jae.io.modality.log_set_aside: a hashtag modality's demultiplexing results, a column for --batch-key
    (r"\bpassed as batch_key \(--batch-key\)", "passed as --batch-key", "passed as --batch-key"),
)
_WARNING_COMPILED = tuple((re.compile(p), fit, other) for p, fit, other in _WARNING_PHRASES)
#: The verbs with --organism (jae.preprocess.organism's fix); the others keep it as the library says it.
_ORGANISM_VERBS = ("fit", "evaluate")


def cli_words(text: str, verb: str | None) -> str:
    """A log line of the library with its JAEConfig settings as jae fit's ``--set`` (the other verbs, which have no
    --set, name the model's setting and jae fit --set) and the other phrases of :data:`_WARNING_PHRASES`; an INFO
    line gets these alone (e.g. 'JAEConfig(max_batch_scale=1) keeps batch 32' of a large fit)."""
    for pattern, fit, other in _WARNING_COMPILED:
        if "organism" in pattern.pattern and verb not in _ORGANISM_VERBS:
            continue
        text = pattern.sub(fit if verb == "fit" else other, text)
    return text


# jae map's refusals of cells measured in the second modality alone: the library's fix (:func:`cli_message`'s words)
# embeds them, jae embed's call, which does not map them; jae map's maps them onto --model and saves the model to --out
_EMBED_FIXES = (
    re.compile(r"\bsecond modality alone are embedded in Python: model\.embed\((mudata\.MuData\(\{'mod2': "
               r"anndata\.read_h5ad\(.*?\)\}\))\)"),
    re.compile(r"\bor embed them in Python: model\.embed\((mudata\.read_h5mu\(FILE\))\)"),
)


def map_words(text: str, args) -> str:
    """``text``, an error of ``jae map`` in the CLI's words (:func:`cli_message`), with the fix that embeds cells
    measured in the second modality alone (``model.embed``) as the call that maps them: ``jae.map_files``' call in
    memory (:mod:`jae.io.call_fixes`) of the model ``--model``, saved to ``--out``, with the flags given
    (``--batch-key``, ``--layer``, ``--annotations``, ``--epochs``, ``--seed``, ``--device``, ``--overwrite``)."""
    from ..io.call_fixes import call_words, differing, memory_call
    from ..io.inputs import InputFiles
    from ..workflows.joint import map_files
    from ._inputs import layer_arg

    given = {**differing(InputFiles, {"layer": layer_arg(args)}),
             **differing(map_files, {"epochs": args.epochs, "seed": args.seed, "device": args.device,
                                     "overwrite": args.overwrite})}
    if args.annotations:  # (InputFiles' default: none)
        given["annotations"] = args.annotations

    def call(match: re.Match) -> str:
        said = "second modality alone are mapped" if match.group(0).startswith("second") else "or map them"
        with call_words("map_files", batch_key=args.batch_key, model=args.model, out=args.out, given=given):
            mapped = memory_call(match.group(1).replace("{", "{{").replace("}", "}}"))
        return f"{said} in Python: {mapped}"

    for pattern in _EMBED_FIXES:
        text = pattern.sub(call, text)
    return text


def cli_warning(text: str, verb: str | None) -> str:
    """A warning of the library in the words of the CLI verb ``verb`` that shows it: :func:`cli_words`, then the
    phrases of :func:`cli_message`."""
    return cli_message(cli_words(text, verb))
