"""Character-level language modelling: HM-LSTM against a stacked LSTM.

What is measured
----------------
Both models read generated text with a known hierarchy
(`keras_memory.datasets.hierarchical_text`: letters -> words of a fixed
27-word lexicon -> sentences of a small grammar) and predict the next
character:

    Embedding(25 chars, 16) -> recurrent layers -> Dense(25) logits

* HM-LSTM: `HMLSTM(units_per_layer, output_module_units=units_per_layer[0])`,
  the paper's gated output module feeding the softmax, trained with
  `SlopeAnnealing` (the slope `a` grows from 1 to 5 over the run; see
  `--slope-step`).
* LSTM: two stacked `keras.layers.LSTM` of equal width, the width chosen so
  that the whole model has the HM-LSTM model's trainable parameter count
  (as close as an integer width allows; both counts are printed).

Both train for the same number of Adam updates on the same batches
(non-overlapping windows of the training text, shuffled with one seed) and
are scored on held-out text generated with another seed.

How to read it
--------------
`held-out BPC` is the mean cross-entropy of the next character in bits
(lower is better); `train BPC` is the same on the last training epoch's
batches. For reference, a model that knew only the character frequencies
would score the unigram entropy printed under the table.

The boundary table compares the HM-LSTM's first-layer boundaries `z^1_t` on
the held-out text with the true word ends (the position of every word's
last letter): precision, recall and F1 of exact positions, and with a
tolerance of one step (a boundary at the space after a word counts).
`rate` is the fraction of steps with `z^1_t = 1`; the true word-end rate is
printed beside it. The row "random at the same rate" is what boundaries
placed at random with the learned rate would score, the chance level. The
same is given for `z^2_t` against sentence ends when there are three layers.

Note that the words in this text are separated by spaces, which the model
sees, so segmenting it is much easier than discovering words in unsegmented
text; the question is whether the HM-LSTM's boundaries use the structure,
not whether segmentation is possible.

Run from the project root:

    .venv/bin/python benchmarks/hmlstm.py           # default, ~5 minutes on 2 CPU cores
    .venv/bin/python benchmarks/hmlstm.py --quick   # smoke run, well under a minute
    .venv/bin/python benchmarks/hmlstm.py --help
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import argparse  # noqa: E402
import math  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

# Benchmark the working tree this script belongs to.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.callbacks import SlopeAnnealing  # noqa: E402
from keras_memory.datasets.hierarchical_text import ALPHABET  # noqa: E402
from keras_memory.datasets.hierarchical_text import boundary_scores  # noqa: E402
from keras_memory.datasets.hierarchical_text import decode  # noqa: E402
from keras_memory.datasets.hierarchical_text import hierarchical_text  # noqa: E402
from keras_memory.datasets.hierarchical_text import language_model_windows  # noqa: E402
from keras_memory.layers.hmlstm import HMLSTM  # noqa: E402
from keras_memory.viz.hmlstm import plot_boundaries  # noqa: E402

EMBEDDING_SIZE = 16
QUICK_SETTINGS = {
    "units": [8, 8, 8],
    "train_sentences": 60,
    "test_sentences": 20,
    "sequence_length": 32,
    "batch_size": 8,
    "epochs": 2,
    "steps_per_epoch": 3,
    "jit_compile": False,  # XLA compilation would dominate a smoke run
}


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text}")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Character-level LM on generated hierarchical text: "
        "HM-LSTM against a stacked LSTM of equal parameter count.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--units", type=positive_int, nargs="+", default=[64, 64, 64],
        help="HM-LSTM units per layer, bottom up (at least two layers)",
    )
    flags = [
        ("--train-sentences", 3000, "sentences of training text (seed 0)"),
        ("--test-sentences", 300, "sentences of held-out text (seed 1)"),
        ("--sequence-length", 64, "characters per training window"),
        ("--batch-size", 32, "windows per batch"),
        ("--epochs", 16, "epochs; the slope is annealed once per epoch"),
        ("--steps-per-epoch", 50, "Adam updates per epoch"),
    ]
    for flag, default, help_text in flags:
        parser.add_argument(flag, type=positive_int, default=default, help=help_text)
    parser.add_argument(
        "--learning-rate", type=float, default=3e-3, help="Adam learning rate"
    )
    parser.add_argument(
        "--slope-step", type=float, default=None,
        help="slope increase per epoch, a = min(5, 1 + step * epoch); default: "
        "4 / (epochs - 1), so that the run ends at a = 5 as the paper's "
        "schedule (step 0.04 over 100 epochs) does",
    )
    parser.add_argument("--seed", type=int, default=0, help="weights and shuffling")
    parser.add_argument(
        "--figure", default=None,
        help="save plot_boundaries of the first held-out window to this PNG",
    )
    parser.add_argument(
        "--no-jit", dest="jit_compile", action="store_false",
        help="train without XLA (jit_compile=False)",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="tiny sizes and a few steps, for a smoke run (overrides the sizes)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK_SETTINGS.items():
            setattr(args, name, value)
    if len(args.units) < 2:
        parser.error("--units needs at least two layers")
    if args.slope_step is None:
        args.slope_step = 4.0 / max(1, args.epochs - 1)
    return args


# === Models ===


def _loss():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def build_hmlstm(args):
    """The HM-LSTM language model and a probe model for its boundaries."""
    characters = keras.Input((None,), dtype="int32", name="characters")
    embedded = keras.layers.Embedding(len(ALPHABET), EMBEDDING_SIZE, name="embedding")(
        characters
    )
    features, boundaries = HMLSTM(
        args.units,
        output_module_units=args.units[0],
        return_sequences=True,
        return_boundaries=True,
        name="hmlstm",
    )(embedded)
    logits = keras.layers.Dense(len(ALPHABET), name="next_character")(features)
    model = keras.Model(characters, logits, name="hmlstm_lm")
    probe = keras.Model(characters, boundaries, name="hmlstm_boundaries")
    return model, probe


def build_lstm(width, num_layers=2):
    characters = keras.Input((None,), dtype="int32", name="characters")
    hidden = keras.layers.Embedding(len(ALPHABET), EMBEDDING_SIZE, name="embedding")(
        characters
    )
    for index in range(num_layers):
        hidden = keras.layers.LSTM(width, return_sequences=True, name=f"lstm_{index + 1}")(
            hidden
        )
    logits = keras.layers.Dense(len(ALPHABET), name="next_character")(hidden)
    return keras.Model(characters, logits, name="lstm_lm")


def trainable_parameters(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def lstm_width_matching(target_parameters, num_layers=2):
    """The LSTM width whose model's parameter count is closest to the target."""

    def count(width):
        vocabulary = len(ALPHABET)
        total = vocabulary * EMBEDDING_SIZE + width * vocabulary + vocabulary
        below = EMBEDDING_SIZE
        for _ in range(num_layers):
            total += 4 * width * (below + width + 1)
            below = width
        return total

    widths = range(1, 4096)
    return min(widths, key=lambda width: abs(count(width) - target_parameters))


# === Training and scoring ===


def bits_per_character(model, inputs, targets, batch_size):
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    losses = keras.losses.sparse_categorical_crossentropy(
        targets, logits, from_logits=True
    )
    return float(np.mean(keras.ops.convert_to_numpy(losses)) / math.log(2))


def train(model, data, args, callbacks=()):
    keras.utils.set_random_seed(args.seed)
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        loss=_loss(),
        jit_compile=args.jit_compile,
    )
    inputs, targets = data
    rng = np.random.default_rng(args.seed)
    steps = args.epochs * args.steps_per_epoch
    # The same batches, in the same order, for every model.
    order = np.concatenate(
        [rng.permutation(len(inputs)) for _ in range(1 + steps * args.batch_size // len(inputs))]
    )[: steps * args.batch_size]

    def batches():
        for step in range(steps):
            index = order[step * args.batch_size : (step + 1) * args.batch_size]
            yield inputs[index], targets[index]

    start = time.perf_counter()
    history = model.fit(
        batches(),
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        callbacks=list(callbacks),
        shuffle=False,  # the generator yields the shared, shuffled batches
        verbose=0,
    )
    seconds = time.perf_counter() - start
    train_bpc = history.history["loss"][-1] / math.log(2)
    return train_bpc, seconds


def boundary_rows(boundaries, test, args):
    """Boundary precision/recall/F1 rows for z^1 (and z^2) on held-out text."""
    boundaries = boundaries.reshape(-1, boundaries.shape[-1])
    length = boundaries.shape[0]
    targets = [("z^1", "word ends", test.word_ends)]
    if boundaries.shape[-1] > 1:
        targets.append(("z^2", "sentence ends", test.sentence_ends))
    rng = np.random.default_rng(args.seed + 1)
    rows = []
    for level, (name, truth_name, truth) in enumerate(targets):
        truth = truth[truth < length]
        predicted = boundaries[:, level]
        rate = float(predicted.mean())
        random = (rng.random(length) < rate).astype("float32")
        for label, z in ((f"HM-LSTM {name}", predicted), ("random at the same rate", random)):
            exact = boundary_scores(z, truth)
            near = boundary_scores(z, truth, tolerance=1)
            rows.append(
                (
                    label,
                    truth_name,
                    f"{float(z.mean()):.3f}",
                    f"{truth.size / length:.3f}",
                    f"{exact['precision']:.2f}",
                    f"{exact['recall']:.2f}",
                    f"{exact['f1']:.2f}",
                    f"{near['precision']:.2f}",
                    f"{near['recall']:.2f}",
                    f"{near['f1']:.2f}",
                )
            )
    return rows


def unigram_bits(ids):
    counts = np.bincount(ids, minlength=len(ALPHABET)).astype("float64")
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    train_text = hierarchical_text(args.train_sentences, seed=0)
    test_text = hierarchical_text(args.test_sentences, seed=1)
    train_data = language_model_windows(train_text.ids, args.sequence_length)
    test_inputs, test_targets = language_model_windows(test_text.ids, args.sequence_length)

    hmlstm, probe = build_hmlstm(args)
    hm_parameters = trainable_parameters(hmlstm)
    width = lstm_width_matching(hm_parameters)
    lstm = build_lstm(width)
    lstm_parameters = trainable_parameters(lstm)

    print("Machine")
    print(f"  python {platform.python_version()}, keras {keras.__version__}, "
          f"backend {keras.backend.backend()}, {os.cpu_count()} CPU cores")
    steps = args.epochs * args.steps_per_epoch
    print(
        f"\nConfiguration\n"
        f"  text: {len(train_text.text)} training characters "
        f"({args.train_sentences} sentences, seed 0), {len(test_text.text)} held-out "
        f"({args.test_sentences} sentences, seed 1)\n"
        f"  windows of {args.sequence_length} characters, batch {args.batch_size}, "
        f"{steps} Adam updates (lr {args.learning_rate}) = {args.epochs} epochs x "
        f"{args.steps_per_epoch}, jit_compile={args.jit_compile}, seed {args.seed}\n"
        f"  slope annealing: a = min(5, 1 + {args.slope_step:.3g} * epoch)\n"
    )

    slope_step = args.slope_step
    annealing = SlopeAnnealing(lambda epoch: min(5.0, 1.0 + slope_step * epoch))
    results = []
    for name, model, parameters, callbacks in (
        (f"HM-LSTM {args.units} + output module", hmlstm, hm_parameters, [annealing]),
        (f"LSTM 2 x {width}", lstm, lstm_parameters, []),
    ):
        train_bpc, seconds = train(model, train_data, args, callbacks)
        test_bpc = bits_per_character(model, test_inputs, test_targets, args.batch_size)
        results.append(
            (name, parameters, steps, f"{train_bpc:.3f}", f"{test_bpc:.3f}", f"{seconds:.0f}")
        )

    print(
        markdown_table(
            ["model", "parameters", "updates", "train BPC", "held-out BPC", "training s"],
            results,
        )
    )
    print(
        f"\nUnigram entropy of the held-out text: {unigram_bits(test_text.ids):.3f} bits "
        f"per character. Final slope a = {annealing.history[-1]:.2f}."
    )
    boundaries = np.asarray(
        probe.predict(test_inputs, batch_size=args.batch_size, verbose=0)
    )
    print("\nBoundaries on the held-out text (tolerance 1: one step either side)\n")
    print(
        markdown_table(
            [
                "boundaries", "against", "rate", "true rate",
                "precision", "recall", "F1",
                "precision (tol. 1)", "recall (tol. 1)", "F1 (tol. 1)",
            ],
            boundary_rows(boundaries, test_text, args),
        )
    )
    window = decode(test_inputs[0])
    print("\nThe first held-out window ('_' is a space; '|' marks z = 1, '^' a word end):\n")
    print("  text  " + window.replace(" ", "_"))
    ends = set(test_text.word_ends.tolist())
    print("  word  " + "".join("^" if t in ends else " " for t in range(len(window))))
    for level in range(boundaries.shape[-1]):
        marks = "".join("|" if z else "." for z in boundaries[0, :, level])
        print(f"  z^{level + 1}   " + marks)
    if args.figure:
        plot_boundaries(
            window, boundaries[0], path=args.figure,
            true_boundaries=[t for t in range(len(window)) if t in ends],
        )
        print(f"\nFigure written to {args.figure}.")


if __name__ == "__main__":
    main()
