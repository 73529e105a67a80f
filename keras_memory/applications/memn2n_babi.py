"""End-to-End Memory Networks answering bAbI questions, with shipped weights.

The paper's best bAbI setup (Sukhbaatar, Szlam, Weston and Fergus 2015,
sections 4.1 and 4.2, "PE LS RN"): position encoding (PE) of the words,
temporal encoding of the sentences, linear start (LS: no softmax in the
memory hops until the validation loss stops falling, learning rate 0.005),
random noise (RN: 10% empty memories in training), three hops with
adjacent weight tying, a memory of the 50 most recent sentences, plain SGD
at learning rate 0.01 halved at fixed epochs, gradients rescaled to a
global norm of at most 40, batches of 32 whose cost is summed (not
averaged) over the batch. Joint training (one model for the 20 tasks) uses
embeddings of dimension `d = 50` and 60 epochs, halving every 15.

Word ids follow `keras_memory.datasets.babi`: 0 is padding, 1 stands for
unknown words, and the answers share the vocabulary (the multi-word answers
of tasks 8 and 19 are single entries such as `"apple,football"`). Shipped
weights come with their vocabulary (`vocabulary.json`) and their measured
per-task validation errors (`metadata.json`) in
`saved_models/memn2n_babi/`.

`MemN2NbAbI(weights="babi-en-1k")` is the joint model. Beside it are
per-task models (`task<N>.weights.h5`: the paper's per-task setup, d = 20,
trained on one task's file with the joint vocabulary) for the tasks where
they beat the joint model on the held-out validation split;
`babi_models()` gives the model that answers each task (per-task where
shipped, joint elsewhere), which `evaluate_babi` and `keras-memory
evaluate babi` use by default.

Text in, text out: `text_answer_model` wraps a trained model in a Keras
model that takes raw sentences and the question as strings and returns the
answer word, tokenising and looking words up inside the graph, and
`export_babi_for_serving` writes it in TF Serving's layout.
"""

import json
import math
import pathlib
import time

import keras
import numpy as np

from keras_memory import validation
from keras_memory.applications import shipped_weights
from keras_memory.datasets import babi
from keras_memory.layers.memory_network import MemoryNetwork

EMBEDDING_DIM = 50  # the paper's d for joint training (d = 20 per task)
HOPS = 3
MEMORY_SIZE = babi.DEFAULT_MEMORY_SIZE
RANDOM_NOISE = 0.1
BATCH_SIZE = 32
LEARNING_RATE = 0.01
LINEAR_START_LEARNING_RATE = 0.005
CLIPNORM = 40.0
# Joint training on the 1k files: 60 epochs, learning rate halved every 15
# (per-task training in the paper: 100 epochs, halved every 25).
JOINT_EPOCHS = 60
JOINT_HALVING_EPOCHS = 15
# A task "fails" above 5% test error (Weston et al. 2015).
FAILED_ERROR = 5.0

# Per-task training (the paper's "PE LS RN", one model per task): d = 20,
# 100 epochs, learning rate halved every 25. Shipped per-task weights use
# the joint vocabulary, so they take the same word ids as the joint model.
PER_TASK_EMBEDDING_DIM = 20
PER_TASK_EPOCHS = 100
PER_TASK_HALVING_EPOCHS = 25

SHIPPED_WEIGHTS = {"babi-en-1k": "memn2n_babi/babi-en-1k.weights.h5"}
VOCABULARY_FILE = "vocabulary.json"
METADATA_FILE = "metadata.json"

# Sukhbaatar et al. 2015, table 1, bAbI 1k, test error (%) of MemN2N.
# "PE LS RN joint": one model for all 20 tasks (mean 12.4, 11 failed);
# "PE LS RN": one model per task (mean 13.9, 11 failed).
PAPER_ERRORS = {
    "PE LS RN joint": {
        1: 0.0, 2: 11.4, 3: 21.9, 4: 13.4, 5: 14.4, 6: 2.8, 7: 18.3,
        8: 9.3, 9: 1.9, 10: 6.5, 11: 0.3, 12: 0.1, 13: 0.2, 14: 6.9,
        15: 0.0, 16: 2.7, 17: 40.4, 18: 9.4, 19: 88.0, 20: 0.0,
    },
    "PE LS RN": {
        1: 0.0, 2: 8.3, 3: 40.3, 4: 2.8, 5: 13.1, 6: 7.6, 7: 17.3,
        8: 10.0, 9: 13.2, 10: 15.1, 11: 0.9, 12: 0.2, 13: 0.4, 14: 1.7,
        15: 0.0, 16: 1.3, 17: 51.0, 18: 11.1, 19: 82.8, 20: 0.0,
    },
}


# === Shipped weights and vocabularies ===


def shipped_weights_path(weights="babi-en-1k"):
    """Path of the shipped weights called `weights`."""
    return shipped_weights.shipped_weights_path(weights, SHIPPED_WEIGHTS)


def _weights_file(weights):
    """The file behind `weights`: a shipped name, a path, or `None`."""
    return shipped_weights.weights_file(weights, SHIPPED_WEIGHTS, beside=' (with its vocabulary.json beside it)')


def save_vocabulary(vocabulary, path):
    """Writes `vocabulary` (token -> id, ids 0..V-1) as a JSON list by id."""
    vocabulary = babi._check_vocabulary(vocabulary)
    tokens = vocabulary_tokens(vocabulary)
    pathlib.Path(path).write_text(json.dumps(tokens, indent=0) + "\n")


def read_vocabulary(path):
    """The vocabulary (token -> id) written by `save_vocabulary`."""
    tokens = json.loads(pathlib.Path(path).read_text())
    return babi._check_vocabulary({token: i for i, token in enumerate(tokens)})


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
    path = _weights_file(weights)
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
    (`"used"`: `"per-task"` or `"joint"`), and `"combined"` the errors of
    that combination (what `babi_models()` answers with).
    """
    path = shipped_weights_path(weights)
    return json.loads(path.with_name(METADATA_FILE).read_text())


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
    tasks = babi._check_tasks(tasks)
    if not isinstance(per_task, bool):
        raise validation.invalid_argument("per_task", "a boolean", per_task)
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


# === The model ===


def MemN2NbAbI(
    weights="babi-en-1k",
    vocabulary=None,
    embedding_dim=EMBEDDING_DIM,
    hops=HOPS,
    memory_size=MEMORY_SIZE,
    random_noise=RANDOM_NOISE,
    return_attention=False,
    seed=None,
    name="memn2n_babi",
):
    """An End-to-End Memory Network for bAbI, optionally with trained weights.

    `[story (B, S, W), question (B, W_q)] -> MemoryNetwork -> softmax`:
    position encoding, temporal encoding, adjacent weight tying, no
    nonlinearity, a memory of the `memory_size` most recent sentences, and
    random noise in training (the paper's "PE LS RN"; linear start is a
    training callback, see `train_babi`). Word ids are those of
    `keras_memory.datasets.babi.vectorize` with the model's vocabulary; `S`
    and `W` may be anything (padding words and sentences change nothing).

    The output `"answer"` holds the probabilities of every vocabulary entry
    being the answer, `(B, V)` (not logits: what a served model returns;
    Keras' cross-entropy on a softmax output uses the logits underneath).
    `argmax` gives the answer's id.

    Args:
        weights: `"babi-en-1k"` (trained by the project jointly on the 20
            bAbI 1k training files; see `shipped_metadata()`; the shipped
            per-task models are `babi_models()`), `None` (a
            fresh model; give `vocabulary`) or the path of a `.weights.h5`
            file of this architecture with its `vocabulary.json` beside it.
            Default: `"babi-en-1k"`.
        vocabulary: The vocabulary (a dict token -> id, as from
            `keras_memory.datasets.babi.build_vocabulary`) or its size `V`.
            Default: `None`, the vocabulary of `weights`.
        embedding_dim: Positive integer `d`. Default: `50`.
        hops: Positive integer `K`. Default: `3`.
        memory_size: Positive integer, the most recent sentences kept.
            Default: `50`.
        random_noise: Float in `[0, 1)`, the probability of an empty memory
            after each sentence in training. Default: `0.1`.
        return_attention: Boolean; also output `"attention"`, `(B, hops,
            S)`, the attention of every hop over the sentences (for
            `keras_memory.viz.plot_hops`). Default: `False`.
        seed: Optional integer seed of the random noise. Default: `None`.
        name: Model name. Default: `"memn2n_babi"`.

    Returns:
        An uncompiled `keras.Model` with inputs `"story"` (int32 `(B, S,
        W)`) and `"question"` (int32 `(B, W_q)`) and output `"answer"`
        (`(B, V)` probabilities), plus `"attention"` when asked.
        `compile_for_babi` compiles it the paper's way.

    Example:

    >>> from keras_memory.applications.memn2n_babi import MemN2NbAbI
    >>> import numpy as np
    >>> model = MemN2NbAbI(weights=None, vocabulary=30)
    >>> story = np.array([[[3, 4, 5], [6, 7, 0]]], "int32")
    >>> question = np.array([[8, 9, 0]], "int32")
    >>> tuple(model([story, question]).shape)
    (1, 30)

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015. https://arxiv.org/abs/1503.08895
    """
    weights_path = _weights_file(weights)
    if vocabulary is None:
        if weights_path is None:
            raise validation.invalid_argument(
                "vocabulary",
                "a vocabulary (dict) or its size when `weights=None`",
                vocabulary,
            )
        vocabulary = load_vocabulary(weights_path)
    if isinstance(vocabulary, dict):
        vocab_size = len(babi._check_vocabulary(vocabulary))
    else:
        vocab_size = validation.check_positive_int("vocabulary", vocabulary)
    if not isinstance(return_attention, bool):
        raise validation.invalid_argument(
            "return_attention", "a boolean", return_attention
        )

    # === Layers ===
    network = MemoryNetwork(
        vocab_size,
        embedding_dim,
        hops=hops,
        memory_size=memory_size,
        weight_tying="adjacent",
        encoding="position",
        temporal_encoding=True,
        random_noise=random_noise,
        return_attention=True,
        seed=seed,
        name="memory_network",
    )
    softmax = keras.layers.Activation("softmax", name="answer")

    # === Functional Model ===
    story = keras.Input((None, None), dtype="int32", name="story")
    question = keras.Input((None,), dtype="int32", name="question")
    logits, attention = network([story, question])
    answer = softmax(logits)
    if return_attention:
        attention = keras.layers.Identity(name="attention")(attention)
        outputs = {"answer": answer, "attention": attention}
    else:
        outputs = answer
    model = keras.Model([story, question], outputs, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def memory_network_layer(model):
    """The `MemoryNetwork` layer of a `MemN2NbAbI` model."""
    return model.get_layer("memory_network")


def compile_for_babi(model, learning_rate=LEARNING_RATE, clipnorm=CLIPNORM, jit_compile="auto"):
    """Compiles `model` the paper's way.

    Plain SGD (the learning rate is set per epoch by `PaperSchedule`), the
    global gradient norm clipped to `clipnorm`, and the cross-entropy summed
    over the batch: "the cost is not averaged over a batch" (section 4.2),
    so a step of SGD at 0.01 moves as far as 0.32 on the batch mean would.
    """
    outputs = model.output_names
    loss = keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    if len(outputs) > 1:  # with "attention": only the answer is trained
        loss = {"answer": loss}
        metrics = {"answer": metrics}
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate, global_clipnorm=clipnorm),
        loss=loss,
        metrics=metrics,
        jit_compile=jit_compile,
    )
    return model


# === Training ===


class PaperSchedule(keras.callbacks.Callback):
    """The paper's learning rate, epoch by epoch, with linear start.

    While the memory network is linear (its `linear_start` variable is 1,
    set by `keras_memory.callbacks.LinearStart`) the learning rate is
    `linear_start_learning_rate`; from the epoch the softmax is back it is
    `learning_rate / 2^(e // halving_epochs)`, `e` counting the epochs
    since then. It also keeps the weights of the epoch with the best
    validation accuracy after linear start (`best_weights`, `best_epoch`)
    and restores them at the end of training when `restore_best` is set.
    """

    def __init__(
        self,
        learning_rate=LEARNING_RATE,
        halving_epochs=JOINT_HALVING_EPOCHS,
        linear_start_learning_rate=LINEAR_START_LEARNING_RATE,
        monitor="val_accuracy",
        restore_best=True,
    ):
        super().__init__()
        self.learning_rate = learning_rate
        self.halving_epochs = halving_epochs
        self.linear_start_learning_rate = linear_start_learning_rate
        self.monitor = monitor
        self.restore_best = restore_best
        self.softmax_epoch = None
        self.best_weights = None
        self.best_epoch = None
        self.best = -math.inf
        self.rates = []

    def _linear(self):
        network = memory_network_layer(self.model)
        return float(keras.ops.convert_to_numpy(network.linear_start)) > 0.5

    def on_epoch_begin(self, epoch, logs=None):
        if self._linear():
            rate = self.linear_start_learning_rate
        else:
            if self.softmax_epoch is None:
                self.softmax_epoch = epoch
            rate = self.learning_rate * 0.5 ** (
                (epoch - self.softmax_epoch) // self.halving_epochs
            )
        self.model.optimizer.learning_rate.assign(rate)
        self.rates.append(rate)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = self.rates[-1]
        value = logs.get(self.monitor)
        # Linear-start epochs do not count: the softmax model is the product.
        if value is None or self._linear() or self.softmax_epoch is None:
            return
        if value > self.best:
            self.best, self.best_epoch = float(value), epoch
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self.restore_best and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


# Stories are padded to buckets of these many sentences: most bAbI stories
# are short (a mean of 9 sentences in the 1k files, the longest 50), and a
# step costs in proportion to the padded length. Three buckets are three
# compilations under XLA.
BUCKET_SENTENCES = (10, 20, MEMORY_SIZE)


def _bucket_groups(arrays, buckets):
    """`[(sentences, rows)]`: the questions of each non-empty bucket."""
    width = arrays.story.shape[1]
    lengths = (arrays.story != 0).any(-1).sum(-1)
    limits = sorted({min(int(b), width) for b in buckets} | {width})
    bucket_of = np.searchsorted(limits, lengths)
    groups = [
        (limit, np.flatnonzero(bucket_of == k)) for k, limit in enumerate(limits)
    ]
    return [(limit, rows) for limit, rows in groups if len(rows)]


def bucketed_steps(arrays, batch_size=BATCH_SIZE, buckets=BUCKET_SENTENCES, shuffle=False):
    """The number of batches in one pass of `bucketed_dataset`."""
    count = math.floor if shuffle else math.ceil
    return sum(count(len(rows) / batch_size) for _, rows in _bucket_groups(arrays, buckets))


def bucketed_dataset(arrays, batch_size=BATCH_SIZE, buckets=BUCKET_SENTENCES,
                     shuffle=False, seed=0):
    """A `tf.data.Dataset` of `BabiArrays` batches cut to a few story lengths.

    Each question goes to the smallest bucket of `buckets` (numbers of
    sentences) that holds its story, and a batch holds questions of one
    bucket, its story array cut to that many sentences (padding sentences
    change nothing in a `MemoryNetwork`, so this only saves time). With
    `shuffle=True` the questions are reshuffled within their buckets and
    the batches' order on every pass, and the last incomplete batch of every
    bucket is left out (a fixed batch shape: one compilation per bucket;
    a different few questions each epoch); without it every question is in
    exactly one batch, in order within each bucket.

    Returns:
        A dataset of `({"story": (B, S_b, W), "question": (B, W)}, answer)`
        batches, `bucketed_steps` of them a pass; a new pass (with new
        shuffles) starts when it is iterated again or repeated.
    """
    import tensorflow as tf

    batch_size = validation.check_positive_int("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    groups = _bucket_groups(arrays, buckets)

    def batches():
        order = []
        for limit, rows in groups:
            if shuffle:
                rows = rng.permutation(rows)
                count = len(rows) // batch_size
            else:
                count = math.ceil(len(rows) / batch_size)
            for k in range(count):
                order.append((limit, rows[k * batch_size : (k + 1) * batch_size]))
        if shuffle:
            order = [order[i] for i in rng.permutation(len(order))]
        for limit, rows in order:
            yield (
                {
                    "story": arrays.story[rows, :limit],
                    "question": arrays.question[rows],
                },
                arrays.answer[rows],
            )

    words = arrays.story.shape[2]
    signature = (
        {
            "story": tf.TensorSpec((None, None, words), tf.int32),
            "question": tf.TensorSpec((None, arrays.question.shape[1]), tf.int32),
        },
        tf.TensorSpec((None,), tf.int32),
    )
    return tf.data.Dataset.from_generator(
        batches, output_signature=signature
    ).prefetch(4)


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


def format_error_table(errors, paper="PE LS RN joint", title="MemN2N", models=None):
    """The paper's table 1 layout: task, error, failed, and the paper's error.

    Args:
        errors: `{task: error %}`.
        paper: A key of `PAPER_ERRORS` to print beside, or `None`.
        title: Header of the measured column.
        models: Optional `{task: label}` of the model that answered each
            task (e.g. `"per-task"` or `"joint"`): a `Model` column after
            `Failed`. Default: `None`, no such column.

    Returns:
        A Markdown table, one row per task, then the mean error and the
        number of failed tasks (error > 5%).
    """
    summary = summarize_errors(errors)
    reference = PAPER_ERRORS[paper] if paper else {}
    header = f"| Task | {title} error (%) | Failed |"
    rule = "|---|---:|:---:|"
    if models is not None:
        header += " Model |"
        rule += ":---:|"
    if paper:
        header += f" Paper, {paper} (%) |"
        rule += "---:|"
    lines = [header, rule]
    blank = " |" if models is not None else ""
    for task, row in summary["tasks"].items():
        name = babi.TASK_NAMES[int(task)]
        line = f"| {task}: {name} | {row['error']:.1f} | {'yes' if row['failed'] else ''} |"
        if models is not None:
            line += f" {models[int(task)]} |"
        if paper:
            line += f" {reference[int(task)]:.1f} |"
        lines.append(line)
    mean = f"| Mean error (%) | {summary['mean_error']:.1f} | |" + blank
    failed = f"| Failed tasks (error > 5%) | {summary['failed_tasks']} | |" + blank
    if paper:
        shown = [reference[int(t)] for t in summary["tasks"]]
        mean += f" {np.mean(shown):.1f} |"
        failed += f" {sum(e > FAILED_ERROR for e in shown)} |"
    lines += [mean, failed]
    return "\n".join(lines)


def train_babi(
    directory,
    tasks="all",
    epochs=JOINT_EPOCHS,
    halving_epochs=JOINT_HALVING_EPOCHS,
    embedding_dim=EMBEDDING_DIM,
    hops=HOPS,
    memory_size=MEMORY_SIZE,
    batch_size=BATCH_SIZE,
    learning_rate=LEARNING_RATE,
    linear_start=True,
    linear_start_learning_rate=LINEAR_START_LEARNING_RATE,
    linear_start_max_epochs=None,
    random_noise=RANDOM_NOISE,
    clipnorm=CLIPNORM,
    validation_fraction=0.1,
    seed=0,
    jit_compile=True,
    output=None,
    verbose=1,
    callbacks=(),
    vocabulary=None,
):
    """Trains a `MemN2NbAbI` on bAbI training files the paper's way.

    Reads `qa{N}_*_train.txt` of `tasks` in `directory`, holds out
    `validation_fraction` of every file's stories (`load_babi`), and trains
    with: linear start (`keras_memory.callbacks.LinearStart` watching the
    validation loss, learning rate `linear_start_learning_rate`), then the
    softmax with SGD at `learning_rate` halved every `halving_epochs`
    epochs; gradients clipped to global norm `clipnorm`; batches of
    `batch_size` with the cost summed over the batch; `random_noise` empty
    memories. The weights of the epoch with the best validation accuracy
    after linear start are kept. The paper's joint 1k run: 60 epochs,
    halving every 15 (per task: 100 epochs, halving every 25).

    Args:
        directory: Folder of bAbI files (`qa1_single-supporting-fact_train.txt`, ...).
        tasks: Task number, list of them, or `"all"` (joint). Default: `"all"`.
        epochs: Positive integer, epochs in all (linear start included).
            Default: `60`.
        halving_epochs: Positive integer. Default: `15`.
        embedding_dim, hops, memory_size, random_noise: As in `MemN2NbAbI`.
        batch_size: Positive integer. Default: `32`.
        learning_rate: Positive float. Default: `0.01`.
        linear_start: Boolean, start without softmax. Default: `True`.
        linear_start_learning_rate: Positive float. Default: `0.005`.
        linear_start_max_epochs: Optional positive integer cap on the linear
            epochs. Default: `None` (until the validation loss rises).
        clipnorm: Positive float. Default: `40.0`.
        validation_fraction: Number in `(0, 1)`. Default: `0.1`.
        seed: Non-negative integer: the split, the initial weights, the
            shuffling and the noise. Default: `0`.
        jit_compile: Passed to `compile`. Default: `True`.
        output: Optional path of a `.weights.h5` file: the weights are
            saved there with `vocabulary.json` and `metadata.json` (budget,
            per-task validation errors, the paper's numbers) beside.
        verbose: 0, 1 or 2, as in `fit`. Default: `1`.
        callbacks: More Keras callbacks.
        vocabulary: Optional vocabulary (token -> id) to use instead of the
            one built from the training files: the joint vocabulary
            (`load_vocabulary()`) makes a one-task model take the same word
            ids as the joint model (the per-task weights are trained so).
            Default: `None`.

    Returns:
        A dict with `model` (trained, compiled), `vocabulary`, `data` (the
        `BabiData`), `history` (the `fit` history dict), `validation_errors`
        (`{task: error %}`), `metadata` (what `output`'s metadata.json holds).
    """
    from keras_memory.callbacks import LinearStart

    epochs = validation.check_positive_int("epochs", epochs)
    halving_epochs = validation.check_positive_int("halving_epochs", halving_epochs)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if not isinstance(linear_start, bool):
        raise validation.invalid_argument("linear_start", "a boolean", linear_start)
    if not 0 < validation_fraction < 1:
        raise validation.invalid_argument(
            "validation_fraction", "a number in (0, 1)", validation_fraction
        )
    if output is not None and not str(output).endswith(".weights.h5"):
        raise validation.invalid_argument(
            "output", "a path ending in .weights.h5", str(output)
        )
    start = time.time()
    keras.utils.set_random_seed(seed)
    data = babi.load_babi(
        directory,
        tasks,
        memory_size=memory_size,
        validation_fraction=validation_fraction,
        seed=seed,
        vocabulary=vocabulary,
    )
    model = MemN2NbAbI(
        weights=None,
        vocabulary=data.vocabulary,
        embedding_dim=embedding_dim,
        hops=hops,
        memory_size=memory_size,
        random_noise=random_noise,
        seed=seed,
    )
    compile_for_babi(model, learning_rate, clipnorm, jit_compile=jit_compile)
    schedule = PaperSchedule(
        learning_rate, halving_epochs, linear_start_learning_rate
    )
    fit_callbacks = [schedule]
    if linear_start:
        # Before the schedule, so that the epoch's learning rate follows
        # the linear_start value that LinearStart set for it.
        fit_callbacks.insert(
            0,
            LinearStart(max_epochs=linear_start_max_epochs, verbose=verbose),
        )
    history = model.fit(
        bucketed_dataset(data.train, batch_size, shuffle=True, seed=seed).repeat(),
        steps_per_epoch=bucketed_steps(data.train, batch_size, shuffle=True),
        epochs=epochs,
        validation_data=bucketed_dataset(data.validation, 256).repeat(),
        validation_steps=bucketed_steps(data.validation, 256),
        shuffle=False,  # the dataset shuffles within its buckets
        callbacks=[*fit_callbacks, *callbacks],
        verbose=verbose,
    )
    errors = task_errors(model, data.validation)
    summary = summarize_errors(errors)
    linear_epochs = (
        fit_callbacks[0].stopped_epoch + 1
        if linear_start and fit_callbacks[0].stopped_epoch is not None
        else (epochs if linear_start else 0)
    )
    metadata = {
        "application": "MemN2NbAbI",
        "data": "bAbI 1k training files (en), qa{N}_*_train.txt",
        "tasks": list(data.tasks),
        "training": {
            "examples": int(data.train.num_examples),
            "validation_examples": int(data.validation.num_examples),
            "validation": (
                f"{validation_fraction:.0%} of every file's stories held out "
                f"(keras_memory.datasets.babi.load_babi, seed {seed})"
            ),
            "epochs": epochs,
            "linear_start_epochs": linear_epochs,
            "best_epoch": None if schedule.best_epoch is None else schedule.best_epoch + 1,
            "batch_size": batch_size,
            "optimizer": (
                f"SGD, learning rate {linear_start_learning_rate} during linear "
                f"start, then {learning_rate} halved every {halving_epochs} "
                f"epochs; global clipnorm {clipnorm}; summed batch cost"
            ),
            "random_noise": random_noise,
            "embedding_dim": embedding_dim,
            "hops": hops,
            "memory_size": memory_size,
            "seed": seed,
            "jit_compile": jit_compile,
            "seconds": round(time.time() - start),
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
        },
        "validation_errors": {str(t): e for t, e in sorted(errors.items())},
        "validation_accuracy": {
            str(t): round(100.0 - e, 2) for t, e in sorted(errors.items())
        },
        "mean_validation_error": summary["mean_error"],
        "failed_tasks": summary["failed_tasks"],
        "paper": {
            "reference": (
                "Sukhbaatar et al. 2015, table 1, 1k training, test error (%)"
            ),
            "PE LS RN joint": {
                "errors": {str(t): e for t, e in PAPER_ERRORS["PE LS RN joint"].items()},
                "mean_error": 12.4,
                "failed_tasks": 11,
            },
        },
    }
    if output is not None:
        output = pathlib.Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        model.save_weights(output)
        save_vocabulary(data.vocabulary, output.with_name(VOCABULARY_FILE))
        output.with_name(METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    return {
        "model": model,
        "vocabulary": data.vocabulary,
        "data": data,
        "history": history.history,
        "validation_errors": errors,
        "metadata": metadata,
    }


def evaluate_babi(
    model,
    directory,
    split="test",
    vocabulary=None,
    tasks="all",
    memory_size=MEMORY_SIZE,
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
    splits = ("test", "train", "validation")
    if split not in splits:
        raise validation.invalid_argument("split", f"one of {splits}", split)
    if vocabulary is None:
        vocabulary = load_vocabulary("babi-en-1k")
    vocabulary = babi._check_vocabulary(vocabulary)
    models = model if isinstance(model, dict) else None
    for one in (models.values() if models is not None else [model]):
        vocab_size = _model_vocab_size(one)
        if vocab_size is not None and vocab_size != len(vocabulary):
            raise validation.invalid_argument(
                "vocabulary",
                f"the model's vocabulary of {vocab_size} entries",
                f"a vocabulary of {len(vocabulary)} entries",
            )
    file_split = "train" if split == "validation" else split
    found = find_task_files(directory, file_split)
    if tasks != "all":
        wanted = babi._check_tasks(tasks)
        missing = [task for task in wanted if task not in found]
        if missing:
            raise ValueError(
                f"No qa{missing[0]}_*_{file_split}.txt file in {str(directory)!r}."
            )
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
                examples, validation_fraction, seed + task - 1
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


def _model_vocab_size(model):
    try:
        return memory_network_layer(model).vocab_size
    except ValueError:
        return None


# === Text in, text out ===


class _TextToIds(keras.layers.Layer):
    """Raw stories and questions -> the word ids of `vectorize`, in the graph.

    The reader's tokenisation: lowercase, `.`, `?` and `!` dropped (they
    also split words, as in `babi.tokenize`), words split on whitespace,
    then looked up (`StringLookup`: `<pad>` 0, unknown words 1). Empty
    sentences are dropped, and only the last `memory_size` sentences of a
    story are kept. One padding sentence and one padding word are added so
    that the shapes are never empty (padding changes nothing).
    TensorFlow-only: this is serving code.
    """

    def __init__(self, tokens, memory_size, **kwargs):
        super().__init__(**kwargs)
        self.tokens = list(tokens)
        self.memory_size = memory_size
        self.lookup = keras.layers.StringLookup(
            vocabulary=self.tokens[2:],
            num_oov_indices=1,
            oov_token=babi.UNKNOWN_TOKEN,
            mask_token=babi.PADDING_TOKEN,
            name="lookup",
        )

    @staticmethod
    def _clean(text):
        import tensorflow as tf

        return tf.strings.regex_replace(tf.strings.lower(text), r"[.?!]", " ")

    def _ids(self, words):
        import tensorflow as tf

        ids = tf.ragged.map_flat_values(self.lookup, words)
        return tf.cast(ids.to_tensor(0), "int32")

    def call(self, story, question):
        import tensorflow as tf

        story = self._clean(tf.convert_to_tensor(story, tf.string))
        nonempty = tf.strings.length(tf.strings.strip(story)) > 0
        sentences = tf.ragged.boolean_mask(story, nonempty)  # (B, None)
        sentences = sentences[:, -self.memory_size :]  # the reader's window
        story_ids = self._ids(tf.strings.split(sentences))  # (B, S, W)
        story_ids = tf.pad(story_ids, [[0, 0], [0, 1], [0, 1]])
        question = self._clean(tf.convert_to_tensor(question, tf.string))
        question_ids = self._ids(tf.strings.split(question))  # (B, W_q)
        question_ids = tf.pad(question_ids, [[0, 0], [0, 1]])
        return story_ids, question_ids

    def compute_output_spec(self, story, question):
        return (
            keras.KerasTensor((story.shape[0], None, None), "int32"),
            keras.KerasTensor((question.shape[0], None), "int32"),
        )


class _AnswerWords(keras.layers.Layer):
    """Answer probabilities `(B, V)` -> the answer token and its probability."""

    def __init__(self, tokens, **kwargs):
        super().__init__(**kwargs)
        self.tokens = list(tokens)

    def call(self, probabilities):
        import tensorflow as tf

        best = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        words = tf.gather(tf.constant(self.tokens, tf.string), best)
        return words, tf.reduce_max(probabilities, axis=-1)

    def compute_output_spec(self, probabilities):
        batch = probabilities.shape[0]
        return (
            keras.KerasTensor((batch,), "string"),
            keras.KerasTensor((batch,), probabilities.dtype),
        )


def text_answer_model(model, vocabulary=None, memory_size=None, name="memn2n_babi_text"):
    """Wraps a bAbI model in a model that reads and answers in words.

    Inputs: `"story"`, a string tensor `(B, S)` of sentences (oldest first;
    pad stories of different lengths with empty strings `""`, which are
    ignored) and `"question"`, a string tensor `(B,)`. Outputs: `"answer"`,
    the answer token (string `(B,)`: a word, or for tasks 8 and 19 words
    joined by commas such as `"apple,football"` and `"n,w"`) and
    `"probability"`, its probability (float32 `(B,)`).

    Tokenisation and lookup happen inside the graph, as
    `keras_memory.datasets.babi` does outside it: lowercase, `.`, `?` and
    `!` dropped, split on whitespace, words missing from the vocabulary
    mapped to `<unk>` (id 1), and only the last `memory_size` non-empty
    sentences kept. Needs the TensorFlow backend.

    Args:
        model: A `MemN2NbAbI` model (its `"answer"` output is used).
        vocabulary: Its vocabulary (token -> id). Default: `None`, the
            shipped `"babi-en-1k"` vocabulary.
        memory_size: Sentences kept. Default: `None`, the model's memory
            size.
        name: Model name. Default: `"memn2n_babi_text"`.

    Returns:
        A `keras.Model` (not trainable end to end: strings in, strings out).

    Example:

    ```python
    text_model = text_answer_model(MemN2NbAbI())
    outputs = text_model({
        "story": np.array([["Mary moved to the bathroom.",
                            "John went to the hallway."]]),
        "question": np.array(["Where is Mary?"]),
    })
    outputs["answer"]  # [b"bathroom"]
    ```
    """
    if vocabulary is None:
        vocabulary = load_vocabulary("babi-en-1k")
    tokens = vocabulary_tokens(babi._check_vocabulary(vocabulary))
    vocab_size = _model_vocab_size(model)
    if vocab_size is not None and vocab_size != len(tokens):
        raise validation.invalid_argument(
            "vocabulary",
            f"the model's vocabulary of {vocab_size} entries",
            f"a vocabulary of {len(tokens)} entries",
        )
    if memory_size is None:
        memory_size = memory_network_layer(model).memory_size
    memory_size = validation.check_positive_int("memory_size", memory_size)

    # === Layers ===
    to_ids = _TextToIds(tokens, memory_size, name="text_to_ids")
    to_words = _AnswerWords(tokens, name="answer_words")

    # === Functional Model ===
    story = keras.Input((None,), dtype="string", name="story")
    question = keras.Input((), dtype="string", name="question")
    story_ids, question_ids = to_ids(story, question)
    outputs = model([story_ids, question_ids])
    if isinstance(outputs, dict):
        outputs = outputs["answer"]
    answer, probability = to_words(outputs)
    answer = keras.layers.Identity(name="answer")(answer)
    probability = keras.layers.Identity(name="probability")(probability)
    return keras.Model(
        [story, question], {"answer": answer, "probability": probability}, name=name
    )


def export_babi_for_serving(model, base_dir, name="memn2n_babi", vocabulary=None, version=None):
    """Exports a bAbI model that takes text and answers with a word.

    Writes `text_answer_model(model, vocabulary)` with
    `keras_memory.export.export_for_serving`: TF Serving's layout
    `<base_dir>/<name>/<version>/`, a `serving_default` signature with
    inputs `story` (string `(B, S)`) and `question` (string `(B,)`) and
    outputs `answer` (string `(B,)`) and `probability` (float32 `(B,)`),
    traced without XLA on the CPU. A REST client sends

        {"instances": [{"story": ["Mary moved to the bathroom.",
                                  "John went to the hallway."],
                        "question": "Where is Mary?"}]}

    (the stories of one request padded to one length with `""`) and gets
    `{"predictions": [{"answer": "bathroom", "probability": 0.98}]}`.

    Args:
        model: A `MemN2NbAbI` model.
        base_dir: The serving base directory.
        name: The model name. Default: `"memn2n_babi"`.
        vocabulary: The model's vocabulary. Default: `None`, the shipped
            one.
        version: Positive integer, or `None` for the next free version.

    Returns:
        The `pathlib.Path` of the written version directory.
    """
    from keras_memory.export import export_for_serving

    return export_for_serving(
        text_answer_model(model, vocabulary), base_dir, name, version
    )


# Run by `predict_text_in_fresh_process`: a TF Serving REST client's view.
# `sys.modules[...] = None` makes any `import keras_memory` fail.
def predict_text_in_fresh_process(export_dir, instances, timeout=600):
    """Asks a text export questions in a new process without keras_memory.

    The request and the response have the layout of TF Serving's REST API
    (row format): `instances` is a list of `{"story": [sentences],
    "question": "..."}`, and the result is the list of `{"answer": "...",
    "probability": p}` (the response's `"predictions"`). The child process
    imports TensorFlow only; `keras_memory` cannot be imported there.

    Args:
        export_dir: A version directory written by `export_babi_for_serving`.
        instances: List of dicts with `"story"` (list of strings) and
            `"question"` (string).
        timeout: Seconds to wait for the child process.

    Returns:
        A list of dicts `{"answer": str, "probability": float}`.

    Raises:
        RuntimeError: with the child's stderr when it fails.
    """
    from keras_memory.export import predict_in_fresh_process

    if not isinstance(instances, (list, tuple)) or not instances:
        raise validation.invalid_argument(
            "instances", 'a non-empty list of {"story": [...], "question": ...}',
            instances,
        )
    # TF Serving's row format stacks the instances: one story length for
    # all, shorter stories padded with empty sentences (the graph drops them).
    length = max(len(instance["story"]) for instance in instances)
    story = np.array(
        [list(i["story"]) + [""] * (length - len(i["story"])) for i in instances],
        dtype=str,
    )
    question = np.array([i["question"] for i in instances], dtype=str)
    outputs = predict_in_fresh_process(
        export_dir, {"story": story, "question": question}, timeout=timeout
    )
    return [
        {"answer": str(answer), "probability": float(probability)}
        for answer, probability in zip(outputs["answer"], outputs["probability"])
    ]
