"""Recipe: the recurrent glimpse model (RAM) classifies MNIST digits.

`keras-memory train glimpse --data DIR [--setup mnist_28x28|cluttered_60x60]`
trains the paper-setup `GlimpseClassifier` on the `train-*-ubyte` files in
`DIR` (4,000 digits for training, 1,000 held out,
`keras_memory.applications.glimpse.train_on_mnist`) and writes
`.weights.h5` with `<stem>.json` beside it; `keras-memory evaluate glimpse
--data DIR` prints the error of the shipped weights (or `--weights`) on the
official `t10k-*-ubyte` files (`--split test`, the default), the training
files, or the held-out validation digits, with the mean path and with
Monte Carlo averaging over sampled paths.
"""

import pathlib

from keras_memory.recipes import Recipe
from keras_memory.recipes import Report

SETUPS = ("mnist_28x28", "cluttered_60x60")
MONTE_CARLO_SAMPLES = 10
# "test" reads the official t10k-*-ubyte files.
SPLITS = ("test", "train", "validation")


def _check_data(data, split):
    stem = "t10k" if split == "test" else "train"
    directory = pathlib.Path(data)
    if not any(directory.glob(f"{stem}-images-idx3-ubyte*")):
        why = "no such folder" if not directory.is_dir() else "no such file in it"
        raise ValueError(
            "Received an invalid value for argument `--data`, expected a folder "
            f"with the MNIST IDX files {stem}-images-idx3-ubyte(.gz) and "
            f"{stem}-labels-idx1-ubyte(.gz), got {str(data)!r} ({why})."
        )
    return directory


def _setup(options):
    return getattr(options, "setup", None) or SETUPS[0]


def _command(directory, setup, epochs, output, options):
    """The `keras-memory train glimpse` command line that makes this run."""
    words = ["keras-memory", "train", "glimpse", "--data", str(directory), "--setup", setup,
             "--epochs", str(epochs), "--seed", str(options.seed), "--output", str(output)]
    if getattr(options, "no_jit", False):
        words.append("--no-jit")
    return " ".join(words)


def train(options):
    """`keras-memory train glimpse`: trains, saves, reports the validation error."""
    from keras_memory.applications.glimpse import training

    directory = _check_data(options.data, "train")
    setup = _setup(options)
    output = pathlib.Path(options.output or f"glimpse_mnist/{setup}.weights.h5")
    if not output.name.endswith(".weights.h5"):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a path "
            "ending in .weights.h5 (written with <stem>.json beside it), got "
            f"{str(output)!r}."
        )
    epochs = options.epochs or training.SETUP_EPOCHS[setup]
    _, metadata = training.train_on_mnist(
        directory,
        setup,
        epochs=epochs,
        seed=options.seed,
        output=output,
        jit_compile=not getattr(options, "no_jit", False),
        monte_carlo_samples=MONTE_CARLO_SAMPLES,
        verbose=2,
        command=_command(directory, setup, epochs, output, options),
        # --backup-dir: a backup every epoch; the same command resumes.
        backup_dir=getattr(options, "backup_dir", None),
    )
    errors = metadata["validation"]
    rows = [
        [
            setup,
            f"{errors['error_percent_mean_path']:.2f}",
            f"{errors[f'error_percent_monte_carlo_{MONTE_CARLO_SAMPLES}']:.2f}",
        ]
    ]
    return Report(
        lines=(f"Validation error (%) on the {errors['digits']} held-out digits:",),
        table=(
            ["setup", "mean path", f"{MONTE_CARLO_SAMPLES} paths"],
            rows,
            ["left", "right", "right"],
        ),
        notes=(f"Saved {output}, and {output.name.removesuffix('.weights.h5')}.json beside it",),
        data={"setup": setup, "output": str(output), **errors},
    )


def evaluate(options):
    """`keras-memory evaluate glimpse`: the error on `t10k` (or another split)."""
    from keras_memory.applications.glimpse import evaluation
    from keras_memory.applications.glimpse import model as glimpse_model
    from keras_memory.applications.glimpse import presets
    from keras_memory.applications.glimpse import training
    from keras_memory.datasets import mnist

    split = getattr(options, "split", None) or "test"
    if split not in SPLITS:
        raise ValueError(
            f"Received an invalid value for argument `--split`, expected one of "
            f"{list(SPLITS)} with glimpse, got {split!r}."
        )
    directory = _check_data(options.data, split)
    weights = options.weights or _setup(options)
    setup = weights if weights in presets.SHIPPED_WEIGHTS else _setup(options)
    model = glimpse_model.pretrained_classifier(weights, setup=setup)
    images, labels = mnist.load_mnist_directory(directory, "t10k" if split == "test" else "train")
    if split != "test":
        train_part, validation_part = mnist.split_validation(images, labels)
        images, labels = validation_part if split == "validation" else train_part
    canvases, labels = training.setup_canvases(images, labels, setup)
    deterministic = evaluation.error_rate(model, canvases, labels)
    sampled = evaluation.error_rate(
        model, canvases, labels, monte_carlo_samples=MONTE_CARLO_SAMPLES
    )
    paper = training.PAPER_RESULTS[setup]["test_error_percent"]
    rows = [[setup, str(len(labels)), f"{deterministic:.2f}", f"{sampled:.2f}", f"{paper:.2f}"]]
    return Report(
        lines=(f"Glimpse classifier ({weights}) on the {split} digits of {directory}",),
        table=(
            [
                "setup",
                "digits",
                "error, mean path (%)",
                f"error, {MONTE_CARLO_SAMPLES} paths (%)",
                "paper (%)",
            ],
            rows,
            ["left"] + ["right"] * 4,
        ),
        notes=(
            "Paper: Mnih et al. 2014, test error after training on the 60,000 digits; "
            "the shipped weights saw 4,000.",
        ),
        data={
            "setup": setup,
            "weights": weights,
            "split": split,
            "digits": len(labels),
            "error_percent_mean_path": deterministic,
            f"error_percent_monte_carlo_{MONTE_CARLO_SAMPLES}": sampled,
        },
    )


RECIPE = Recipe(
    name="glimpse",
    description=(
        "Recurrent glimpse model (RAM, Mnih et al. 2014) classifies MNIST digits, "
        "28 x 28 or cluttered 60 x 60; needs --data DIR of MNIST IDX files."
    ),
    metric_name="validation error (%)",
    default_epochs=600,
    needs_data=True,
    data_description="a folder of MNIST IDX files (train-images-idx3-ubyte.gz, ...)",
    options=("data", "setup", "no_jit"),
    run_train=train,
    run_evaluate=evaluate,
)
