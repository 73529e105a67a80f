"""Recipe: the End-to-End Memory Network answers bAbI questions.

`keras-memory train babi --data DIR` trains `MemN2NbAbI` on the bAbI
training files in `DIR` with the paper's procedure
(`keras_memory.applications.memn2n_babi.train_babi`: jointly on every task
found, or on one with `--task`), and `keras-memory evaluate babi --data
DIR` prints the error per task beside the paper's, from the shipped
weights (per-task models where they beat the joint one) or `--weights`.
"""

import pathlib

from keras_memory.recipes import Recipe
from keras_memory.recipes import Report

TRAIN_OUTPUT = "memn2n_babi/babi.weights.h5"
SHIPPED = "babi-en-1k"


def check_data(data, split="train"):
    """`data` as a path holding `qa*_{split}.txt` files, or raises ValueError."""
    if data is None:
        raise ValueError(
            "Received no value for argument `--data`, expected the folder of "
            f"the bAbI files (qa1_single-supporting-fact_{split}.txt, ...)."
        )
    directory = pathlib.Path(data)
    if not any(directory.glob(f"qa*_*_{split}.txt")):
        why = "no such folder" if not directory.is_dir() else "no such file in it"
        raise ValueError(
            "Received an invalid value for argument `--data`, expected a "
            f"folder with bAbI files qa*_{split}.txt, got {str(data)!r} ({why})."
        )
    return directory


def train(options):
    """`keras-memory train babi`: the paper's training, the validation table."""
    from keras_memory.applications import memn2n_babi

    directory = check_data(options.data, "train")
    output = pathlib.Path(options.output or TRAIN_OUTPUT)
    if not output.name.endswith(".weights.h5"):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a "
            "path ending in .weights.h5 (written with vocabulary.json and "
            f"metadata.json beside it), got {str(output)!r}."
        )
    # "all": every task with a training file in DIR (the 20 of the
    # distribution, or the few a user has).
    tasks = options.task or sorted(memn2n_babi.find_task_files(directory, "train"))
    settings = {
        "tasks": tasks,
        "epochs": options.epochs,  # None: the paper's run for one or several tasks
        "jit_compile": not options.no_jit,
        "verbose": 2,
    }
    runs = getattr(options, "runs", None) or 1
    if runs == 1:
        result = memn2n_babi.train_babi(
            directory, seed=options.seed, output=output,
            # --backup-dir: a backup every epoch; the same command resumes.
            backup_dir=getattr(options, "backup_dir", None), **settings,
        )
        notes = ()
    else:
        if getattr(options, "backup_dir", None) is not None:
            raise ValueError(
                "Received an invalid value for argument `--backup-dir`: it "
                f"backs up one run, got it with --runs {runs}."
            )
        result = memn2n_babi.train_babi_runs(
            directory, runs=runs, seed=options.seed, output=output,
            report=_print_run, **settings,
        )
        chosen = result["runs"][result["chosen_run"]]
        notes = (
            f"Kept run {result['chosen_run'] + 1} of {runs} (seed {chosen['seed']}): "
            "the lowest mean training error, the paper's rule",
        )
    errors = result["validation_errors"]
    return Report(
        lines=("", "Validation error per task (the held-out 10% of the training files):"),
        table=memn2n_babi.error_table(errors),
        notes=(*notes, f"Saved {output}, and vocabulary.json and metadata.json beside it"),
        data={**memn2n_babi.summarize_errors(errors), "runs": result.get("runs", [])},
    )


def _print_run(index, result):
    """Prints one run of `--runs`: its validation table and its training error."""
    from keras_memory.applications import memn2n_babi

    metadata = result["metadata"]
    print(
        f"\nRun {index + 1} (seed {metadata['training']['seed']}): mean training "
        f"error {metadata['mean_training_error']}%, validation error per task:",
        flush=True,
    )
    print(memn2n_babi.format_error_table(result["validation_errors"]), flush=True)


def evaluate(options):
    """`keras-memory evaluate babi`: per-task error in the paper's layout.

    With shipped weights every task is answered by the shipped per-task
    model where there is one (it beat the joint model on validation) and
    by the joint model elsewhere; `--joint-only` uses the joint model for
    all. A `--weights` file is one model for every task.
    """
    from keras_memory.applications import memn2n_babi

    file_split = "train" if options.split == "validation" else options.split
    directory = check_data(options.data, file_split)
    weights = options.weights or SHIPPED
    shipped = weights in memn2n_babi.SHIPPED_WEIGHTS
    if not shipped and not pathlib.Path(weights).is_file():
        raise ValueError(
            "Received an invalid value for argument `--weights`, expected "
            f"one of {sorted(memn2n_babi.SHIPPED_WEIGHTS)} or a .weights.h5 "
            f"file, got {weights!r}."
        )
    vocabulary = memn2n_babi.load_vocabulary(weights)
    labels = None
    if shipped:
        per_task = {} if options.joint_only else memn2n_babi.per_task_weights(weights)
        tasks = sorted(memn2n_babi.find_task_files(directory, file_split))
        model = memn2n_babi.babi_models(weights, tasks, per_task=not options.joint_only)
        labels = {task: "per-task" if task in per_task else "joint" for task in tasks}
        if options.joint_only:
            what = f"{weights}, joint only"
        else:
            answered = ", ".join(str(t) for t in sorted(per_task) if t in tasks) or "none"
            what = f"{weights}, per-task weights on tasks {answered}, joint elsewhere"
    else:
        model = memn2n_babi.MemN2NbAbI(weights=weights, vocabulary=vocabulary)
        what = weights
    errors = memn2n_babi.evaluate_babi(model, directory, options.split, vocabulary)
    return Report(
        lines=(f"MemN2N ({what}) on the {options.split} split of {directory}",),
        table=memn2n_babi.error_table(errors, title="MemN2N", models=labels),
        notes=("Paper: Sukhbaatar et al. 2015, table 1, MemN2N PE LS RN joint, 1k, test error.",),
        data=memn2n_babi.summarize_errors(errors),
    )


RECIPE = Recipe(
    name="babi",
    description=(
        "End-to-End Memory Network (PE LS RN) answers bAbI questions "
        "(Sukhbaatar et al. 2015); needs --data DIR of qa*_train.txt files."
    ),
    metric_name="mean validation error (%)",
    default_epochs=90,
    needs_data=True,
    data_description="the folder of the bAbI files (qa1_single-supporting-fact_train.txt, ...)",
    options=("data", "task", "no_jit", "runs"),
    run_train=train,
    run_evaluate=evaluate,
)
