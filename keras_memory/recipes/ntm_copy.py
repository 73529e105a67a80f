"""Recipe: the Neural Turing Machine learns to copy sequences.

The paper's copy task (Graves et al. 2014, section 4.1) with the
`keras_memory.applications.NTMCopy` model. An epoch is
`SEQUENCES_PER_EPOCH` generated sequences of 1 to 20 random 8-bit vectors,
16 to a batch, padded to 2 length buckets so that the XLA step compiles
twice (`train_copy`). The demo starts from the shipped weights; `keras-memory
train ntm-copy` trains from scratch (`--no-jit`: without XLA).
"""

import numpy as np

from keras_memory.applications import ntm_copy
from keras_memory.datasets import copy_task
from keras_memory.recipes import Recipe

SEQUENCES_PER_EPOCH = 10_000
BATCH_SIZE = 16
PLOT_LENGTH = 12


def build_model():
    return ntm_copy.compile_for_copy(ntm_copy.NTMCopy(weights=None))


def build_pretrained():
    return ntm_copy.compile_for_copy(ntm_copy.NTMCopy(weights="copy"))


def train(model, epochs, verbose=1, callbacks=(), backup_dir=None):
    # One fit of `epochs` epochs of SEQUENCES_PER_EPOCH sequences each; with
    # `backup_dir` a backup after every epoch, from which the same command
    # resumes (`train_copy`).
    steps = SEQUENCES_PER_EPOCH // BATCH_SIZE
    return ntm_copy.train_copy(
        model,
        epochs * steps * BATCH_SIZE,
        batch_size=BATCH_SIZE,
        every=min(500, steps),
        verbose=verbose,
        callbacks=callbacks,
        steps_per_epoch=steps,
        backup_dir=backup_dir,
    )


def evaluate(model):
    """Mean bit errors per sequence over the lengths 1 to 20."""
    return float(np.mean(list(ntm_copy.evaluate_copy(model).values())))


def example_inputs():
    inputs, _, _ = copy_task(2, 10, 10, seed=7)
    return {"sequence": inputs}


def plot(model, path):
    from keras_memory.viz import memory_access
    from keras_memory.viz import plot_memory_access

    inputs, _, _ = copy_task(1, PLOT_LENGTH, PLOT_LENGTH, seed=3)
    plot_memory_access(inputs[0], *memory_access(model, inputs[0]), path=path)


RECIPE = Recipe(
    name="ntm-copy",
    description=(
        "Neural Turing Machine copies sequences of 1 to 20 random 8-bit "
        "vectors (Graves et al. 2014, copy task); the demo uses the shipped "
        "weights."
    ),
    metric_name="bit errors per sequence",
    default_epochs=50,
    build_model=build_model,
    train=train,
    evaluate=evaluate,
    example_inputs=example_inputs,
    plot=plot,
    build_pretrained=build_pretrained,
    options=("no_jit",),
)
