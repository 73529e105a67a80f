"""Recipe: Show, Attend and Tell captions generated scenes of coloured shapes.

`keras-memory train captioning` trains `ShowAttendTellShapes(weights=None)`
on generated captioned-shapes scenes (`presets.SHAPES_SETUP`: 24,000
scenes, 24 epochs; `--examples` and `--epochs` change the budget) and
writes `.weights.h5` with `<stem>.json` beside it; `keras-memory evaluate
captioning` prints the greedy exact match (overall and by the number of
objects), BLEU-1 to BLEU-4 and the attention correctness of the shipped
weights (or `--weights`) on held-out scenes of the `test` split (or
`--split validation`, the scenes the shipped metadata reports);
`keras-memory caption IMAGE...` captions image files.
"""

import pathlib

from keras_memory.recipes import Recipe
from keras_memory.recipes import Report

# `--split train` would score scenes the model saw: not offered.
SPLITS = ("test", "validation")
EVALUATION_EXAMPLES = 1000


def _command(epochs, examples, output, options):
    """The `keras-memory train captioning` command line that makes this run."""
    words = ["keras-memory", "train", "captioning", "--epochs", str(epochs)]
    words += ["--examples", str(examples), "--seed", str(options.seed), "--output", str(output)]
    if getattr(options, "no_jit", False):
        words.append("--no-jit")
    return " ".join(words)


def _metrics_report(title, name, metrics, notes=(), data=None):
    from keras_memory.applications.captioning import evaluation

    header, rows, align = evaluation.metrics_table({name: metrics})
    return Report(lines=(title,), table=(header, rows, align), notes=notes, data=data)


def train(options):
    """`keras-memory train captioning`: trains, saves, reports the held-out metrics."""
    from keras_memory.applications.captioning import presets
    from keras_memory.applications.captioning import shapes_training

    output = pathlib.Path(options.output or "captioning/shapes.weights.h5")
    if not output.name.endswith(".weights.h5"):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a path "
            "ending in .weights.h5 (written with <stem>.json beside it), got "
            f"{str(output)!r}."
        )
    epochs = options.epochs or presets.SHAPES_SETUP["epochs"]
    examples = getattr(options, "examples", None) or presets.SHAPES_SETUP["examples"]
    _, metadata = shapes_training.train_on_shapes(
        epochs=epochs,
        examples=examples,
        seed=options.seed,
        output=output,
        jit_compile=not getattr(options, "no_jit", False),
        verbose=2,
        command=_command(epochs, examples, output, options),
        # --backup-dir: a backup every epoch; the same command resumes.
        backup_dir=getattr(options, "backup_dir", None),
    )
    metrics = metadata["validation"]
    return _metrics_report(
        f"Greedy captions of the {metrics['scenes']} held-out validation scenes:",
        "ShowAttendTellShapes",
        metrics,
        notes=(f"Saved {output}, and {output.name.removesuffix('.weights.h5')}.json beside it",),
        data={"output": str(output), **metrics},
    )


def evaluate(options):
    """`keras-memory evaluate captioning`: the metrics on held-out scenes."""
    from keras_memory.applications.captioning import evaluation
    from keras_memory.applications.captioning import shapes_training
    from keras_memory.applications.captioning.shapes import ShowAttendTellShapes

    split = getattr(options, "split", None) or "test"
    if split not in SPLITS:
        raise ValueError(
            f"Received an invalid value for argument `--split`, expected one of "
            f"{list(SPLITS)} with captioning (the training scenes are not scored), got {split!r}."
        )
    examples = getattr(options, "examples", None) or EVALUATION_EXAMPLES
    weights = options.weights or "shapes"
    captioner = ShowAttendTellShapes(weights=weights)
    seed = 0  # the scenes of the shipped metadata's seed
    metrics = evaluation.evaluate_captioner(
        captioner, shapes_training.scenes(examples, split, seed)
    )
    return _metrics_report(
        f"ShowAttendTellShapes ({weights}): greedy captions of {examples} held-out "
        f"{split} scenes (seed {seed})",
        str(weights),
        metrics,
        data={"weights": str(weights), "split": split, **metrics},
    )


def caption_files(paths, weights=None, beam_width=1):
    """`(path, caption, score)` of every image file, with `ShowAttendTellShapes(weights)`.

    PNG or JPEG files of the captioner's size (56 x 56); greyscale or alpha
    images are converted to RGB.
    """
    import numpy as np
    import tensorflow as tf

    from keras_memory.applications.captioning import shapes

    images = []
    for path in paths:
        path = pathlib.Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"No such image file: {str(path)!r}.")
        try:
            image = tf.io.decode_image(path.read_bytes(), channels=3, expand_animations=False)
        except tf.errors.InvalidArgumentError:
            raise ValueError(
                f"Could not decode the image file {str(path)!r}: expected PNG or JPEG bytes."
            ) from None
        if tuple(image.shape) != shapes.IMAGE_SHAPE:
            raise ValueError(
                f"The image file {str(path)!r} is {image.shape[1]} x {image.shape[0]} pixels; "
                f"the captioner takes {shapes.IMAGE_SIZE} x {shapes.IMAGE_SIZE}."
            )
        images.append(image.numpy())
    captioner = shapes.ShowAttendTellShapes(weights=weights or "shapes")
    captions, scores = shapes.caption_images(captioner, np.stack(images), beam_width=beam_width)
    return [(str(p), c, float(s)) for p, c, s in zip(paths, captions, scores)]


RECIPE = Recipe(
    name="captioning",
    description=(
        "Show, Attend and Tell (Xu et al. 2015) captions generated scenes of coloured "
        "shapes with soft attention over a 7 x 7 grid of convolutional features."
    ),
    metric_name="exact caption match (%, higher is better)",
    default_epochs=24,
    options=("examples", "no_jit"),
    run_train=train,
    run_evaluate=evaluate,
)
