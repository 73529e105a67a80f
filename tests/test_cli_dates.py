"""`keras-memory translate`, `train dates` and `evaluate dates` on the command line."""

import io

import pytest

from keras_memory import cli
from keras_memory.recipes import dates as recipe_module


def test_translate_from_argv(capsys):
    assert cli.main(["translate", "mardi 4 mai 1999", "May 4th, 1999", "04.05.99"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1999-05-04"] * 3


def test_translate_from_stdin_one_line_per_input(capsys, monkeypatch):
    lines = "Dienstag, 4. Mai 1999\n\nle 1er janvier 2000\r\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert cli.main(["translate", "--beam-width", "4"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1999-05-04", "", "2000-01-01"]


def test_translate_refuses_bad_options(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["translate", "--beam-width", "0", "4 mai 1999"])
    assert exit_info.value.code == 2
    assert "--beam-width" in capsys.readouterr().err
    assert cli.main(["translate", "--weights", str(tmp_path / "none.weights.h5"), "x"]) == 2
    assert "argument `weights`" in capsys.readouterr().err


def test_evaluate_dates_prints_the_shipped_table(capsys, monkeypatch):
    monkeypatch.setattr(recipe_module, "EVALUATION_EXAMPLES", 30)
    assert cli.main(["evaluate", "dates"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Exact match (%) of dates on held-out test dates:"
    assert [cell.strip() for cell in lines[1].split("|")[1:-1]] == [
        "Language", "Format", "Examples", "Greedy (%)", "Beam 4 (%)"
    ]
    assert lines[-1].replace(" ", "").startswith("|all|all|30|")


def test_train_dates_refuses_a_bad_output(capsys):
    assert cli.main(["train", "dates", "--output", "dates.keras"]) == 2
    assert "argument `--output`" in capsys.readouterr().err
