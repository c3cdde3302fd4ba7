"""Session 54: argparse's errors in one line each (jae.cli._parser). ``jae fit --no-such-flag`` printed an 8-line usage
block and then 'the following arguments are required: --out', never naming the typo; ``jae fit --out m --bogus``
was refused by the top parser ('jae: error: ...', its usage); a near miss (--batchkey, jae fitt) got no suggestion."""

from __future__ import annotations

import pytest

from jae.cli import VERBS, main


def _refused(capsys, argv):
    """main(argv)'s exit status and its stderr lines (stdout must stay empty)."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    assert out == ""
    return stop.value.code, err.splitlines()


@pytest.mark.parametrize("verb", VERBS)
def test_an_unknown_flag_is_one_line_naming_the_verb_and_its_help(capsys, verb):
    code, lines = _refused(capsys, [verb, "--no-such-flag"])
    assert code == 2
    assert lines == [f"jae {verb}: error: unrecognized arguments: --no-such-flag; jae {verb} --help lists the flags"]


def test_an_unknown_flag_is_said_before_the_required_flag_it_left_missing(capsys):
    code, lines = _refused(capsys, ["fit", "--h5mu", "x.h5mu", "--out-dir", "m"])
    assert code == 2
    assert lines == ["jae fit: error: unrecognized arguments: --out-dir; did you mean --out? (jae fit --help lists the "
                     "flags)"]


def test_a_data_file_without_its_flag_is_said_before_the_missing_output(capsys):
    code, lines = _refused(capsys, ["fit", "x.h5mu"])  # --out is missing too
    assert code == 2
    assert lines == ["jae fit: error: unrecognized arguments: x.h5mu; jae fit takes its input by flag: --h5mu FILE "
                     "(jae fit --help lists the flags)"]


def test_an_unknown_flag_after_every_required_one_is_the_verbs_not_the_top_parsers(capsys):
    code, lines = _refused(capsys, ["fit", "--mod1", "x.h5ad", "--mod2", "y.h5ad", "--out", "m", "--batchkey", "b"])
    assert code == 2
    assert lines == ["jae fit: error: unrecognized arguments: --batchkey; did you mean --batch-key? (jae fit --help "
                     "lists the flags)"]


@pytest.mark.parametrize("argv, close", [
    (["map", "--modle", "m"], "--model"),
    (["evaluate", "--obsmm", "X"], "--obsm"),
    (["fit", "--modl", "x.h5ad"], "--mod1, --mod2 or --mode"),  # equally close: each named
])
def test_a_near_flag_is_suggested(capsys, argv, close):
    code, lines = _refused(capsys, argv)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(f"jae {argv[0]}: error: unrecognized arguments: {argv[1]}; did you mean {close}? ")


def test_a_far_flag_gets_no_suggestion(capsys):
    code, lines = _refused(capsys, ["demo", "--bogus"])
    assert code == 2 and lines == ["jae demo: error: unrecognized arguments: --bogus; jae demo --help lists the flags"]


def test_a_near_verb_is_suggested(capsys):
    code, lines = _refused(capsys, ["fitt", "--out", "m"])
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("jae: error: argument VERB: invalid choice: 'fitt' (choose from 'demo', 'fit', ")
    assert lines[0].endswith("; did you mean 'fit'? (jae --help lists the verbs and flags)")


def test_a_near_choice_of_a_flag_is_suggested(capsys):
    code, lines = _refused(capsys, ["fit", "--h5mu", "x.h5mu", "--out", "m", "--mode", "supervisd"])
    assert code == 2
    assert lines == ["jae fit: error: argument --mode: invalid choice: 'supervisd' (choose from 'supervised', "
                     "'unsupervised'); did you mean 'supervised'? (jae fit --help lists the flags)"]


def test_an_unknown_flag_before_the_verb_is_the_top_parsers_and_comes_first(capsys):
    code, lines = _refused(capsys, ["--bogus", "fit"])  # jae fit's --out is missing too
    assert code == 2 and lines == ["jae: error: unrecognized arguments: --bogus; jae --help lists the verbs and flags"]


@pytest.mark.parametrize("argv, message", [
    (["fit", "--h5mu", "x.h5mu", "--out", "m", "--seed", "abc"],
     "jae fit: error: argument --seed: expected a whole number (e.g. 500 or 1e3), not 'abc'"),
    (["fit", "--h5mu", "x.h5mu"], "jae fit: error: the following arguments are required: --out"),
    (["simulate", "s", "--n-cell", "5"], "jae simulate: error: ambiguous option: --n-cell could match --n-cells, "
     "--n-cell-types"),
])
def test_argparses_own_messages_stay_without_the_usage_block(capsys, argv, message):
    code, lines = _refused(capsys, argv)
    assert code == 2 and lines == [f"{message}; jae {argv[0]} --help lists the flags"]


@pytest.mark.parametrize("verb", ["", *VERBS])
def test_help_is_argparses_usage_still(capsys, verb):
    with pytest.raises(SystemExit) as stop:
        main([verb, "--help"] if verb else ["--help"])
    out, err = capsys.readouterr()
    assert stop.value.code == 0 and err == ""
    assert out.splitlines()[0].startswith(f"usage: jae {verb} [-h]" if verb else "usage: jae [-h] [--version]")


def test_a_dash_value_of_a_flag_is_that_flags_missing_value_not_an_unknown_flag(capsys):
    """``--seed -inf``: argparse reads '-inf' as a flag, so --seed has no value; the line names --seed (as argparse
    did), not '-inf' as an unrecognised argument (the review of session 54)."""
    code, lines = _refused(capsys, ["fit", "--h5mu", "x.h5mu", "--out", "m", "--seed", "-inf"])
    assert code == 2
    assert lines == ["jae fit: error: argument --seed: expected one argument; jae fit --help lists the flags"]
    code, lines = _refused(capsys, ["fit", "--h5mu", "x.h5mu", "--out", "m", "--overwrite", "-inf"])  # takes none
    assert lines == ["jae fit: error: unrecognized arguments: -inf; jae fit --help lists the flags"]
