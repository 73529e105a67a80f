"""End-to-End Memory Network on bAbI: per-task error next to the paper's.

Evaluates `MemN2NbAbI` weights (the shipped `babi-en-1k` by default) on a
split of the bAbI files in `--data` and prints one Markdown table: per task
the error (%), whether it failed (error > 5%), and the paper's error
(Sukhbaatar et al. 2015, table 1, 1k training, MemN2N PE LS RN joint), then
the mean error and the number of failed tasks.

With `--train` it first trains a model the paper's way (`train_babi`:
joint over the tasks found, the authors' code's 30 linear-start epochs,
then 60 with SGD 0.01 halved every 15, random noise, global clipnorm 40,
batches of 32 with the cost summed) and evaluates that model instead;
`--runs N` trains N runs from `--seed` on, prints each run's table and a
table of all runs, and keeps the one of lowest training error (the paper's
rule); `--output PATH.weights.h5` keeps it (with vocabulary.json and
metadata.json). The shipped weights were made so:

    .venv/bin/python benchmarks/babi.py --train --runs 10 \
        --output saved_models/memn2n_babi/babi-en-1k.weights.h5

(the same as `keras-memory train babi --data DIR --runs 10`).

The shipped weights answer every task with the shipped per-task model where
its training error is lower than the joint model's, the joint model
elsewhere (the `Model` column); `--joint-only` evaluates the joint model
alone.

The per-task weights were made with `--per-task`: one model per task (the
paper's per-task setup: d = 20, 20 linear epochs then 100, learning rate
halved every 25) on that task's training file alone, with the joint
vocabulary and the joint model's validation split, written to
`--output-dir`; then `--ship DIR` copies into saved_models/memn2n_babi/
those whose training error is lower than the joint model's and records
every task's comparison in metadata.json:

    .venv/bin/python benchmarks/babi.py --per-task --output-dir /tmp/per-task
    .venv/bin/python benchmarks/babi.py --ship /tmp/per-task

The paper's numbers are test errors, the best of 10 runs by training
error; the project has only the training files, so the table reports the
held-out 10% of their stories (`--split validation`, the default), which
chooses nothing.

`--ablation TASK` trains TASK (16 by default in the docs; `all` for the
joint model) once per seed of `--ablation-seeds` with each step from the
paper's text to the authors' code (MemN2N-babi-matlab): the centred
position encoding, the fixed-length linear start, the empty memory slots in
the softmax, and prints the validation errors side by side.

`--audit` times one joint training epoch instead (the paper's model,
`compile_for_babi`, XLA by default, `--no-jit` without): the epoch's batch
shapes (one XLA compile each), each shape's compile and median step, and
the epoch's wall time against the sum of its steps, so that what bounds an
epoch is printed: the steps themselves, or the input pipeline and Keras
around them.

Run from the project root:

    .venv/bin/python benchmarks/babi.py --audit              # a minute
    .venv/bin/python benchmarks/babi.py --ablation 16        # 3 minutes
    .venv/bin/python benchmarks/babi.py                      # shipped weights, seconds
    .venv/bin/python benchmarks/babi.py --quick              # generated tasks 1 and 15
    .venv/bin/python benchmarks/babi.py --train              # one full run, 4 minutes
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "babi" / "en-train"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder of qa*_{split}.txt files")
    parser.add_argument("--split", default="validation", choices=("validation", "train", "test"))
    parser.add_argument("--weights", default="babi-en-1k", help="shipped name or .weights.h5 path")
    parser.add_argument("--train", action="store_true", help="train first, evaluate that model")
    parser.add_argument(
        "--epochs", type=int,
        help="default: the paper's, 30 linear + 60 (--train), 20 + 100 (--per-task)",
    )
    parser.add_argument("--halving-epochs", type=int, help="default: a quarter after linear start")
    parser.add_argument(
        "--runs", type=int, default=1,
        help="with --train: runs from --seed on, the lowest training error kept (the paper's 10)",
    )
    parser.add_argument("--output", help="with --train: where to save the .weights.h5")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true",
        help="generated tasks 1 and 15 (no download needed), shipped weights or 2 epochs",
    )
    parser.add_argument(
        "--joint-only", action="store_true",
        help="shipped weights: the joint model on every task (no per-task weights)",
    )
    parser.add_argument(
        "--per-task", action="store_true",
        help=(
            "train one model per task (d = 20, halving every --epochs / 4; "
            "--epochs default 100 here) with the joint vocabulary, into --output-dir"
        ),
    )
    parser.add_argument(
        "--tasks",
        help="with --per-task: comma-separated tasks; "
        "default: every task the joint model gets wrong",
    )
    parser.add_argument(
        "--output-dir", help="with --per-task: where task<N>.weights.h5 and .json go"
    )
    parser.add_argument(
        "--audit", action="store_true",
        help="time one joint training epoch: its shapes, compiles, steps and the rest",
    )
    parser.add_argument("--no-jit", action="store_true", help="with --audit: without XLA")
    parser.add_argument(
        "--ablation", metavar="TASK",
        help="train TASK (a number, or all) with the paper's text and the authors' code "
        "side by side, one difference at a time, for every seed of --ablation-seeds",
    )
    parser.add_argument("--ablation-seeds", default="0,1,2", help="with --ablation")
    parser.add_argument(
        "--ship", metavar="DIR",
        help="copy the per-task weights of DIR that beat the joint model into saved_models/",
    )
    args = parser.parse_args(argv)
    if args.ship:
        return ship_per_task(pathlib.Path(args.ship), args.weights)

    from keras_memory.applications import memn2n_babi
    from keras_memory.datasets import write_babi_files

    scratch = None
    data = pathlib.Path(args.data)
    if args.quick:
        scratch = tempfile.TemporaryDirectory()
        data = pathlib.Path(scratch.name)
        write_babi_files(data, tasks=(1, 15), num_stories=40)
        args.epochs = min(args.epochs or 60, 2)
    if not any(data.glob("qa*_train.txt")):
        print(f"No bAbI training files in {data}: pass --data DIR (or --quick).", file=sys.stderr)
        return 2

    if args.audit:
        return audit_epoch(data, args)
    if args.ablation:
        return ablation(data, args)
    if args.per_task:
        return train_per_task(data, args)
    if args.train:
        tasks = sorted(memn2n_babi.find_task_files(data, "train"))
        settings = {"tasks": tasks, "epochs": args.epochs, "halving_epochs": args.halving_epochs}
        if args.runs > 1:
            result = memn2n_babi.train_babi_runs(
                data, runs=args.runs, seed=args.seed, output=args.output, verbose=0,
                report=print_run, **settings,
            )
            print_runs(result["runs"], result["chosen_run"])
        else:
            result = memn2n_babi.train_babi(
                data, seed=args.seed, output=args.output, verbose=2, **settings
            )
        model, vocabulary = result["model"], result["vocabulary"]
        title = f"trained here, {result['metadata']['training']['epochs']} epochs"
        labels = None
    elif args.weights in memn2n_babi.SHIPPED_WEIGHTS:
        vocabulary = memn2n_babi.load_vocabulary(args.weights)
        tasks = sorted(memn2n_babi.find_task_files(
            data, "train" if args.split == "validation" else args.split))
        model = memn2n_babi.babi_models(args.weights, tasks, per_task=not args.joint_only)
        per_task = {} if args.joint_only else memn2n_babi.per_task_weights(args.weights)
        labels = {t: "per-task" if t in per_task else "joint" for t in tasks}
        title = f"{args.weights}, joint only" if args.joint_only else (
            f"{args.weights}, per-task weights where better")
    else:
        vocabulary = memn2n_babi.load_vocabulary(args.weights)
        model = memn2n_babi.MemN2NbAbI(weights=args.weights, vocabulary=vocabulary)
        title = args.weights
        labels = None
    errors = memn2n_babi.evaluate_babi(model, data, args.split, vocabulary)
    print(f"\nMemN2N ({title}), {args.split} split of {data}\n")
    print(memn2n_babi.format_error_table(errors, title=f"MemN2N {args.split}", models=labels))
    print(
        "\nPaper: Sukhbaatar et al. 2015, table 1, bAbI 1k, MemN2N PE LS RN "
        "joint, test error (best of 10 runs)."
    )
    if scratch is not None:
        scratch.cleanup()
    return 0


# What the paper's text says and what the authors' code does, one at a time:
# (name, encoding, linear start, empty slots in the softmax).
ABLATION_VARIANTS = (
    ("the paper's text: printed PE, linear start until val. loss rises",
     "position", "plateau", False),
    ("+ the code's centred PE", "centered_position", "plateau", False),
    ("+ the code's fixed linear start (not its PE)", "position", None, False),
    ("the code's PE and fixed linear start", "centered_position", None, False),
    ("+ the code's empty memory slots (the recipe)", "centered_position", None, True),
)


def ablation(data, args):
    """`--ablation TASK`: validation error of each variant, seed by seed."""
    from keras_memory.applications import memn2n_babi

    tasks = "all" if args.ablation == "all" else [int(args.ablation)]
    seeds = [int(seed) for seed in args.ablation_seeds.split(",")]
    vocabulary = None if tasks == "all" else memn2n_babi.load_vocabulary(args.weights)
    rows = []
    for name, encoding, linear_start_epochs, empty_slots in ABLATION_VARIANTS:
        errors, start = [], time.time()
        for seed in seeds:
            result = memn2n_babi.train_babi(
                data, tasks=tasks, seed=seed, encoding=encoding,
                linear_start_epochs=linear_start_epochs, attend_empty_slots=empty_slots,
                epochs=args.epochs, vocabulary=vocabulary, verbose=0,
            )
            errors.append(result["metadata"]["mean_validation_error"])
        rows.append([name, *(f"{e:.1f}" for e in errors), f"{sum(errors) / len(errors):.1f}",
                     f"{time.time() - start:.0f}"])
    what = "the joint model" if tasks == "all" else f"task {tasks[0]} alone (d = 20)"
    print(f"\nMean validation error (%) of {what}, one run per seed, each variant "
          "one difference from the paper's text to the authors' code\n")
    print("| variant | " + " | ".join(f"seed {seed}" for seed in seeds) + " | mean | seconds |")
    print("|---|" + "---:|" * (len(seeds) + 2))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def print_run(index, result):
    """`--runs`: one run's validation table as it ends."""
    from keras_memory.applications import memn2n_babi

    metadata = result["metadata"]
    print(f"\nRun {index + 1} (seed {metadata['training']['seed']}, "
          f"{metadata['training']['seconds']} s): mean training error "
          f"{metadata['mean_training_error']}%\n", flush=True)
    print(memn2n_babi.format_error_table(result["validation_errors"]), flush=True)


def print_runs(runs, chosen):
    """`--runs`: every run in one table, the kept one marked."""
    print("\n| Run | Seed | Mean training error (%) | Mean validation error (%) "
          "| Failed tasks | Best epoch | Seconds | Kept |")
    print("|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for index, run in enumerate(runs):
        print(f"| {index + 1} | {run['seed']} | {run['mean_training_error']} | "
              f"{run['mean_validation_error']} | {run['failed_tasks']} | {run['best_epoch']} | "
              f"{run['seconds']} | {'yes' if index == chosen else ''} |")
    print("\nKept: the lowest mean training error (the paper's rule); the validation "
          "split does not choose.")


def audit_epoch(data, args):
    """What one joint training epoch spends its time on (`--audit`)."""
    import keras
    import numpy as np

    from keras_memory.applications import memn2n_babi
    from keras_memory.datasets import babi

    keras.utils.set_random_seed(args.seed)
    tasks = sorted(memn2n_babi.find_task_files(data, "train"))
    arrays = babi.load_babi(data, tasks, seed=args.seed)
    model = memn2n_babi.MemN2NbAbI(weights=None, vocabulary=arrays.vocabulary, seed=args.seed)
    memn2n_babi.compile_for_babi(model, jit_compile=False if args.no_jit else "auto")
    dataset = memn2n_babi.bucketed_dataset(arrays.train, shuffle=True, seed=args.seed)
    batches = list(dataset.as_numpy_iterator())
    by_shape = {}
    for inputs, answers in batches:
        by_shape.setdefault(inputs["story"].shape, (inputs, answers, []))[2].append(1)
    rows, step_total = [], 0.0
    for shape, (inputs, answers, members) in sorted(by_shape.items()):
        start = time.perf_counter()
        model.train_on_batch(inputs, answers)
        first = time.perf_counter() - start
        times = []
        for _ in range(20):
            start = time.perf_counter()
            model.train_on_batch(inputs, answers)
            times.append(time.perf_counter() - start)
        step = float(np.median(times))
        step_total += step * len(members)
        rows.append([str(shape), len(members), f"{max(0.0, first - step):.1f}",
                     f"{1000 * step:.2f}", f"{step * len(members):.2f}"])
    start = time.perf_counter()
    for _ in dataset:  # the input pipeline alone, one pass
        pass
    pipeline = time.perf_counter() - start
    epoch_times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.start)

    # Two epochs: the first fit traces its own step (for the dataset's
    # shapes) and compiles again; the second is the steady epoch.
    endless = memn2n_babi.bucketed_dataset(
        arrays.train, shuffle=True, seed=args.seed, repeat=True
    )
    model.fit(endless, epochs=2, steps_per_epoch=len(batches), verbose=0, shuffle=False,
              callbacks=[EpochTimer()])
    epoch = epoch_times[-1]
    print(f"\nOne joint training epoch: {len(tasks)} tasks, {len(batches)} batches of "
          f"{memn2n_babi.BATCH_SIZE}, jit_compile={model.jit_compile}, after every shape "
          "compiled\n")
    print("| story shape (batch, sentences, words) | batches | compile s | median step ms "
          "| steps s |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(f"\nEpoch wall time (fit, the second epoch; the first took {epoch_times[0]:.2f} s "
          f"with fit's own compiles): {epoch:.2f} s; its steps at the median "
          f"step time: {step_total:.2f} s ({100 * step_total / epoch:.0f} %); the rest, "
          f"the input pipeline and Keras's loop around the steps: {epoch - step_total:.2f} s. "
          f"The input pipeline alone (one pass, no model): {pipeline:.2f} s.")
    return 0


def train_per_task(data, args):
    """`--per-task`: one model per task, joint vocabulary and split."""
    from keras_memory.applications import memn2n_babi

    if not args.output_dir:
        print("--per-task needs --output-dir", file=sys.stderr)
        return 2
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    vocabulary = memn2n_babi.load_vocabulary(args.weights)
    metadata = memn2n_babi.shipped_metadata(args.weights)
    joint = metadata["validation_errors"]
    # Chosen on the training questions: the validation split only reports.
    joint_training = metadata.get("training_errors", joint)
    found = memn2n_babi.find_task_files(data, "train")
    if args.tasks:
        tasks = [int(t) for t in args.tasks.split(",")]
    else:  # a task the joint model fits perfectly cannot improve
        tasks = [t for t in found if joint_training.get(str(t), 100.0) > 0.0]
    for task in tasks:
        start = time.time()
        result = memn2n_babi.train_babi(
            data, tasks=[task], epochs=args.epochs, halving_epochs=args.halving_epochs,
            embedding_dim=memn2n_babi.PER_TASK_EMBEDDING_DIM, seed=args.seed,
            vocabulary=vocabulary, verbose=0,
        )
        result["model"].save_weights(output_dir / f"task{task}.weights.h5")
        metadata = result["metadata"]
        metadata["seconds_total"] = round(time.time() - start)
        (output_dir / f"task{task}.json").write_text(json.dumps(metadata, indent=1) + "\n")
        print(
            f"task {task}: per-task {result['validation_errors'][task]} "
            f"joint {joint.get(str(task))} ({metadata['seconds_total']} s)", flush=True,
        )
    return 0


def ship_per_task(results, weights="babi-en-1k"):
    """`--ship DIR`: per-task weights of DIR that beat the joint model, shipped.

    DIR holds `task<N>.weights.h5` and `task<N>.json` (`--per-task`). A
    task's weights are copied into the shipped folder when their training
    error is lower than the joint model's (the paper's rule for choosing
    among runs: the validation split, which the tables report, does not
    choose); metadata.json gets `per_task` (every task: joint and per-task
    errors on both splits, which model answers) and `combined` (the
    validation errors of that combination).
    """
    from keras_memory.applications import memn2n_babi

    folder = memn2n_babi.shipped_weights_path(weights).parent
    metadata_path = folder / memn2n_babi.METADATA_FILE
    metadata = json.loads(metadata_path.read_text())
    joint = {int(t): e for t, e in metadata["validation_errors"].items()}
    joint_training = {int(t): e for t, e in metadata["training_errors"].items()}
    for old in folder.glob("task*.weights.h5"):
        old.unlink()
    rows, combined, training = {}, {}, {}
    for task in sorted(joint):
        row = {
            "joint_error": joint[task], "per_task_error": None,
            "joint_training_error": joint_training[task], "per_task_training_error": None,
            "used": "joint",
        }
        info = results / f"task{task}.json"
        if info.is_file():
            trained = json.loads(info.read_text())
            error = trained["validation_errors"][str(task)]
            row["per_task_error"] = error
            row["per_task_training_error"] = trained["training_errors"][str(task)]
            for key in ("encoding", "sentence_size", "attend_empty_slots", "memory_size"):
                row[key] = trained["training"][key]
            row["epochs"] = trained["training"]["epochs"]
            row["best_epoch"] = trained["training"]["best_epoch"]
            row["embedding_dim"] = trained["training"]["embedding_dim"]
            row["seconds"] = trained.get("seconds_total", trained["training"]["seconds"])
            training = trained["training"]
            if row["per_task_training_error"] < joint_training[task]:
                row["used"] = "per-task"
                row["weights"] = f"task{task}.weights.h5"
                shutil.copyfile(results / row["weights"], folder / row["weights"])
        else:
            row["not_trained"] = (
                "the joint model's training error is 0.0" if joint_training[task] == 0.0
                else "not trained (the CPU time budget ran out first)"
            )
        rows[str(task)] = row
        combined[task] = row["per_task_error"] if row["used"] == "per-task" else joint[task]
    summary = memn2n_babi.summarize_errors(combined)
    metadata["per_task"] = {
        "setup": (
            "one model per task (the paper's PE LS RN per-task setup): d = "
            f"{training.get('embedding_dim')}, trained on that task's training file alone with "
            "the joint vocabulary and the joint model's validation split "
            f"(seed {training.get('seed')}), {training.get('linear_start_epochs')} linear "
            f"epochs, then {training.get('epochs')} in all with SGD 0.01 halved every "
            "quarter, the best validation epoch kept"
        ),
        "rule": (
            "shipped (used) where its training error is lower than the joint model's "
            "training error: the validation split, which the tables report, does not choose"
        ),
        "command": (
            ".venv/bin/python benchmarks/babi.py --per-task --output-dir DIR; "
            ".venv/bin/python benchmarks/babi.py --ship DIR"
        ),
        "keras_version": training.get("keras_version"),
        "backend": training.get("backend"),
        "tasks": rows,
    }
    metadata["combined"] = {
        "validation_errors": {str(t): e for t, e in sorted(combined.items())},
        "mean_validation_error": summary["mean_error"],
        "failed_tasks": summary["failed_tasks"],
    }
    metadata_path.write_text(json.dumps(metadata, indent=2) + "\n")
    used = [int(t) for t, row in rows.items() if row["used"] == "per-task"]
    print(f"per-task weights shipped for tasks {used}; combined mean error "
          f"{summary['mean_error']}, {summary['failed_tasks']} failed tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
