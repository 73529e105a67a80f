"""The `keras-memory` command: demo, train, evaluate, export and info.

Importing `keras_memory` imports Keras (it registers the layers for
`.keras` loading), so even `--help` takes the few seconds of a TensorFlow
import; the heavier modules (export, recipes, matplotlib) load only in the
subcommand that needs them.
"""

import argparse
import json
import os
import pathlib
import sys

DEMO_RECIPE = "ntm-copy"

# Recipes that train on files the user gives (`--data DIR`) rather than on a
# generated task; they have no demo (nothing to train on without the files).
BABI_RECIPE = "babi"
DATA_RECIPES = {
    BABI_RECIPE: (
        "End-to-End Memory Network (PE LS RN) answers bAbI questions "
        "(Sukhbaatar et al. 2015); needs --data DIR of qa*_train.txt files."
    ),
}


def _quiet_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or str(value) != text.strip():
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _print_header(text):
    print(f"\n== {text} ==", flush=True)


def run_demo(args):
    """Train, measure, export for TF Serving, reload without us, plot."""
    _quiet_tensorflow()
    import keras
    import numpy as np

    from keras_memory.export import (
        export_for_serving,
        named_outputs,
        predict_in_fresh_process,
    )
    from keras_memory.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    epochs = args.epochs or recipe.default_epochs

    _print_header(f"{recipe.name}: {recipe.description}")
    model = recipe.build_model()
    before = recipe.evaluate(model)
    print(f"{recipe.metric_name} before training: {before:.4f}")

    if recipe.build_pretrained is not None and not args.epochs:
        _print_header("Loading the shipped weights (--epochs N trains from scratch)")
        model = recipe.build_pretrained()
        after = recipe.evaluate(model)
        print(f"{recipe.metric_name} untrained:                {before:.4f}")
        print(f"{recipe.metric_name} with the shipped weights: {after:.4f}")
    else:
        _print_header(f"Training for {epochs} epochs on {keras.backend.backend()}")
        recipe.train(model, epochs, verbose=1)
        after = recipe.evaluate(model)
        print(f"{recipe.metric_name} before training: {before:.4f}")
        print(f"{recipe.metric_name} after training:  {after:.4f}")
    model_path = output_dir / f"{recipe.name}.keras"
    model.save(model_path)
    print(f"Saved the Keras model to {model_path}")

    _print_header("Exporting for TensorFlow Serving")
    export_dir = export_for_serving(model, args.serving_dir, recipe.name)
    print(f"Wrote {export_dir} (serve it with --model_base_path={export_dir.parent.resolve()})")

    _print_header("Calling the export in a fresh process without keras_memory")
    inputs = recipe.example_inputs()
    served = predict_in_fresh_process(export_dir, inputs)
    # The model takes its inputs in its own structure, not keyed by name.
    model_inputs = [inputs[tensor.name] for tensor in model.inputs]
    in_process = named_outputs(
        model,
        model.predict(model_inputs[0] if len(model_inputs) == 1 else model_inputs, verbose=0),
    )
    for key, value in served.items():
        difference = float(np.max(np.abs(value - in_process[key])))
        preview = np.array2string(value.reshape(-1)[:6], precision=3, separator=", ")
        print(f"{key}: shape {value.shape}, first values {preview}")
        print(f"largest difference from the in-process Keras model: {difference:.2e}")

    figure_path = output_dir / f"{recipe.name}.png"
    recipe.plot(model, figure_path)
    _print_header("Done")
    print(f"Figure of what the model learned: {figure_path}")
    return 0


def _check_babi_data(data, split="train"):
    """`data` as a path holding `qa*_{split}.txt` files, or raises ValueError."""
    if data is None:
        raise ValueError(
            "Received no value for argument `--data`, expected the folder of "
            f"the bAbI files (qa1_single-supporting-fact_{split}.txt, ...)."
        )
    directory = pathlib.Path(data)
    if not any(directory.glob(f"qa*_*_{split}.txt")):
        raise ValueError(
            "Received an invalid value for argument `--data`, expected a "
            f"folder with bAbI files qa*_{split}.txt, got {str(data)!r} "
            f"({'no such folder' if not directory.is_dir() else 'no such file in it'})."
        )
    return directory


def _babi_task(text):
    if text == "all":
        return text
    try:
        task = int(text)
    except ValueError:
        task = 0
    if not 1 <= task <= 20 or str(task) != text.strip():
        raise argparse.ArgumentTypeError(f"expected a task 1 to 20 or 'all', got {text!r}")
    return task


def run_train_babi(args):
    """`keras-memory train babi --data DIR`: the paper's bAbI training."""
    directory = _check_babi_data(args.data, "train")
    output = pathlib.Path(args.output or "memn2n_babi/babi.weights.h5")
    if not output.name.endswith(".weights.h5"):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a "
            "path ending in .weights.h5 (written with vocabulary.json and "
            f"metadata.json beside it), got {str(output)!r}."
        )
    from keras_memory.applications import memn2n_babi

    # "all": every task with a training file in DIR (the 20 of the
    # distribution, or the few a user has).
    tasks = args.task or sorted(memn2n_babi.find_task_files(directory, "train"))
    epochs = args.epochs or memn2n_babi.JOINT_EPOCHS
    result = memn2n_babi.train_babi(
        directory,
        tasks=tasks,
        epochs=epochs,
        halving_epochs=min(memn2n_babi.JOINT_HALVING_EPOCHS, max(1, epochs // 4)),
        seed=args.seed,
        jit_compile=not args.no_jit,
        output=output,
        verbose=2,
    )
    print("\nValidation error per task (the held-out 10% of the training files):")
    print(memn2n_babi.format_error_table(result["validation_errors"]))
    print(f"Saved {output}, and vocabulary.json and metadata.json beside it")
    return 0


def run_train(args):
    if args.recipe == BABI_RECIPE:
        return run_train_babi(args)
    for option in ("data", "task", "no_jit"):
        if getattr(args, option) not in (None, False):
            option = option.replace("_", "-")
            raise ValueError(
                f"Received an invalid value for argument `--{option}`: it is "
                f"for `keras-memory train {BABI_RECIPE}` only, got it with "
                f"{args.recipe!r}."
            )
    _quiet_tensorflow()
    import keras

    from keras_memory.recipes import available_recipes, get_recipe

    if args.recipe not in available_recipes():
        raise ValueError(
            f"Received an invalid value for argument `name`, expected one of "
            f"{sorted([*available_recipes(), *DATA_RECIPES])}, got {args.recipe!r}."
        )
    recipe = get_recipe(args.recipe)
    keras.utils.set_random_seed(args.seed)
    epochs = args.epochs or recipe.default_epochs
    output = pathlib.Path(args.output or f"{recipe.name}.keras")
    if not output.name.endswith((".keras", ".weights.h5")):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a "
            f"path ending in .keras or .weights.h5, got {str(output)!r}."
        )
    model = recipe.build_model()
    recipe.train(model, epochs, verbose=1)
    metric = recipe.evaluate(model)
    print(f"{recipe.metric_name}: {metric:.4f}")
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.name.endswith(".weights.h5"):
        # Weights for an application, with what produced them beside.
        model.save_weights(output)
        metadata = {
            "recipe": recipe.name,
            "epochs": epochs,
            "seed": args.seed,
            "metric_name": recipe.metric_name,
            "metric": metric,
            "keras_version": keras.__version__,
            "backend": keras.backend.backend(),
        }
        metadata_path = output.with_name("metadata.json")
        metadata_path.write_text(json.dumps(metadata, indent=2) + "\n")
        print(f"Saved {output} and {metadata_path}")
    else:
        model.save(output)
        print(f"Saved {output}")
    return 0


def run_evaluate(args):
    """`keras-memory evaluate babi --data DIR`: per-task error, paper's layout.

    With shipped weights every task is answered by the shipped per-task
    model where there is one (it beat the joint model on validation) and
    by the joint model elsewhere; `--joint-only` uses the joint model for
    all. A `--weights` file is one model for every task.
    """
    directory = _check_babi_data(
        args.data, "train" if args.split == "validation" else args.split
    )
    _quiet_tensorflow()
    from keras_memory.applications import memn2n_babi

    weights = args.weights or "babi-en-1k"
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
        per_task = {} if args.joint_only else memn2n_babi.per_task_weights(weights)
        tasks = sorted(
            memn2n_babi.find_task_files(
                directory, "train" if args.split == "validation" else args.split
            )
        )
        model = memn2n_babi.babi_models(weights, tasks, per_task=not args.joint_only)
        labels = {task: "per-task" if task in per_task else "joint" for task in tasks}
        what = f"{weights}, joint only" if args.joint_only else (
            f"{weights}, per-task weights on tasks "
            f"{', '.join(str(t) for t in sorted(per_task) if t in tasks) or 'none'}, "
            "joint elsewhere"
        )
    else:
        model = memn2n_babi.MemN2NbAbI(weights=weights, vocabulary=vocabulary)
        what = weights
    errors = memn2n_babi.evaluate_babi(model, directory, args.split, vocabulary)
    summary = memn2n_babi.summarize_errors(errors)
    if args.format == "json":
        print(json.dumps(summary))
        return 0
    from keras_memory.datasets.babi import TASK_NAMES

    paper = memn2n_babi.PAPER_ERRORS["PE LS RN joint"]
    column = f"{'Model':<9}" if labels is not None else ""
    print(f"MemN2N ({what}) on the {args.split} split of {directory}")
    print(f"{'Task':<31}{'Error (%)':>10}  {'Failed':<7}{column}{'Paper (%)':>10}")
    for task, row in summary["tasks"].items():
        name = f"{task}: {TASK_NAMES[int(task)]}"
        failed = "yes" if row["failed"] else ""
        label = f"{labels[int(task)]:<9}" if labels is not None else ""
        print(f"{name:<31}{row['error']:>10.1f}  {failed:<7}{label}{paper[int(task)]:>10.1f}")
    shown = [paper[int(task)] for task in summary["tasks"]]
    pad = " " * len(column)
    print(f"{'Mean error (%)':<31}{summary['mean_error']:>10.1f}  {'':<7}{pad}{sum(shown) / len(shown):>10.1f}")
    print(
        f"{'Failed tasks (error > 5%)':<31}{summary['failed_tasks']:>10d}  {'':<7}{pad}"
        f"{sum(e > memn2n_babi.FAILED_ERROR for e in shown):>10d}"
    )
    print("Paper: Sukhbaatar et al. 2015, table 1, MemN2N PE LS RN joint, 1k, test error.")
    return 0


def run_export(args):
    _quiet_tensorflow()
    import keras

    import keras_memory  # noqa: F401  (registers the layers for loading)
    from keras_memory.export import describe_signature, export_for_serving

    model_path = pathlib.Path(args.model)
    if not model_path.is_file():
        raise SystemExit(f"keras-memory export: no such model file: {model_path}")
    model = keras.saving.load_model(model_path)
    name = args.name or model_path.stem
    export_dir = export_for_serving(model, args.base_dir, name, args.version)
    print(f"Wrote {export_dir}")
    print(json.dumps(describe_signature(export_dir), indent=2))
    return 0


def run_info(args):
    import keras_memory
    from keras_memory import applications, layers
    from keras_memory.recipes import available_recipes

    recipes = available_recipes()
    info = {
        "version": keras_memory.__version__,
        "layers": list(layers.__all__),
        "applications": list(applications.__all__),
        "recipes": {
            **{name: r.description for name, r in recipes.items()},
            **DATA_RECIPES,
        },
    }
    if args.format == "json":
        print(json.dumps(info, indent=2))
        return 0
    print(f"keras_memory {info['version']}")
    print("\nLayers:")
    for name in info["layers"]:
        print(f"  {name}")
    print("\nApplications:")
    for name in info["applications"] or ["(none yet)"]:
        print(f"  {name}")
    print("\nTraining recipes (keras-memory train NAME):")
    for name, description in info["recipes"].items():
        print(f"  {name}: {description}")
    return 0


def build_parser():
    from keras_memory.version import __version__

    parser = argparse.ArgumentParser(
        prog="keras-memory",
        description="Neural memory and multiscale recurrence for Keras 3.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="run a trained model, export it for TF Serving and plot it",
        description=(
            "Build a recipe's model (default: the NTM copy machine), print its "
            "metric untrained, then with the shipped weights (a recipe without "
            "them, or --epochs N, trains on its generated task instead), export "
            "it for TF Serving, call the export in a fresh process that cannot "
            "import keras_memory, and write a PNG figure."
        ),
    )
    demo.add_argument("--recipe", default=DEMO_RECIPE, help=f"default: {DEMO_RECIPE}")
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        help="train from scratch for this many epochs; default: the shipped weights, or the recipe's epochs",
    )
    demo.add_argument("--output-dir", default="demo_output", help="model and figure; default: demo_output")
    demo.add_argument("--serving-dir", default="serving", help="TF Serving base directory; default: serving")
    demo.add_argument("--seed", type=int, default=0, help="default: 0")
    demo.set_defaults(handler=run_demo)

    train = commands.add_parser(
        "train",
        help="train a recipe's model and save it as .keras",
        description=(
            "Train a named recipe and save the model as a .keras file. "
            "`keras-memory train babi --data DIR` trains the End-to-End Memory "
            "Network on the bAbI files in DIR (jointly on every task by "
            "default) and writes .weights.h5 with vocabulary.json and "
            "metadata.json beside it."
        ),
    )
    train.add_argument("recipe", help="recipe name (see `keras-memory info`), or babi")
    train.add_argument("--epochs", type=_positive_int, help="default: the recipe's (babi: 60)")
    train.add_argument(
        "--output",
        help=(
            "a .keras file, or a .weights.h5 file (written with a "
            "metadata.json beside it); default: <recipe>.keras "
            "(babi: memn2n_babi/babi.weights.h5, .weights.h5 only)"
        ),
    )
    train.add_argument("--seed", type=int, default=0, help="default: 0")
    train.add_argument(
        "--data", help="babi only: folder of the qa*_train.txt files (required)"
    )
    train.add_argument(
        "--task",
        type=_babi_task,
        help=(
            "babi only: a task 1 to 20, or all (joint training on every "
            "task with a qa*_train.txt file in --data); default: all"
        ),
    )
    train.add_argument(
        "--no-jit",
        action="store_true",
        help="babi only: train without XLA (no compilation: a faster start for short runs)",
    )
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a bAbI model per task, in the paper's table layout",
        description=(
            "Answer the questions of every qa*_{split}.txt file in --data "
            "with the End-to-End Memory Network (the shipped babi-en-1k "
            "weights: per task the shipped per-task model where it beat the "
            "joint one on validation, the joint model elsewhere; or "
            "--weights) and print per task the error (%) and "
            "whether the task failed (error > 5%), then the mean error and "
            "the number of failed tasks. --split validation uses the 10% of "
            "the stories of the qa*_train.txt files held out in training."
        ),
    )
    evaluate.add_argument("what", choices=(BABI_RECIPE,), help="what to evaluate: babi")
    evaluate.add_argument("--data", help="folder of the bAbI files (required)")
    evaluate.add_argument(
        "--split", choices=("test", "train", "validation"), default="test",
        help="default: test",
    )
    evaluate.add_argument(
        "--weights",
        help="a .weights.h5 file with vocabulary.json beside it; default: babi-en-1k (shipped)",
    )
    evaluate.add_argument(
        "--joint-only",
        action="store_true",
        help=(
            "shipped weights only: answer every task with the joint model "
            "(default: the shipped per-task model on the tasks where it is "
            "better, the joint model elsewhere)"
        ),
    )
    evaluate.add_argument("--format", choices=("table", "json"), default="table")
    evaluate.set_defaults(handler=run_evaluate)

    export = commands.add_parser(
        "export",
        help="export a .keras model in TF Serving's layout",
        description=(
            "Write <base-dir>/<name>/<version>/ with a serving_default "
            "signature keyed by the model's input and output names."
        ),
    )
    export.add_argument("model", help="path to a .keras file")
    export.add_argument("--base-dir", default="serving", help="default: serving")
    export.add_argument("--name", help="model name; default: the file's stem")
    export.add_argument("--version", type=_positive_int, help="default: next free version")
    export.set_defaults(handler=run_export)

    info = commands.add_parser(
        "info",
        help="list the layers, applications and recipes",
        description="List the public layers, applications and training recipes.",
    )
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.set_defaults(handler=run_info)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, FileExistsError, FileNotFoundError) as error:
        print(f"keras-memory {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
