"""The `keras-memory` command: demo, train, evaluate, translate, export and info.

The command parses its arguments and prints what a recipe
(`keras_memory.recipes`) returns; tables go through the one formatter,
`keras_memory.applications.tables.format_table`. TensorFlow is imported
quietly (`quiet_tensorflow`) before anything else imports it: the
`keras-memory` script calls it from `keras_memory/__init__.py`, ahead of
the layers. Ctrl-C ends a command with one line and exit status 130.
"""

import argparse
import json
import os
import pathlib
import sys

DEMO_RECIPE = "ntm-copy"
INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def quiet_tensorflow():
    """Silences TensorFlow's C++ logging, from before its first import.

    `TF_CPP_MIN_LOG_LEVEL=3` (kept if the user set another value) hides
    the logs written after TensorFlow's start (`cuInit` errors, CPU
    feature notes); the few it writes while loading, before its logging
    reads that variable (oneDNN, CUDA driver lookup), are hidden by
    importing it with the process' stderr sent to /dev/null. Python errors
    of the import still show: they are raised after stderr is back.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            pass
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


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


def print_report(report, output_format="table"):
    """Prints a recipe's `Report`: its lines, its table and its notes, or JSON."""
    if output_format == "json":
        print(json.dumps(report.data))
        return
    from keras_memory.applications.tables import format_table

    for line in report.lines:
        print(line)
    if report.table is not None:
        print(format_table(*report.table))
    for line in report.notes:
        print(line)


def run_demo(args):
    """Train, measure, export for TF Serving, reload without us, plot."""
    import keras
    import numpy as np

    from keras_memory.export import export_for_serving
    from keras_memory.export import named_outputs
    from keras_memory.export import predict_in_fresh_process
    from keras_memory.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    if not recipe.has_demo:
        raise ValueError(
            f"Received an invalid value for argument `--recipe`: {recipe.name!r} "
            f"trains on files given with --data and has no demo; use "
            f"`keras-memory train {recipe.name} --data DIR`."
        )
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


# Options of `train` that only some recipes take (`Recipe.options`).
RECIPE_OPTIONS = ("data", "task", "no_jit", "setup", "examples", "runs")


def run_train(args):
    """`keras-memory train NAME`: the recipe trains; its report is printed."""
    from keras_memory.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    for option in RECIPE_OPTIONS:
        if getattr(args, option) not in (None, False) and option not in recipe.options:
            flag = "--" + option.replace("_", "-")
            takers = _recipes_taking(option)
            raise ValueError(
                f"Received an invalid value for argument `{flag}`: it is for "
                f"`keras-memory train {'/'.join(takers)}` only, got it with {recipe.name!r}."
            )
    if recipe.needs_data and args.data is None:
        raise ValueError(
            f"Received no value for argument `--data`, expected {recipe.data_description}."
        )
    print_report(recipe.train_command(args))
    return 0


def _recipes_taking(option):
    from keras_memory.recipes import available_recipes

    return [name for name, recipe in available_recipes().items() if option in recipe.options]


def run_evaluate(args):
    """`keras-memory evaluate NAME`: the recipe's evaluation, as a table or JSON."""
    from keras_memory.recipes import get_recipe

    recipe = get_recipe(args.what)
    if recipe.needs_data and args.data is None:
        raise ValueError(
            f"Received no value for argument `--data`, expected {recipe.data_description}."
        )
    print_report(recipe.run_evaluate(args), args.format)
    return 0


def run_translate(args):
    """`keras-memory translate`: one normalised date per input, argv or stdin."""
    from keras_memory.recipes import dates

    # No text on the command line: one input per line of stdin.
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin]
    for text in dates.translate(texts, weights=args.weights, beam_width=args.beam_width):
        print(text)
    return 0


def run_caption(args):
    """`keras-memory caption IMAGE...`: one caption and its score per image file."""
    from keras_memory.recipes import Report
    from keras_memory.recipes import captioning

    rows = captioning.caption_files(args.images, args.weights, args.beam_width)
    report = Report(
        table=(
            ["image", "caption", "log-probability"],
            [[path, caption, f"{score:.3f}"] for path, caption, score in rows],
            ["left", "left", "right"],
        ),
        data={"captions": [{"image": p, "caption": c, "score": s} for p, c, s in rows]},
    )
    print_report(report, args.format)
    return 0


def run_export(args):
    from keras_memory.applications.shipped_weights import load_model
    from keras_memory.export import describe_signature
    from keras_memory.export import export_for_serving

    model_path = pathlib.Path(args.model)
    if not model_path.is_file():
        raise SystemExit(f"keras-memory export: no such model file: {model_path}")
    try:
        # Names the file and the fault of a truncated or foreign file.
        model = load_model(model_path)
    except ValueError as error:
        raise SystemExit(f"keras-memory export: {error}") from None
    name = args.name or model_path.stem
    export_dir = export_for_serving(model, args.base_dir, name, args.version)
    print(f"Wrote {export_dir}")
    print(json.dumps(describe_signature(export_dir), indent=2))
    return 0


def run_info(args):
    import keras_memory
    from keras_memory import applications
    from keras_memory import layers
    from keras_memory.recipes import available_recipes

    info = {
        "version": keras_memory.__version__,
        "layers": list(layers.__all__),
        "applications": list(applications.__all__),
        "recipes": {name: r.description for name, r in available_recipes().items()},
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
        help=(
            "train from scratch for this many epochs; default: the shipped "
            "weights, or the recipe's epochs"
        ),
    )
    demo.add_argument(
        "--output-dir", default="demo_output", help="model and figure; default: demo_output"
    )
    demo.add_argument(
        "--serving-dir", default="serving", help="TF Serving base directory; default: serving"
    )
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
    train.add_argument("recipe", help="recipe name (see `keras-memory info`)")
    train.add_argument(
        "--epochs",
        type=_positive_int,
        help=(
            "default: the recipe's (babi: the paper's, 90 joint, 120 with one "
            "--task, linear start included)"
        ),
    )
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
        "--backup-dir",
        help=(
            "back up the run at the end of every epoch in this folder (its "
            "own); run the same command again after a crash or kill and it "
            "resumes from the backup, ending as an uninterrupted run would; "
            "deleted when training ends; default: no backup"
        ),
    )
    train.add_argument(
        "--data",
        help=(
            "babi: folder of the qa*_train.txt files; glimpse: folder of the MNIST "
            "train-*-ubyte files (required for both)"
        ),
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
        "--setup",
        choices=("mnist_28x28", "cluttered_60x60"),
        help=(
            "glimpse only: the paper's setup, 28 x 28 digits (6 glimpses of 8 x 8) or "
            "cluttered 60 x 60 canvases (8 glimpses of three 12 x 12 patches); "
            "default: mnist_28x28"
        ),
    )
    train.add_argument(
        "--no-jit",
        action="store_true",
        help=(
            "ntm-copy, babi, glimpse and captioning only: train without XLA (no "
            "compilation: a faster start, slower steps)"
        ),
    )
    train.add_argument(
        "--examples",
        type=_positive_int,
        help="captioning only: generated training scenes; default: 24000",
    )
    train.add_argument(
        "--runs",
        type=_positive_int,
        help=(
            "babi only: train this many runs from seeds --seed, --seed + 1, ... "
            "(the paper's 10), print each run's table and keep the run of "
            "lowest training error (the paper's rule); default: 1"
        ),
    )
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a shipped model: babi, captioning, dates or glimpse",
        description=(
            "Answer the questions of every qa*_{split}.txt file in --data "
            "with the End-to-End Memory Network (the shipped babi-en-1k "
            "weights: per task the shipped per-task model where it beat the "
            "joint one on validation, the joint model elsewhere; or "
            "--weights) and print per task the error (%) and "
            "whether the task failed (error > 5%), then the mean error and "
            "the number of failed tasks. --split validation uses the 10% of "
            "the stories of the qa*_train.txt files held out in training. "
            "`keras-memory evaluate dates` prints the exact match of the "
            "date normaliser (the shipped weights, or --weights) on held-out "
            "generated dates per language and format, greedy and beam 4. "
            "`keras-memory evaluate glimpse --data DIR` prints the error of the "
            "glimpse classifier (shipped weights of --setup, or --weights) on the "
            "official t10k-*-ubyte files in DIR (--split test), with the mean path "
            "and averaged over 10 sampled paths. `keras-memory evaluate captioning` "
            "prints the greedy exact match, BLEU-1 to BLEU-4 and attention "
            "correctness of the captioner (shipped weights, or --weights) on "
            "--examples held-out generated scenes of --split test or validation."
        ),
    )
    evaluate.add_argument(
        "what",
        choices=_evaluated_recipes(),
        help="what to evaluate: babi, captioning, dates or glimpse",
    )
    evaluate.add_argument(
        "--data", help="folder of the bAbI files, or of the MNIST IDX files (glimpse; required)"
    )
    evaluate.add_argument(
        "--split",
        choices=("test", "train", "validation"),
        default="test",
        help="default: test",
    )
    evaluate.add_argument(
        "--weights",
        help=(
            "a .weights.h5 file (babi: with vocabulary.json beside it); default: the "
            "shipped weights (babi: babi-en-1k)"
        ),
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
    evaluate.add_argument(
        "--setup",
        choices=("mnist_28x28", "cluttered_60x60"),
        help=(
            "glimpse only: the shipped weights (and canvases) of this setup, or the "
            "setup of --weights; default: mnist_28x28"
        ),
    )
    evaluate.add_argument(
        "--examples",
        type=_positive_int,
        help="captioning only: held-out scenes to caption; default: 1000",
    )
    evaluate.add_argument("--format", choices=("table", "json"), default="table")
    evaluate.set_defaults(handler=run_evaluate)

    caption = commands.add_parser(
        "caption",
        help="caption images of coloured shapes (the shipped Show, Attend and Tell captioner)",
        description=(
            "Print the caption and its log-probability of every PNG or JPEG file "
            "given, 56 x 56 pixels (greyscale and alpha images are read as RGB), with "
            "ShowAttendTellShapes: the shipped weights, or --weights."
        ),
    )
    caption.add_argument("images", nargs="+", help="PNG or JPEG files")
    caption.add_argument(
        "--beam-width", type=_positive_int, default=1, help="1 is greedy; default: 1"
    )
    caption.add_argument(
        "--weights",
        help="a .weights.h5 file from `keras-memory train captioning`; default: shapes (shipped)",
    )
    caption.add_argument("--format", choices=("table", "json"), default="table")
    caption.set_defaults(handler=run_caption)

    translate = commands.add_parser(
        "translate",
        help="normalise written dates to ISO 8601 (the shipped date normaliser)",
        description=(
            "Print the ISO 8601 form (1999-05-04) of every date given on the "
            "command line, or of every line of stdin when none is given, one "
            "output line per input, with the DateNormalizer (English, French "
            "and German dates; an empty input prints an empty line)."
        ),
    )
    translate.add_argument("texts", nargs="*", help="written dates; default: lines of stdin")
    translate.add_argument(
        "--beam-width", type=_positive_int, default=1, help="1 is greedy; default: 1"
    )
    translate.add_argument(
        "--weights",
        help="a .weights.h5 file from `keras-memory train dates`; default: dates (shipped)",
    )
    translate.set_defaults(handler=run_translate)

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


def _evaluated_recipes():
    from keras_memory.recipes import available_recipes

    return tuple(
        name for name, recipe in available_recipes().items() if recipe.run_evaluate is not None
    )


def main(argv=None):
    quiet_tensorflow()
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, FileExistsError, FileNotFoundError) as error:
        print(f"keras-memory {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        # Ctrl-C: one line, no traceback; files already written (weights,
        # checkpoints renamed into place) stay as they are.
        kept = f"; {interrupt}" if str(interrupt) else ""
        print(
            f"\nkeras-memory {args.command}: interrupted (Ctrl-C){kept}",
            file=sys.stderr,
            flush=True,
        )
        if argv is None:
            # As the command: skip the interpreter's teardown, where
            # TensorFlow's input threads can hold the exit for many seconds.
            sys.stdout.flush()
            os._exit(INTERRUPTED)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
