"""The shipped MemN2N bAbI weights: files, vocabulary, metadata, per-task models.

`saved_models/memn2n_babi/` holds the joint model (`babi-en-1k.weights.h5`),
the per-task models that beat it on validation (`task<N>.weights.h5`), the
vocabulary they all share (`vocabulary.json`, the tokens by id) and
`metadata.json`: the training budget, the measured validation errors and
the paper's table 1 numbers (`"paper"`), which `paper_errors` reads; they
are written nowhere else.
"""

import json
import pathlib

from keras_memory import validation
from keras_memory.applications import shipped_weights
from keras_memory.datasets import babi

SHIPPED_WEIGHTS = {"babi-en-1k": "memn2n_babi/babi-en-1k.weights.h5"}
VOCABULARY_FILE = "vocabulary.json"
METADATA_FILE = "metadata.json"
PAPER_SETUPS = ("PE LS RN joint", "PE LS RN")


def shipped_weights_path(weights="babi-en-1k"):
    """Path of the shipped weights called `weights`."""
    return shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)


def weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(
        weights, SHIPPED_WEIGHTS, beside=" (with its vocabulary.json beside it)"
    )


def save_vocabulary(vocabulary, path):
    """Writes `vocabulary` (token -> id, ids 0..V-1) as a JSON list by id."""
    tokens = vocabulary_tokens(babi.check_vocabulary(vocabulary))
    pathlib.Path(path).write_text(json.dumps(tokens, indent=0) + "\n")


def read_vocabulary(path):
    """The vocabulary (token -> id) written by `save_vocabulary`."""
    try:
        tokens = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"The vocabulary file {str(path)!r} is not JSON text ({error})."
        ) from None
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ValueError(
            f"The vocabulary file {str(path)!r} must hold a JSON list of tokens "
            f"(strings, in id order), got {type(tokens).__name__} {str(tokens)[:60]}."
        )
    if len(set(tokens)) != len(tokens):
        raise ValueError(
            f"The vocabulary file {str(path)!r} lists a token twice: ids would collide."
        )
    return babi.check_vocabulary({token: i for i, token in enumerate(tokens)})


def vocabulary_tokens(vocabulary):
    """The tokens of `vocabulary` in id order; raises unless ids are 0..V-1."""
    tokens = sorted(vocabulary, key=vocabulary.get)
    if [vocabulary[token] for token in tokens] != list(range(len(tokens))):
        raise validation.invalid_argument(
            "vocabulary", "a dict whose ids are 0, 1, ..., V - 1", "other ids"
        )
    return tokens


def load_vocabulary(weights="babi-en-1k"):
    """The vocabulary that goes with `weights` (a shipped name or a path).

    A weights file `W.weights.h5` has its vocabulary in `vocabulary.json`
    in the same folder, as `train_babi` writes it.
    """
    path = weights_file(weights)
    if path is None:
        raise validation.invalid_argument(
            "weights", "a shipped name or a weights path (not None)", weights
        )
    vocabulary_path = path.with_name(VOCABULARY_FILE)
    if not vocabulary_path.is_file():
        raise FileNotFoundError(
            f"No vocabulary beside {path}: expected {vocabulary_path} (a "
            "JSON list of the tokens by id, as `train_babi` writes it)."
        )
    return read_vocabulary(vocabulary_path)


def shipped_metadata(weights="babi-en-1k"):
    """The metadata stored beside the shipped weights (budget, errors).

    `"validation_errors"`, `"mean_validation_error"` and `"failed_tasks"`
    are the joint model's; `"per_task"` holds, task by task, the joint and
    the per-task validation errors and which model answers the task
    (`"used"`: `"per-task"` or `"joint"`), `"combined"` the errors of that
    combination (what `babi_models()` answers with), and `"paper"` the
    paper's test errors (`paper_errors`).
    """
    path = shipped_weights_path(weights)
    return json.loads(path.with_name(METADATA_FILE).read_text())


def recorded_training(path):
    """The `"training"` record of the `metadata.json` beside `path`, or `{}`."""
    if path is None:
        return {}
    metadata_path = pathlib.Path(path).with_name(METADATA_FILE)
    if not metadata_path.is_file():
        return {}
    return json.loads(metadata_path.read_text()).get("training", {})


def paper_errors(setup="PE LS RN joint"):
    """The paper's test errors (%) on bAbI 1k, from the shipped metadata.

    Sukhbaatar et al. 2015, table 1: `"PE LS RN joint"` (one model for the
    20 tasks) or `"PE LS RN"` (one model per task).

    Returns:
        `{"errors": {task: error %}, "mean_error": ..., "failed_tasks": ...}`
        with integer tasks 1 to 20.
    """
    validation.check_choice("setup", setup, PAPER_SETUPS)
    row = shipped_metadata()["paper"][setup]
    return {
        "errors": {int(task): error for task, error in row["errors"].items()},
        "mean_error": row["mean_error"],
        "failed_tasks": row["failed_tasks"],
    }


def per_task_weights(weights="babi-en-1k"):
    """`{task: path}` of the per-task weights shipped beside `weights`.

    Only the tasks whose per-task model (the paper's per-task setup, d =
    20, trained on that task's file alone with the joint vocabulary) has a
    lower validation error than the joint model are listed: on every other
    task the joint model answers. See `shipped_metadata()["per_task"]`.
    """
    folder = shipped_weights_path(weights).parent
    rows = shipped_metadata(weights).get("per_task", {}).get("tasks", {})
    return {
        int(task): folder / row["weights"]
        for task, row in sorted(rows.items(), key=lambda item: int(item[0]))
        if row["used"] == "per-task"
    }


def babi_models(weights="babi-en-1k", tasks="all", per_task=True, return_attention=False):
    """`{task: model}`: the model that answers each task, with shipped weights.

    The shipped per-task model where it beat the joint model on the
    held-out validation split (`per_task_weights`), the joint model
    `MemN2NbAbI(weights)` elsewhere (one model object shared by those
    tasks). Every model takes the word ids of the joint vocabulary
    (`load_vocabulary(weights)`). `evaluate_babi` takes this dict.

    Args:
        weights: A shipped name. Default: `"babi-en-1k"`.
        tasks: Task number, list of them, or `"all"` (1 to 20). Default:
            `"all"`.
        per_task: Boolean; `False` gives the joint model for every task.
            Default: `True`.
        return_attention: As in `MemN2NbAbI`. Default: `False`.

    Returns:
        A dict `{task: keras.Model}` in task order.

    Example:

    >>> from keras_memory.applications.memn2n_babi import babi_models
    >>> models = babi_models(tasks=[1, 15])
    >>> sorted(models)
    [1, 15]
    """
    from keras_memory.applications.memn2n_babi.model import PER_TASK_EMBEDDING_DIM
    from keras_memory.applications.memn2n_babi.model import MemN2NbAbI

    tasks = babi.check_tasks(tasks)
    per_task = validation.check_bool("per_task", per_task)
    vocabulary = load_vocabulary(weights)
    files = per_task_weights(weights) if per_task else {}
    rows = shipped_metadata(weights).get("per_task", {}).get("tasks", {})
    joint = None
    models = {}
    for task in tasks:
        if task in files:
            models[task] = MemN2NbAbI(
                weights=files[task],
                vocabulary=vocabulary,
                embedding_dim=rows[str(task)].get("embedding_dim", PER_TASK_EMBEDDING_DIM),
                # Their own setup, not the joint model's training record
                # beside them: per-task weights from before the option
                # used the printed position encoding.
                encoding=rows[str(task)].get("encoding", "position"),
                sentence_size=rows[str(task)].get("sentence_size"),
                attend_empty_slots=rows[str(task)].get("attend_empty_slots", False),
                memory_size=rows[str(task)].get("memory_size"),
                return_attention=return_attention,
                name=f"memn2n_babi_task{task}",
            )
        else:
            if joint is None:
                joint = MemN2NbAbI(
                    weights=weights, vocabulary=vocabulary, return_attention=return_attention
                )
            models[task] = joint
    return models


def write_preset(output, model, vocabulary, metadata):
    """Saves `model`'s weights to `output` (`.weights.h5`) with the files beside.

    `vocabulary.json` (`save_vocabulary`) and `metadata.json` (`metadata`,
    as JSON) go in the same folder, which is created if needed: the layout
    of the shipped weights, which `MemN2NbAbI(weights=output)` and
    `load_vocabulary(output)` read.
    """
    output = pathlib.Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(output)
    save_vocabulary(vocabulary, output.with_name(VOCABULARY_FILE))
    output.with_name(METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    return output
