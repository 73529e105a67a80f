"""Stacked attention against pooling on generated visual questions.

The Stacked Attention Network's claim (Yang et al., CVPR 2016): a question
that attends to image regions answers better than one that sees a single
pooled image vector, and two hops better than one. Every model here shares

- the regions `v_I`: one per grid cell, `m = 9` on the 3x3 grid, from a
  single 8x8 convolution of stride 8 (`d` filters, relu) of the RGB image
  with two coordinate channels appended (x and y in [-1, 1]), plus a
  learned position embedding per region (`(m, d)`, added), so that a
  region can say where it is;
- the question encoder `v_Q`: a bag of words, the mean of the word
  embeddings (size `d`, padding masked) through `Dense(d, tanh)`;

and they differ only in how they combine the two:

- **SAN**: `StackedAttention(d, hops)([v_I, v_Q])`, then
  `Dense(answers, softmax)`, as in the paper (two hops, and one to test
  the paper's claim that two are better);
- **average / max pooling**: the regions pooled (`GlobalAveragePooling1D`
  or `GlobalMaxPooling1D`), concatenated with `v_Q`, then a hidden
  `Dense(hidden, relu)` and `Dense(answers, softmax)`. The hidden layer
  gives the baseline the question-image interaction that attention
  provides; its width is chosen so that the baseline has as many
  parameters as the two-hop SAN.

All train on the same Shapes VQA data (`keras_memory.datasets.shapes_vqa`)
from the same seed, for the same epochs, with the same Adam, and are scored
on held-out examples; the table gives the accuracy in all and by question
type. The default question types are the three that ask about one object
singled out by the question: its colour, its shape, its cell ("where").
The fourth type, "is there a <colour> <shape> ?", is left out by default
(`--question-types` puts it back): it asks about the whole image, which
pooling summarises as well as attention does.

Run from the project root:

    .venv/bin/python benchmarks/stacked_attention.py            # about 3 min on a loaded 2-core CPU
    .venv/bin/python benchmarks/stacked_attention.py --quick    # smoke run, about 15 s of CPU
"""

import argparse
import importlib
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.layers.stacked_attention import StackedAttention  # noqa: E402

# By name: `keras_memory.datasets.shapes_vqa` may be the function of that name.
vqa = importlib.import_module("keras_memory.datasets.shapes_vqa")

# (table name, fusion, hops)
MODELS = (
    ("SAN (2 hops)", "attention", 2),
    ("SAN (1 hop)", "attention", 1),
    ("average pooling + MLP", "average", None),
    ("max pooling + MLP", "max", None),
)
DEFAULT_TYPES = ("colour", "shape", "where")


class RegionPositions(keras.layers.Layer):
    """Adds a learned position embedding `(m, d)` to regions `(batch, m, d)`."""

    def build(self, input_shape):
        self.embedding = self.add_weight(
            shape=tuple(input_shape[1:]), name="embedding", initializer="zeros"
        )

    def call(self, regions):
        return regions + self.embedding


def with_coordinates(images):
    """`images` `(N, H, W, 3)` with x and y coordinate channels appended."""
    n, h, w, _ = images.shape
    y, x = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    coordinates = np.broadcast_to(np.stack([x, y], -1), (n, h, w, 2))
    return np.concatenate([images, coordinates.astype("float32")], axis=-1)


def baseline_hidden(features, num_answers):
    """The baseline's hidden width with the two-hop SAN's parameter count."""
    # SAN: per hop W_{I,A}, W_{Q,A} (d x k), b_A, W_P (k), k = d; then the
    # answer layer d -> answers. Baseline: 2d -> hidden -> answers.
    san = 2 * (2 * features * features + 2 * features) + (features + 1) * num_answers
    return round((san - num_answers) / (2 * features + 1 + num_answers))


def build(
    fusion, hops, features, hidden, num_answers, learning_rate, cell=8, grid=3,
    run_eagerly=False,
):
    """A SAN (`fusion="attention"`) or a pooling baseline, compiled."""
    # === Layers ===
    image = keras.Input((grid * cell, grid * cell, 5), name="image")  # RGB, x, y
    question = keras.Input((vqa.MAX_QUESTION_LENGTH,), dtype="int32", name="question")
    # One region per grid cell: an 8x8 patch embedding, v_I (batch, m, d).
    cells = keras.layers.Conv2D(
        features, cell, strides=cell, activation="relu", name="cells"
    )(image)
    regions = keras.layers.Reshape((grid * grid, features), name="regions")(cells)
    regions = RegionPositions(name="positions")(regions)
    # Bag of words, v_Q (batch, d).
    words = keras.layers.Embedding(
        len(vqa.VOCABULARY), features, mask_zero=True, name="embedding"
    )(question)
    bag = keras.layers.GlobalAveragePooling1D(name="bag_of_words")(words)
    question_vector = keras.layers.Dense(features, activation="tanh", name="question_encoder")(
        bag
    )

    # === Fusion ===
    if fusion == "attention":
        fused = StackedAttention(features, hops=hops, name="stacked_attention")(
            [regions, question_vector]
        )  # u^K
    else:
        pooling = (
            keras.layers.GlobalAveragePooling1D
            if fusion == "average"
            else keras.layers.GlobalMaxPooling1D
        )
        pooled = pooling(name="pooling")(regions)
        fused = keras.layers.Concatenate(name="fusion")([pooled, question_vector])
        fused = keras.layers.Dense(hidden, activation="relu", name="hidden")(fused)
    answer = keras.layers.Dense(num_answers, activation="softmax", name="answer")(fused)

    # === Functional Model ===
    model = keras.Model([image, question], answer, name=fusion)
    model.compile(
        keras.optimizers.Adam(learning_rate),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=run_eagerly,
    )
    return model


def question_type_rows(questions):
    """Boolean rows of each question type (told apart by their first words)."""
    first, second = questions[:, 0], questions[:, 1]
    return {
        "colour": (first == vqa.TOKEN_IDS["what"]) & (second == vqa.TOKEN_IDS["colour"]),
        "shape": (first == vqa.TOKEN_IDS["what"]) & (second == vqa.TOKEN_IDS["shape"]),
        "exists": first == vqa.TOKEN_IDS["is"],
        "where": first == vqa.TOKEN_IDS["where"],
    }


def chance(question_types):
    """Accuracy of guessing from the question alone, types drawn uniformly."""
    guesses = {
        "colour": 1 / len(vqa.COLOURS),
        "shape": 1 / len(vqa.SHAPES),
        "exists": 1 / 2,
        "where": 1 / 9,
    }
    return float(np.mean([guesses[t] for t in question_types]))


def main(argv=None, deterministic=True):
    """Prints the table; `deterministic=False` leaves TensorFlow's op determinism alone.

    Op determinism is a process-wide switch that cannot be turned off again;
    a caller in a shared process (a test) passes `deterministic=False`.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=4000, help="training examples")
    parser.add_argument("--validation-examples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--features", type=int, default=32, help="d, also k")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument(
        "--question-types", nargs="+", default=list(DEFAULT_TYPES),
        choices=vqa.QUESTION_TYPES,
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.examples, args.validation_examples, args.epochs = 256, 200, 1
    types = tuple(t for t in vqa.QUESTION_TYPES if t in args.question_types)

    # Same numbers on every run with the same seed.
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    images, questions, answers = vqa.shapes_vqa(
        args.examples, question_types=types, seed=(args.seed, 1)
    )
    val_images, val_questions, val_answers = vqa.shapes_vqa(
        args.validation_examples, question_types=types, seed=(args.seed, 2)
    )
    images, val_images = with_coordinates(images), with_coordinates(val_images)
    num_answers = len(vqa.ANSWERS)
    hidden = baseline_hidden(args.features, num_answers)
    print(
        f"Shapes VQA ({', '.join(types)} questions): {args.examples} training and "
        f"{args.validation_examples} validation examples (24x24 images with x, y "
        f"channels, 3x3 grid, "
        f"3 to 5 objects, {num_answers} answers); 9 regions of d = "
        f"{args.features}, attention units k = {args.features}, baseline hidden "
        f"{hidden}; {args.epochs} epochs, batch {args.batch_size}, Adam "
        f"{args.learning_rate:g}, seed {args.seed}; keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs.\n"
        f"Chance from the question alone: {chance(types):.3f}.\n"
    )
    print("| model | parameters | validation accuracy | " + " | ".join(types) + " | training s |")
    print("|---|---|---|" + "---|" * len(types) + "---|")
    val_rows = question_type_rows(val_questions)
    for name, fusion, hops in MODELS:
        keras.utils.set_random_seed(args.seed)
        # A smoke run's few steps cost less eagerly than tracing the step.
        model = build(
            fusion, hops, args.features, hidden, num_answers, args.learning_rate,
            run_eagerly=args.quick,
        )
        start = time.perf_counter()
        model.fit(
            [images, questions], answers,
            batch_size=args.batch_size, epochs=args.epochs, verbose=0,
        )
        seconds = time.perf_counter() - start
        # One eager call: cheaper than tracing `predict` for a single batch.
        predicted = np.argmax(
            keras.ops.convert_to_numpy(model([val_images, val_questions])), -1
        )
        correct = predicted == val_answers
        print(
            f"| {name} | {model.count_params()} | {correct.mean():.3f} | "
            + " | ".join(f"{correct[val_rows[t]].mean():.3f}" for t in types)
            + f" | {seconds:.0f} |"
        )


if __name__ == "__main__":
    main()
