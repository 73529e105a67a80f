"""docs/results.md against the shipped metadata and a re-measurement.

The shipped weights were trained for tens of minutes; their tables in
docs/results.md were copied by hand from `saved_models/*/metadata.json`.
These tests parse the tables and compare them with the metadata, and re-run
the shipped copy machine on a few of the long sequences that the page says
it copies without an error.
"""

import pathlib
import re

import numpy as np
import pytest

from keras_memory.applications import NTMCopy
from keras_memory.applications import memn2n_babi
from keras_memory.applications import ntm_copy

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "results.md"


def _section(heading):
    """The text under `heading` (a full heading line) up to the next heading."""
    text = RESULTS.read_text()
    assert text.count(f"\n{heading}\n") == 1, heading
    level = heading.split()[0]
    body = text.split(f"\n{heading}\n")[1]
    return re.split(rf"\n#{{1,{len(level)}}} ", body)[0]


def _tables(text):
    """Every markdown table in `text` as a list of rows of stripped cells."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= set("-: ") for cell in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def _table(text, first_header):
    (table,) = [t for t in _tables(text) if t[0][0] == first_header]
    return table


def _prose(text):
    return " ".join(text.split())


# --- The shipped NTM copy machine -------------------------------------------------


def _ntm_section():
    return _section("### The shipped copy machine")


def test_ntm_bit_error_table_is_the_metadata():
    metadata = ntm_copy.shipped_metadata("copy")
    evaluation = metadata["evaluation"]["bit_errors_per_length"]
    generalisation = metadata["generalisation"]["bit_errors_per_length"]
    header, row = _table(_ntm_section(), "lengths")
    assert row[0] == "bit errors per sequence"
    shown = dict(zip(header[1:], row[1:]))
    assert shown.pop("1 to 19") == f"{max(evaluation[str(n)] for n in range(1, 20)):.2f}"
    # 20 is the last training length: the 100-sequence evaluation's number.
    assert shown.pop("20") == f"{evaluation['20']:.2f}"
    longer = {length: f"{generalisation[length]:.2f}" for length in generalisation}
    assert shown == {length: longer[length] for length in shown}
    assert sorted(shown, key=int) == sorted(set(generalisation) - {"20"}, key=int)


def test_ntm_evaluation_setup_and_training_budget_are_the_metadata():
    metadata = ntm_copy.shipped_metadata("copy")
    section = _ntm_section()
    evaluation, generalisation = metadata["evaluation"], metadata["generalisation"]
    assert (
        f"seed {evaluation['seed']}, {evaluation['sequences_per_length']} per length for "
        f"1 to 20; seed {generalisation['seed']}, {generalisation['sequences_per_length']} "
        f"per length above, with the memory enlarged to `N = "
        f"{generalisation['memory_size']}`" in _prose(section)
    )
    history = metadata["phase_1_history"]
    below = next(h["sequences"] for h in history if h["mean_bit_errors"] < 0.1)
    zero = next(h["sequences"] for h in history if h["mean_bit_errors"] == 0.0)
    assert below == metadata["training"]["first_sequences_below_0.1_bit_errors"]
    assert zero == metadata["training"]["phases"][0]["sequences"]
    table = {row[0].split(" (")[0]: row[1] for row in _table(section, "")[1:]}
    assert table == {
        "first evaluation under 0.1 bit errors per sequence": f"{below:,}",
        "first evaluation with no bit error": f"{zero:,}",
        "shipped: then 4,000 sequences at learning rate 2e-5": f"{metadata['sequences']:,}",
    }
    second = metadata["training"]["phases"][1]
    assert (second["sequences"], second["learning_rate"]) == (4000, 2e-5)
    assert zero + second["sequences"] == metadata["sequences"]
    values = list(evaluation["bit_errors_per_length"].values())
    assert metadata["mean_bit_errors"] == pytest.approx(np.mean(values))
    assert metadata["max_bit_errors"] == max(values)


def test_shipped_ntm_copies_60_and_120_vectors_without_an_error_with_n_256():
    # The claim: "ours copies 120 vectors without an error after training on
    # at most 20", with the memory enlarged to N = 256 (it holds no weights).
    model = NTMCopy(weights="copy", memory_size=256)
    errors = ntm_copy.evaluate_copy(model, lengths=(60, 120), sequences_per_length=4, seed=2027)
    assert errors == {60: 0.0, 120: 0.0}


# --- MemN2N on bAbI ---------------------------------------------------------------


def _cell(text):
    """`(value or None, failed, bold)` of a cell such as `**13.0 (failed)**`."""
    bold = text.startswith("**") and text.endswith("**")
    text = text.strip("*").strip()
    failed = text.endswith("(failed)")
    text = text.removesuffix("(failed)").strip()
    return (None if text == "not trained" else float(text)), failed, bold


def _babi_table():
    section = _section("## End-to-End Memory Networks on bAbI")
    table = _table(section, "Task")
    header, rows = table[0], table[1:]
    assert header == [
        "Task",
        "Paper, PE LS RN joint, test (%)",
        "Paper, PE LS RN per task, test (%)",
        "Ours, joint (%)",
        "Ours, per task (%)",
        "Used",
        "Ours, combined (%)",
    ]
    tasks = {int(row[0].split(":")[0]): row for row in rows[:-2]}
    assert sorted(tasks) == list(range(1, 21))
    mean, failed = rows[-2], rows[-1]
    assert (mean[0], failed[0]) == ("**Mean error (%)**", "**Failed tasks (error > 5%)**")
    return tasks, mean, failed, _prose(section)


def _formatted(error):
    return f"{error:.1f}"


def test_babi_table_is_the_metadata_task_by_task():
    metadata = memn2n_babi.shipped_metadata()
    paper = metadata["paper"]["PE LS RN joint"]["errors"]
    joint = metadata["validation_errors"]
    per_task = metadata["per_task"]["tasks"]
    combined = metadata["combined"]["validation_errors"]
    tasks, _, _, _ = _babi_table()
    for task, row in tasks.items():
        key = str(task)
        cells = [_cell(cell) for cell in row[1:5]] + [None, _cell(row[6])]
        for (value, failed, _), expected in (
            (cells[0], paper[key]), (cells[2], joint[key]), (cells[5], combined[key]),
        ):
            assert (_formatted(value), failed) == (_formatted(expected), expected > 5), task
        record = per_task[key]
        value, failed, bold = cells[3]
        if record["per_task_error"] is None:
            assert value is None, task
        else:
            assert (_formatted(value), failed) == (
                _formatted(record["per_task_error"]), record["per_task_error"] > 5
            ), task
        # The rule: per-task weights where they fit the training questions
        # better than the joint model (the reported split does not choose).
        used = record["used"]
        beats = (
            record["per_task_training_error"] is not None
            and record["per_task_training_error"] < record["joint_training_error"]
        )
        assert used == ("per-task" if beats else "joint"), task
        assert (row[5], bold) == (used, used == "per-task"), task
        assert combined[key] == (record["per_task_error"] if beats else joint[key]), task


def test_babi_summary_rows_are_the_metadata():
    metadata = memn2n_babi.shipped_metadata()
    tasks, mean, failed, prose = _babi_table()
    paper = metadata["paper"]["PE LS RN joint"]
    combined = metadata["combined"]
    columns = {1: "paper joint", 2: "paper per task", 3: "joint", 6: "combined"}
    stated = {
        "paper joint": (paper["mean_error"], paper["failed_tasks"]),
        "joint": (metadata["mean_validation_error"], metadata["failed_tasks"]),
        "combined": (combined["mean_validation_error"], combined["failed_tasks"]),
    }
    for index, name in columns.items():
        values = [_cell(row[index])[0] for row in tasks.values()]
        errors = {
            "paper joint": list(paper["errors"].values()),
            "joint": list(metadata["validation_errors"].values()),
            "combined": list(combined["validation_errors"].values()),
        }.get(name, values)
        # The page's mean and count are those of the column (and of the metadata).
        assert mean[index] == f"**{np.mean(errors):.1f}**", name
        assert failed[index] == f"**{sum(e > 5 for e in errors)}**", name
        if name in stated:
            mean_error, failed_tasks = stated[name]
            assert f"{mean_error:.1f}" == f"{np.mean(errors):.1f}", name
            assert failed_tasks == sum(e > 5 for e in errors), name
    assert (
        f"mean validation error is {combined['mean_validation_error']:.1f} % with "
        f"{combined['failed_tasks']} failed tasks" in prose
    )


# --- The shipped date normaliser ---------------------------------------------------


def test_date_table_and_budget_are_the_metadata():
    from keras_memory.applications import seq2seq

    metadata = seq2seq.shipped_metadata("dates")
    evaluation, training = metadata["evaluation"], metadata["training"]
    section = _section("### The shipped date normaliser")
    rows = _table(section, "decoding")
    assert rows[0] == ["decoding", "English", "French", "German", "goal"]
    goal = f"{evaluation['goal_exact_match_per_language']:.1f}"
    for row, key in zip(rows[1:], ("greedy", "beam_4")):
        languages = evaluation[key]["languages"]
        assert row[1:] == [f"{languages[code]:.1f}" for code in ("en", "fr", "de")] + [goal]
        # "Every one of the eleven formats is at 100.0 as well".
        assert set(evaluation[key]["formats"].values()) == {100.0}
        assert len(evaluation[key]["formats"]) == 11
    prose = _prose(section)
    assert f"{evaluation['examples_per_language']:,} held-out test dates" in prose
    assert f"{training['steps']:,} steps" in prose
    assert f"{training['examples']:,} training dates" in prose
    assert f"{round(training['wall_seconds'])} s" in prose
    assert f"--epochs {training['epochs']} --seed {training['seed']}" in prose


# --- The shipped glimpse classifiers -----------------------------------------------


def test_glimpse_table_and_budgets_are_the_metadata():
    from keras_memory.applications import glimpse

    section = _section("### The shipped glimpse classifiers")
    rows = _table(section, "setup")
    assert rows[0] == [
        "setup", "epochs", "training s", "validation error, mean path (%)",
        "10 sampled paths (%)", "paper, test (%)",
    ]
    assert [row[0] for row in rows[1:]] == ["mnist_28x28", "cluttered_60x60"]
    prose = _prose(section)
    for row in rows[1:]:
        metadata = glimpse.shipped_metadata(row[0])
        training, errors = metadata["training"], metadata["validation"]
        assert row[1:] == [
            str(training["epochs"]),
            str(round(training["wall_seconds"])),
            f"{errors['error_percent_mean_path']:.1f}",
            f"{errors['error_percent_monte_carlo_10']:.1f}",
            f"{metadata['paper']['test_error_percent']:.2f}",
        ]
        assert training["command"] in prose


# --- The shipped captioner -----------------------------------------------------------


def test_captioner_table_and_command_are_the_metadata():
    from keras_memory.applications import captioning

    section = _section("### The shipped captioner")
    rows = _table(section, "weights")
    assert rows[0] == [
        "weights", "scenes", "epochs", "training s", "exact (%)", "1 obj. (%)", "2 obj. (%)",
        "3 obj. (%)", "BLEU-4", "attention correct (%)",
    ]  # fmt: skip
    metadata = captioning.shipped_metadata("shapes")
    training, held_out = metadata["training"], metadata["validation"]
    by_objects = held_out["exact_match_by_objects"]
    assert rows[1] == [
        "shapes",
        str(held_out["scenes"]),
        str(training["epochs"]),
        str(round(training["wall_seconds"])),
        f"{held_out['exact_match']:.1f}",
        *(f"{by_objects[k]:.1f}" for k in ("1", "2", "3")),
        f"{held_out['bleu']['4']:.2f}",
        f"{held_out['attention_correctness']:.1f}",
    ]
    assert training["command"] in _prose(section)
