"""Training the shipped captioner: `train_on_shapes`, with its metadata."""

import json
import os
import pathlib
import time

import keras

from keras_memory import validation
from keras_memory.applications.captioning import evaluation
from keras_memory.applications.captioning import presets
from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
from keras_memory.applications.captioning.shapes import shapes
from keras_memory.applications.captioning.training import CaptionTrainer
from keras_memory.applications.checkpoints import save_weights_atomically
from keras_memory.callbacks.backup_and_resume import add_backup
from keras_memory.datasets.shuffled_arrays import shuffled_array_batches
from keras_memory.datasets.shuffled_arrays import shuffled_steps

SETUP = presets.SHAPES_SETUP
# The seeds' second words: training, validation and test scenes never share a
# draw (and never a scene: the splits are by a keyed hash of the scene).
TRAIN_STREAM, VALIDATION_STREAM, TEST_STREAM = 1, 2, 3


def scenes(count, split, seed=0):
    """`count` captioned-shapes scenes of the setup's grid from `split`."""
    stream = {"train": TRAIN_STREAM, "validation": VALIDATION_STREAM, "test": TEST_STREAM}
    return shapes.captioned_shapes(
        count, SETUP["grid_size"], SETUP["cell_size"], seed=(seed, stream[split]), split=split
    )


def train_on_shapes(
    epochs=None,
    examples=None,
    validation_examples=None,
    seed=0,
    output=None,
    jit_compile=True,
    verbose=0,
    command=None,
    callbacks=(),
    backup_dir=None,
):
    """Trains `ShowAttendTellShapes(weights=None)` on generated scenes, as shipped.

    `examples` training scenes (`split="train"`), Xu et al.'s loss
    (`CaptionTrainer`, the doubly stochastic term's `lambda` of the setup),
    Adam cosine-decayed from `learning_rate` to `final_learning_rate` of it
    over the run, batches of `batch_size`; then greedy exact match, BLEU-1
    to BLEU-4 and attention correctness on `validation_examples` held-out
    scenes (`split="validation"`). All defaults come from
    `presets.SHAPES_SETUP`.

    Args:
        epochs: Passes over the training scenes.
        examples: The number of training scenes.
        validation_examples: The number of held-out scenes measured.
        seed: The scenes, the initial weights and the shuffling.
        output: Optional `.weights.h5` path: the weights are written there,
            with `<stem>.json` beside it holding the setup, the command,
            the budget, the wall time and the held-out metrics.
        jit_compile: Default: `True` (XLA).
        verbose: Passed to `fit`.
        command: The command line recorded in the metadata.
        callbacks: More Keras callbacks.
        backup_dir: Optional folder of a `BackupAndResume` backup, written
            at the end of every epoch. When it holds a backup of the same
            run, training resumes there (the weights, Adam and its schedule,
            the trainer's baseline, the shuffled stream at the next epoch's
            first batch), so that the run ends with the weights of one
            never stopped; another run's backup is refused. Deleted when
            training ends. Default: `None`.

    Returns:
        `(captioner, metadata)`.
    """
    epochs = validation.check_positive_int("epochs", epochs or SETUP["epochs"])
    examples = validation.check_positive_int("examples", examples or SETUP["examples"])
    validation_examples = validation.check_positive_int(
        "validation_examples", validation_examples or SETUP["validation_examples"]
    )
    seed = validation.check_seed(seed)
    if output is not None:
        output = pathlib.Path(output)
        if not output.name.endswith(".weights.h5"):
            raise validation.invalid_argument("output", "a path ending in .weights.h5", output)
    train, held_out = (
        scenes(examples, "train", seed),
        scenes(validation_examples, "validation", seed),
    )
    (images, inputs), targets, _ = shapes.teacher_forcing_arrays(train)
    steps_per_epoch = shuffled_steps(examples, SETUP["batch_size"])
    callbacks = list(callbacks)
    run = {
        "training": "train_on_shapes",
        "epochs": epochs,
        "examples": examples,
        "seed": seed,
        "setup": {**SETUP, "encoder_filters": list(SETUP["encoder_filters"])},
    }
    backup, first_epoch = add_backup(callbacks, backup_dir, run)

    keras.utils.set_random_seed(seed)
    captioner = ShowAttendTellShapes(weights=None, seed=seed)
    trainer = CaptionTrainer(captioner, doubly_stochastic=SETUP["doubly_stochastic"])
    steps = epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        SETUP["learning_rate"], steps, alpha=SETUP["final_learning_rate"]
    )
    trainer.compile(keras.optimizers.Adam(schedule), jit_compile=jit_compile)
    # Built before `fit`, so that a backup can be restored into it.
    trainer({"images": images[:1], "decoder_input_ids": inputs[:1]})
    start = time.time()
    # An endless stream reshuffled from `(seed, epoch)`: a resumed run, and a
    # run under a `tf.distribute` strategy, see the batches of one device.
    stream = shuffled_array_batches(
        ({"images": images, "decoder_input_ids": inputs}, targets),
        SETUP["batch_size"],
        seed=seed,
        start=first_epoch * steps_per_epoch,
    )
    history = trainer.fit(
        stream,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        shuffle=False,
        callbacks=callbacks,
        verbose=verbose,
    )
    training_seconds = time.time() - start
    metrics = evaluation.evaluate_captioner(captioner, held_out)
    # A resumed run's History has its own epochs only; the backup has all.
    loss = (backup.history if backup is not None else history.history)["loss"]
    metadata = {
        "application": "ShowAttendTellShapes",
        "setup": {**SETUP, "encoder_filters": list(SETUP["encoder_filters"])},
        "architecture": {
            "parameters": int(captioner.count_params()),
            "locations": int(captioner.output["alignments"].shape[-1]),
        },
        "training": {
            "command": command,
            "data": f"{examples} captioned-shapes scenes, split 'train', seed ({seed}, 1)",
            "seed": seed,
            "epochs": epochs,
            "examples": examples,
            "steps": steps,
            "optimizer": (
                f"Adam(CosineDecay({SETUP['learning_rate']}, {steps}, "
                f"alpha={SETUP['final_learning_rate']}))"
            ),
            "doubly_stochastic": SETUP["doubly_stochastic"],
            "jit_compile": bool(jit_compile),
            "loss_first_last": [round(loss[0], 4), round(loss[-1], 4)],
            "training_seconds": round(training_seconds, 1),  # of this call
            "resumed_at_epoch": first_epoch if backup is not None else None,
            "wall_seconds": round(time.time() - start, 1),
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d"),
        },
        "validation": {
            "scenes": validation_examples,
            "split": "validation",
            "seed": [seed, VALIDATION_STREAM],
            "decoding": "greedy",
            **_rounded(metrics),
        },
    }
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        save_weights_atomically(captioner, output)
        presets.metadata_path(output).write_text(json.dumps(metadata, indent=1) + "\n")
    return captioner, metadata


def _rounded(metrics):
    """`caption_metrics` as JSON: percents rounded, integer keys as strings."""

    def value(v):
        if isinstance(v, dict):
            return {str(k): value(x) for k, x in v.items()}
        return round(float(v), 2) if isinstance(v, float) else v

    return value(metrics)
