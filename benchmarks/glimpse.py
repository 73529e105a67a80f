"""Recurrent glimpse model (RAM) against equal-parameter CNN and MLP, on MNIST.

Three tables, each measured in one run (Mnih et al. 2014, sections 4.1-4.2):

1. Accuracy (`--parts accuracy`): the error on the 1,000 held-out digits
   (`datasets.mnist.split_validation`, 100 per class) of models trained on
   the same 4,000 training digits of `../shared/data/mnist-5k`, with new
   placements every epoch, on three tasks: the 28 x 28 digits, translated
   60 x 60 canvases and cluttered 60 x 60 canvases (4 pieces of 8 x 8 of
   other digits). The models:
   - RAM: the paper's setup for the canvas (28 x 28: 6 glimpses of one
     8 x 8 patch; 60 x 60: 8 glimpses of three 12 x 12 patches), trained
     with the hybrid loss; the error from the mean path and averaged over
     10 sampled paths;
   - RAM, random locations: the same networks with every glimpse drawn
     uniformly (`location_policy="uniform"`), at inference too; the
     control for what the learned policy adds;
   - CNN: 4 convolutions (5 x 5, then 3 x 3 with stride 2), global max
     pooling and a hidden layer, its widths chosen so that it has the RAM's
     parameter count (within 1 %);
   - MLP: two hidden layers of the width that gives the RAM's count.
   The paper (60,000 training digits): 28 x 28, RAM 1.29 %; cluttered
   60 x 60, RAM 8 glimpses 5.23 % against a convolutional network's 7.83 %.

2. Cost (`--parts cost`): milliseconds per image of inference (batches of
   `--cost-batch`, compiled, median of `--repeats`) of the RAM (8 glimpses
   of three 12 x 12 patches) and of the CNN on 60 x 60 and 100 x 100
   canvases; the RAM's grows with the glimpses, not with the canvas.

3. XLA (`--parts xla`): one training step of the 60 x 60 RAM with
   `jit_compile=True` against without (median ms of `--repeats`).

Run from the project root:

    .venv/bin/python benchmarks/glimpse.py                # about 40 min on 2 cores
    .venv/bin/python benchmarks/glimpse.py --quick        # smoke run
    .venv/bin/python benchmarks/glimpse.py --parts cost,xla
"""

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.applications.glimpse import evaluation  # noqa: E402
from keras_memory.applications.glimpse import model as glimpse_model  # noqa: E402
from keras_memory.applications.tables import format_table  # noqa: E402
from keras_memory.datasets import mnist  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-5k"
# name: (canvas side, pieces of clutter, paper setup of the RAM)
TASKS = {
    "28x28": (28, 0, "mnist_28x28"),
    "translated 60x60": (60, 0, "cluttered_60x60"),
    "cluttered 60x60": (60, 4, "cluttered_60x60"),
}
PARTS = ("accuracy", "cost", "xla")
VALIDATION_SEED = 2014
MONTE_CARLO = 10


def load_digits(directory, quick):
    """`(train, validation)` digits: 4,000 / 1,000 of the shared 5,000 (or a few)."""
    images, labels = mnist.load_mnist_directory(directory)
    train, validation = mnist.split_validation(images, labels)
    if quick:
        return (train[0][::40], train[1][::40]), (validation[0][::20], validation[1][::20])
    return train, validation


def ram(setup, location_policy="gaussian", seed=0, small=False):
    """The paper-setup `GlimpseClassifier` (`small`: tiny widths, for --quick)."""
    sizes = {}
    if small:
        sizes = dict(glimpse_units=8, location_units=8, glimpse_output_units=16, core_units=16)
    return glimpse_model.paper_classifier(
        setup, location_policy=location_policy, seed=seed, **sizes
    )


def _conv_parameters(width):
    w = width
    return (25 + 1) * w + (9 * w + 1) * 2 * w + (9 * 2 * w + 1) * 4 * w + (9 * 4 * w + 1) * 4 * w


def cnn_shape(budget):
    """`(width, hidden)` of the CNN with `budget` parameters, or nearly.

    The convolutions take the largest width within 80 % of the budget, the
    hidden layer of the head takes the rest (the count moves in steps of
    `4 w + 11`, well under 1 %).
    """
    width = max(w for w in range(1, 512) if _conv_parameters(w) <= 0.8 * budget)
    rest = budget - _conv_parameters(width) - 10
    return width, max(1, round(rest / (4 * width + 1 + 10)))


def cnn_parameters(width, hidden, num_classes=10):
    """Parameters of `cnn(width, hidden, canvas)` (they do not depend on the canvas)."""
    return _conv_parameters(width) + (4 * width + 1) * hidden + (hidden + 1) * num_classes


def cnn(width, hidden, canvas, num_classes=10):
    """Conv 5x5 (w), 3 x conv 3x3/2 (2w, 4w, 4w), global max pool, dense `hidden`."""
    images = keras.Input((canvas, canvas, 1))
    x = keras.layers.Conv2D(width, 5, padding="same", activation="relu")(images)
    for filters in (2 * width, 4 * width, 4 * width):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    return keras.Model(images, keras.layers.Dense(num_classes)(x), name="cnn")


def mlp_parameters(hidden, canvas, num_classes=10):
    inputs = canvas * canvas
    return (inputs + 1) * hidden + (hidden + 1) * hidden + (hidden + 1) * num_classes


def mlp(hidden, canvas, num_classes=10):
    images = keras.Input((canvas, canvas, 1))
    x = keras.layers.Flatten()(images)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    return keras.Model(images, keras.layers.Dense(num_classes)(x), name="mlp")


def mlp_hidden(budget, canvas, num_classes=10):
    """The hidden width whose `mlp_parameters` is nearest `budget`."""
    widths = np.arange(1, 4097)
    counts = np.array([mlp_parameters(int(w), canvas, num_classes) for w in widths])
    return int(widths[np.argmin(np.abs(counts - budget))])


def compile_baseline(model, learning_rate, steps):
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.03)
    model.compile(
        keras.optimizers.Adam(schedule),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=True,
    )
    return model


def compile_ram(model, learning_rate, steps):
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.03)
    model.compile(keras.optimizers.Adam(schedule), metrics=["accuracy"], jit_compile=True)
    return model


def baseline_error(model, images, labels):
    logits = model.predict(images, batch_size=256, verbose=0)
    return float(100.0 * np.mean(np.argmax(logits, -1) != labels))


def accuracy_table(args, train, validation):
    """Rows `[task, model, parameters, epochs, error, error 10 paths, seconds]`."""
    rows = []
    for task in args.tasks:
        canvas, clutter, setup = TASKS[task]
        data = mnist.DigitCanvases(
            *train, batch_size=args.batch_size, canvas_size=canvas,
            num_clutter=clutter, seed=args.seed,
        )
        val_images = mnist.place_digits(validation[0], canvas, clutter, seed=VALIDATION_SEED)
        val_labels = validation[1]
        budget = None
        for name, policy in (("RAM", "gaussian"), ("RAM, random locations", "uniform")):
            keras.utils.set_random_seed(args.seed)
            model = ram(setup, policy, seed=args.seed, small=args.quick)
            budget = budget or model.count_params()
            compile_ram(model, args.ram_learning_rate, args.ram_epochs * len(data))
            start = time.perf_counter()
            model.fit(data, epochs=args.ram_epochs, verbose=0)
            seconds = time.perf_counter() - start
            mean_path = evaluation.error_rate(model, val_images, val_labels)
            paths = evaluation.error_rate(
                model, val_images, val_labels, monte_carlo_samples=MONTE_CARLO
            )
            rows.append([task, name, model.count_params(), args.ram_epochs,
                         f"{mean_path:.2f}", f"{paths:.2f}", f"{seconds:.0f}"])
            _progress(rows[-1])
        baselines = (
            ("CNN", lambda: cnn(*cnn_shape(budget), canvas)),
            ("MLP", lambda: mlp(mlp_hidden(budget, canvas), canvas)),
        )
        for name, build in baselines:
            keras.utils.set_random_seed(args.seed)
            model = build()
            compile_baseline(model, args.baseline_learning_rate, args.baseline_epochs * len(data))
            start = time.perf_counter()
            model.fit(data, epochs=args.baseline_epochs, verbose=0)
            seconds = time.perf_counter() - start
            error = baseline_error(model, val_images, val_labels)
            rows.append([task, name, model.count_params(), args.baseline_epochs,
                         f"{error:.2f}", "", f"{seconds:.0f}"])
            _progress(rows[-1])
    header = ["task", "model", "parameters", "epochs", "error (%)",
              f"error, {MONTE_CARLO} paths (%)", "training s"]
    return header, rows, ["left", "left"] + ["right"] * 5


def _progress(row):
    print(" | ".join(str(c) for c in row), file=sys.stderr, flush=True)


def median_ms(function, repeats):
    function()  # the compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def cost_table(args):
    """Inference ms per image of the RAM and the CNN on 60 x 60 and 100 x 100."""
    rows = []
    keras.utils.set_random_seed(args.seed)
    budget = ram("cluttered_60x60", small=args.quick).count_params()
    shape = cnn_shape(budget)
    for canvas in (60, 100):
        images = np.random.default_rng(0).random((args.cost_batch, canvas, canvas, 1))
        images = images.astype("float32")
        models = {
            "RAM (8 glimpses, 3 x 12 x 12)": glimpse_model.paper_classifier(
                "cluttered_60x60", image_shape=(canvas, canvas, 1),
                **(dict(glimpse_units=8, location_units=8, glimpse_output_units=16,
                        core_units=16) if args.quick else {}),
            ),
            "CNN": cnn(*shape, canvas),
        }
        for name, model in models.items():
            model.jit_compile = True
            ms = median_ms(lambda m=model: m.predict_on_batch(images), args.repeats)
            rows.append([f"{canvas}x{canvas}", name, model.count_params(),
                         f"{ms / args.cost_batch:.3f}"])
            _progress(rows[-1])
    header = ["canvas", "model", "parameters", "inference ms per image"]
    return header, rows, ["left", "left", "right", "right"]


def xla_table(args):
    """One training step of the 60 x 60 RAM, with and without XLA."""
    rng = np.random.default_rng(0)
    images = rng.random((args.batch_size, 60, 60, 1)).astype("float32")
    labels = rng.integers(0, 10, args.batch_size)
    rows = []
    for jit in (False, True):
        keras.utils.set_random_seed(args.seed)
        model = ram("cluttered_60x60", seed=args.seed, small=args.quick)
        model.compile(keras.optimizers.Adam(1e-3), jit_compile=jit)
        ms = median_ms(lambda m=model: m.train_on_batch(images, labels), args.repeats)
        rows.append(["jit_compile=True" if jit else "jit_compile=False", f"{ms:.1f}"])
    ratio = float(rows[0][1]) / float(rows[1][1])
    rows[1].append(f"{ratio:.2f}x")
    rows[0].append("1.00x")
    header = ["training step", f"ms (batch {args.batch_size})", "speed-up"]
    return header, rows, ["left", "right", "right"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DATA), help="folder of the MNIST IDX files")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated")
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--ram-epochs", type=int, default=200)
    parser.add_argument("--ram-learning-rate", type=float, default=1e-3)
    parser.add_argument("--baseline-epochs", type=int, default=30)
    parser.add_argument("--baseline-learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--cost-batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"argument --parts: unknown parts {unknown}, expected some of {PARTS}")
    if args.quick:
        args.ram_epochs, args.baseline_epochs, args.repeats, args.cost_batch = 1, 1, 2, 4
    print(
        f"keras {keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs; "
        f"seed {args.seed}.\n"
    )
    if "accuracy" in parts:
        if not pathlib.Path(args.data).is_dir():
            raise SystemExit(f"benchmarks/glimpse.py: no MNIST folder at {args.data} (--data)")
        train, validation = load_digits(args.data, args.quick)
        print(
            f"Accuracy: {len(train[1])} training digits (new placements every epoch), "
            f"{len(validation[1])} held out (placements seed {VALIDATION_SEED}); batch "
            f"{args.batch_size}; RAM: Adam {args.ram_learning_rate:g} cosine-decayed over "
            f"{args.ram_epochs} epochs; CNN and MLP: Adam {args.baseline_learning_rate:g} "
            f"cosine-decayed over {args.baseline_epochs} epochs; all with XLA.\n"
        )
        print(format_table(*accuracy_table(args, train, validation)) + "\n")
    if "cost" in parts:
        print(f"Cost: inference, batches of {args.cost_batch}, median of {args.repeats}.\n")
        print(format_table(*cost_table(args)) + "\n")
    if "xla" in parts:
        print(f"XLA: one training step, median of {args.repeats}.\n")
        print(format_table(*xla_table(args)) + "\n")


if __name__ == "__main__":
    main()
