"""Errors of MemN2N bAbI models per task, and the paper's table 1 layout."""

import pathlib

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications.memn2n_babi import model as model_lib
from keras_memory.applications.memn2n_babi import presets
from keras_memory.applications.tables import format_table
from keras_memory.datasets import babi

# A task "fails" above 5% test error (Weston et al. 2015).
FAILED_ERROR = 5.0
SPLITS = ("test", "train", "validation")


def evaluate_babi(
    model,
    directory,
    split="test",
    vocabulary=None,
    tasks="all",
    memory_size=model_lib.MEMORY_SIZE,
    validation_fraction=0.1,
    seed=0,
    batch_size=512,
):
    """Error (%) of `model` on every bAbI task found in `directory`.

    Splits:

    - `"test"` or `"train"`: every `qa{N}_*_{split}.txt` in `directory`,
      whole.
    - `"validation"`: the stories of the `qa{N}_*_train.txt` files that
      `load_babi` holds out (`validation_fraction`, `seed`): what
      `train_babi` measures and the shipped metadata reports.

    Args:
        model: A `MemN2NbAbI` model (or any model with inputs `"story"` and
            `"question"` and an output `"answer"` over `vocabulary`), or a
            dict `{task: model}` with a model for every task evaluated (as
            from `babi_models()`: per-task weights where shipped, the
            joint model elsewhere).
        directory: Folder of bAbI files.
        split: `"test"`, `"train"` or `"validation"`. Default: `"test"`.
        vocabulary: The model's vocabulary (token -> id). Default: `None`,
            the shipped `"babi-en-1k"` vocabulary.
        tasks: Task number, list of them, or `"all"` (every task with a
            file). Default: `"all"`.
        memory_size: Statements kept before each question. Default: `50`.
        validation_fraction, seed: The held-out split, as in `load_babi`.
        batch_size: Positive integer. Default: `512`.

    Returns:
        `{task: error %}` for the tasks found, in task order.

    Raises:
        ValueError: for a bad `split` or `tasks`, a vocabulary whose size is
            not the model's, a dict of models without one of the tasks, or
            when `directory` holds no file of the split.
    """
    validation.check_choice("split", split, SPLITS)
    if vocabulary is None:
        vocabulary = presets.load_vocabulary("babi-en-1k")
    vocabulary = babi.check_vocabulary(vocabulary)
    models = model if isinstance(model, dict) else None
    for one in models.values() if models is not None else [model]:
        vocab_size = model_lib.model_vocab_size(one)
        if vocab_size is not None and vocab_size != len(vocabulary):
            raise validation.invalid_argument(
                "vocabulary",
                f"the model's vocabulary of {vocab_size} entries",
                f"a vocabulary of {len(vocabulary)} entries",
            )
    file_split = "train" if split == "validation" else split
    found = find_task_files(directory, file_split)
    if tasks != "all":
        wanted = babi.check_tasks(tasks)
        missing = [task for task in wanted if task not in found]
        if missing:
            raise ValueError(f"No qa{missing[0]}_*_{file_split}.txt file in {str(directory)!r}.")
        found = {task: found[task] for task in wanted}
    if not found:
        raise ValueError(
            f"Received an invalid value for argument `directory`: no bAbI "
            f"file qa*_{file_split}.txt in {str(directory)!r}."
        )
    if models is not None:
        missing = [task for task in found if task not in models]
        if missing:
            raise validation.invalid_argument(
                "model",
                "a model, or a dict with a model for every task evaluated",
                f"a dict without task {missing[0]}",
            )
    errors = {}
    for task, path in found.items():
        examples = babi.read_babi_file(path, memory_size)
        if split == "validation":  # the stories that load_babi holds out
            _, examples = babi.split_stories(
                examples, validation_fraction, babi.task_split_seed(seed, task)
            )
        story, question, answer = babi.vectorize(examples, vocabulary, memory_size)
        arrays = babi.BabiArrays(
            story, question, answer, np.full(len(answer), task, "int32"),
            np.zeros(story.shape[:2], bool),
        )
        answering = models[task] if models is not None else model
        errors.update(task_errors(answering, arrays, batch_size))
    return errors


def find_task_files(directory, split="test"):
    """`{task: path}` of the `qa{N}_*_{split}.txt` files in `directory`."""
    directory = pathlib.Path(directory)
    files = {}
    if not directory.is_dir():
        return files
    for path in sorted(directory.glob(f"qa*_*_{split}.txt")):
        number = path.name[2:].split("_", 1)[0]
        if number.isdigit() and int(number) in babi.ALL_TASKS:
            if int(number) in files:
                raise ValueError(
                    f"Two files of task {number} in {str(directory)!r}: "
                    f"{files[int(number)].name} and {path.name}."
                )
            files[int(number)] = path
    return dict(sorted(files.items()))


def _batched_predict(model, story, question, batch_size=512):
    probabilities = []
    for start in range(0, len(story), batch_size):
        outputs = model(
            [story[start : start + batch_size], question[start : start + batch_size]],
            training=False,
        )
        if isinstance(outputs, dict):
            outputs = outputs["answer"]
        probabilities.append(keras.ops.convert_to_numpy(outputs))
    return np.concatenate(probabilities) if probabilities else np.zeros((0, 1))


def task_errors(model, arrays, batch_size=512):
    """Error (%) per task of `model` on `BabiArrays`: `{task: error}`."""
    if arrays.num_examples == 0:
        return {}
    predicted = _batched_predict(model, arrays.story, arrays.question, batch_size)
    wrong = predicted.argmax(-1) != arrays.answer
    return {
        int(task): round(100.0 * float(wrong[arrays.task == task].mean()), 2)
        for task in np.unique(arrays.task)
    }


def summarize_errors(errors):
    """`{"tasks": {...}, "mean_error": ..., "failed_tasks": ...}` of errors.

    Args:
        errors: `{task: error %}`.

    Returns:
        The JSON layout of `keras-memory evaluate babi --format json`: per
        task the error and whether it failed (more than 5%), the mean error
        and the number of failed tasks.
    """
    tasks = {
        str(task): {"error": float(error), "failed": bool(error > FAILED_ERROR)}
        for task, error in sorted(errors.items())
    }
    values = list(errors.values())
    return {
        "tasks": tasks,
        "mean_error": round(float(np.mean(values)), 2) if values else float("nan"),
        "failed_tasks": int(sum(error > FAILED_ERROR for error in values)),
    }


def error_table(errors, paper="PE LS RN joint", title="MemN2N", models=None):
    """The header, rows and alignments of `format_error_table`'s table."""
    if paper is not None:
        validation.check_choice("paper", paper, presets.PAPER_SETUPS)
    summary = summarize_errors(errors)
    header = ["Task", f"{title} error (%)", "Failed"]
    align = ["left", "right", "center"]
    if models is not None:
        header.append("Model")
        align.append("center")
    reference = presets.paper_errors(paper)["errors"] if paper else {}
    if paper:
        header.append(f"Paper, {paper} (%)")
        align.append("right")
    rows = []
    for task, row in summary["tasks"].items():
        cells = [f"{task}: {babi.TASK_NAMES[int(task)]}", f"{row['error']:.1f}"]
        cells.append("yes" if row["failed"] else "")
        if models is not None:
            cells.append(models[int(task)])
        if paper:
            cells.append(f"{reference[int(task)]:.1f}")
        rows.append(cells)
    blank = [""] if models is not None else []
    mean = ["Mean error (%)", f"{summary['mean_error']:.1f}", "", *blank]
    failed = ["Failed tasks (error > 5%)", str(summary["failed_tasks"]), "", *blank]
    if paper:
        shown = [reference[int(task)] for task in summary["tasks"]]
        mean.append(f"{np.mean(shown):.1f}")
        failed.append(str(sum(error > FAILED_ERROR for error in shown)))
    return header, [*rows, mean, failed], align


def format_error_table(errors, paper="PE LS RN joint", title="MemN2N", models=None):
    """The paper's table 1 layout: task, error, failed, and the paper's error.

    Args:
        errors: `{task: error %}`.
        paper: `"PE LS RN joint"` or `"PE LS RN"`, the paper's column to
            print beside (`paper_errors`), or `None`.
        title: Header of the measured column.
        models: Optional `{task: label}` of the model that answered each
            task (e.g. `"per-task"` or `"joint"`): a `Model` column after
            `Failed`. Default: `None`, no such column.

    Returns:
        A Markdown table (`keras_memory.applications.tables.format_table`),
        one row per task, then the mean error and the number of failed
        tasks (error > 5%).
    """
    return format_table(*error_table(errors, paper, title, models))
