"""End-to-End Memory Network on bAbI: per-task error next to the paper's.

Evaluates `MemN2NbAbI` weights (the shipped `babi-en-1k` by default) on a
split of the bAbI files in `--data` and prints one Markdown table: per task
the error (%), whether it failed (error > 5%), and the paper's error
(Sukhbaatar et al. 2015, table 1, 1k training, MemN2N PE LS RN joint), then
the mean error and the number of failed tasks.

With `--train` it first trains a model the paper's way (`train_babi`:
joint over the tasks found, linear start, random noise, SGD 0.01 halved
every `--halving-epochs`, global clipnorm 40, batches of 32 with the cost
summed) for `--epochs` epochs and evaluates that model instead; `--output
PATH.weights.h5` keeps it (with vocabulary.json and metadata.json). The
shipped weights were made so (60 epochs, about 15 minutes on 2 busy cores):

    .venv/bin/python benchmarks/babi.py --train --epochs 60 \\
        --output saved_models/memn2n_babi/babi-en-1k.weights.h5

The paper's numbers are test errors, the best of 10 runs chosen on
validation; the project has only the training files, so the table reports
the held-out 10% of their stories (`--split validation`, the default).

Run from the project root:

    .venv/bin/python benchmarks/babi.py                      # shipped weights, seconds
    .venv/bin/python benchmarks/babi.py --quick              # generated tasks 1 and 15
    .venv/bin/python benchmarks/babi.py --train --epochs 60  # the full run
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "babi" / "en-train"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder of qa*_{split}.txt files")
    parser.add_argument("--split", default="validation", choices=("validation", "train", "test"))
    parser.add_argument("--weights", default="babi-en-1k", help="shipped name or .weights.h5 path")
    parser.add_argument("--train", action="store_true", help="train first, evaluate that model")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--halving-epochs", type=int, default=15)
    parser.add_argument("--output", help="with --train: where to save the .weights.h5")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true",
        help="generated tasks 1 and 15 (no download needed), shipped weights or 2 epochs",
    )
    args = parser.parse_args(argv)

    from keras_memory.applications import memn2n_babi
    from keras_memory.datasets import write_babi_files

    scratch = None
    data = pathlib.Path(args.data)
    if args.quick:
        scratch = tempfile.TemporaryDirectory()
        data = pathlib.Path(scratch.name)
        write_babi_files(data, tasks=(1, 15), num_stories=40)
        args.epochs = min(args.epochs, 2)
    if not any(data.glob("qa*_train.txt")):
        print(f"No bAbI training files in {data}: pass --data DIR (or --quick).", file=sys.stderr)
        return 2

    if args.train:
        tasks = sorted(memn2n_babi.find_task_files(data, "train"))
        result = memn2n_babi.train_babi(
            data, tasks=tasks, epochs=args.epochs,
            halving_epochs=min(args.halving_epochs, max(1, args.epochs // 4)),
            seed=args.seed, output=args.output, verbose=2,
        )
        model, vocabulary = result["model"], result["vocabulary"]
        title = f"trained here, {args.epochs} epochs"
    else:
        vocabulary = memn2n_babi.load_vocabulary(args.weights)
        model = memn2n_babi.MemN2NbAbI(weights=args.weights, vocabulary=vocabulary)
        title = args.weights
    errors = memn2n_babi.evaluate_babi(model, data, args.split, vocabulary)
    print(f"\nMemN2N ({title}), {args.split} split of {data}\n")
    print(memn2n_babi.format_error_table(errors, title=f"MemN2N {args.split}"))
    print(
        "\nPaper: Sukhbaatar et al. 2015, table 1, bAbI 1k, MemN2N PE LS RN "
        "joint, test error (best of 10 runs)."
    )
    if scratch is not None:
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
