"""Neural Turing Machine: convergence, generalisation, speed, scaling, recall.

Five sections, each printing one table; choose them with `--parts`
(default: all, in this order).

1. convergence: the copy model of the paper (`NTMCopy(weights=None)`: LSTM
   controller of 100 units, N = 128, M = 20, RMSProp 1e-4) and the paper's
   LSTM baseline (3 layers of 256 units, RMSProp 3e-5, table 3 of the
   paper) trained on the same budget of copy sequences of lengths 1 to 20,
   in the same run, on `copy_dataset` and compiled with `compile_for_copy`
   as `train_copy` does. Every `--every` batches both are evaluated on
   lengths 1 to 20 (the sequences of `evaluate_copy`); the table gives the
   sequences seen when the mean bit error per sequence first fell below
   `--threshold` (0.1 bits), or "not within" the budget.
2. generalisation: bit errors per sequence at lengths 10 to 120 (the paper
   trains on 1 to 20 and tests on longer) of the NTM weights chosen with
   `--weights` (the shipped `"copy"` weights by default) run with a memory
   of `--memory-size` locations, next to the LSTM baseline trained in this
   run (in section 1 when it ran, otherwise here, on `--lstm-sequences`).
   The header says what each was trained on.
3. speed: training sequences per second (one `train_on_batch` on copy
   sequences of length `--speed-length`) of the NTM and the LSTM baseline,
   with and without `jit_compile`, and the ratio NTM / LSTM.
4. scaling: milliseconds per time step of the NTM (a training step and a
   forward pass) as the memory grows from N = 128 to 4096; the cost of a
   step is linear in N (content addressing, shifts and the writes all touch
   every location), so `time / N` relative to N = 128 should level off
   (below 1 where the controller's fixed cost still weighs).
5. recall: associative recall, the NTM (paper's setup) and the LSTM
   baseline trained on 2 to 6 items on the same budget, tested on 2 to 6
   items and on 12 (generalisation to longer sequences).
6. throughput: whole copy runs of `--throughput-sequences` sequences
   (lengths 1 to 20, `fit` on `copy_dataset`, `compile_for_copy`) at batch
   32 and 1, with and without XLA and with 1 to 8 length buckets
   (`copy_dataset(buckets=...)`), against a plain `keras.layers.LSTM` of
   the controller's 100 units trained the same way in the same run: the
   XLA compiles of each run (one per distinct batch shape), their seconds
   (each shape's first batch less its later batches' median), the steady
   sequences per second (every batch but each shape's first) and those of
   the whole run, compiles included.
7. profile: where the XLA-compiled training step of the copy NTM spends
   its time: `--profile-steps` steps of `train_on_batch` at batch 32 and
   length `--speed-length` under the TensorFlow profiler, the XLA:CPU
   kernels it ran per time step, their mean duration, and the kernel
   kinds (fusion names without their number) by share of kernel time.

Times are wall-clock on this machine, after a warm-up (tracing and XLA
compilation are not timed), with the two models timed in turns so that
load from the rest of the machine falls on both alike; read the ratios.

Run from the project root:

    .venv/bin/python benchmarks/ntm.py --quick                 # every part, seconds each
    .venv/bin/python benchmarks/ntm.py --parts speed,scaling   # minutes
    .venv/bin/python benchmarks/ntm.py --parts generalisation --weights copy
    .venv/bin/python benchmarks/ntm.py --parts throughput      # about 15 minutes
    .venv/bin/python benchmarks/ntm.py --parts profile         # a minute
    .venv/bin/python benchmarks/ntm.py                         # hours on 2 cores
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

# Benchmark the working tree this script belongs to.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.applications import ntm_copy  # noqa: E402
from keras_memory.datasets import algorithmic  # noqa: E402
from keras_memory.layers import NTM  # noqa: E402

PARTS = (
    "convergence", "generalisation", "speed", "scaling", "recall", "throughput", "profile",
)
WARMUP_CALLS = 2
# The paper's LSTM baselines (Graves et al. 2014, table 3): 3 x 256 units,
# RMSProp learning rate 3e-5 for copy and 1e-4 for associative recall.
LSTM_LAYERS = 3
LSTM_UNITS = 256
LSTM_COPY_LEARNING_RATE = 3e-5
LSTM_RECALL_LEARNING_RATE = 1e-4
NTM_RECALL_LEARNING_RATE = 1e-4
# The paper's feed-forward NTM for associative recall (Graves et al. 2014,
# table 2): a controller of 256 units, 4 heads (read and write), N x M =
# 128 x 20, RMSProp at 1e-4.
RECALL_CONTROLLER_UNITS = 256
RECALL_HEADS = 4
RECALL_TEST_ITEMS = (2, 3, 4, 5, 6, 12)
COPY_TRAINING_LENGTH = 20  # the paper's copy training range is 1 to 20

QUICK_SETTINGS = {
    "sequences": 16,
    "lstm_sequences": 16,
    "batch_size": 4,
    "every": 4,
    "track_length": 3,
    "train_jit": "false",
    "max_length": 3,
    "lengths": [2, 4],
    "memory_size": 16,
    "eval_sequences": 4,
    "lstm_units": 16,
    "small_units": 16,
    "speed_length": 3,
    "repeats": 2,
    "sizes": [8, 16, 32],
    "scaling_length": 2,
    "recall_sequences": 16,
    "recall_test_items": [2, 3],
    "throughput_sequences": 64,
    "throughput_batch1_sequences": 8,
    "throughput_buckets": [2],
    "profile_steps": 1,
    "profile_batch_size": 2,
}


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text}")
    return value


def int_list(text):
    try:
        values = [int(value) for value in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"not a list of positive integers: {text}")
    return values


def part_list(text):
    parts = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if not parts or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown parts {unknown}; choose from {', '.join(PARTS)}"
        )
    return [part for part in PARTS if part in parts]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Neural Turing Machine against the paper's LSTM baseline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--parts", type=part_list, default=list(PARTS),
        help=f"comma-separated sections among {','.join(PARTS)}",
    )
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and budgets: a smoke run of seconds per part")
    parser.add_argument("--format", choices=("table", "markdown"), default="table",
                        help="markdown prints tables to paste into docs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=positive_int, default=16,
                        help="sequences per update (training and speed)")
    group = parser.add_argument_group("convergence (copy, lengths 1-20)")
    group.add_argument("--sequences", type=positive_int, default=250_000,
                       help="training budget in sequences, for the NTM and the LSTM")
    group.add_argument("--every", type=positive_int, default=250,
                       help="batches between evaluations on lengths 1-20")
    group.add_argument("--threshold", type=float, default=0.1,
                       help="mean bit errors per sequence that counts as converged")
    group.add_argument("--max-length", type=positive_int, default=20,
                       help="longest training sequence")
    group.add_argument(
        "--train-jit", choices=("auto", "true", "false"), default="auto",
        help="jit_compile of the training runs (convergence, recall): auto is "
        "the package's (XLA on); the copy stream is padded to "
        "ntm_copy.COPY_BUCKETS length buckets, one compile each",
    )
    group.add_argument("--ntm-only", action="store_true",
                       help="train the NTM only (no LSTM baseline)")
    group.add_argument("--stop-below-threshold", action="store_true",
                       help="end a run at its first evaluation under --threshold")
    group = parser.add_argument_group("generalisation")
    group.add_argument(
        "--weights", default="copy",
        help="NTM weights: 'copy' (shipped), 'none' (untrained), 'trained' "
        "(trained by the convergence part of this run) or a .weights.h5 path",
    )
    group.add_argument("--memory-size", type=positive_int, default=256,
                       help="N of the tested NTM (>= the longest length)")
    group.add_argument("--lengths", type=int_list, default=[10, 20, 40, 60, 80, 120])
    group.add_argument("--eval-sequences", type=positive_int, default=32,
                       help="test sequences per length (per number of items)")
    group.add_argument(
        "--lstm-sequences", type=positive_int, default=None,
        help="LSTM budget when the convergence part does not run "
        "(default: --sequences)",
    )
    group = parser.add_argument_group("speed and scaling")
    group.add_argument("--speed-length", type=positive_int, default=20,
                       help="copy length L of the timed batches (2 L + 1 steps)")
    group.add_argument("--repeats", type=positive_int, default=10,
                       help="timed calls per model and row")
    group.add_argument("--sizes", type=int_list,
                       default=[128, 256, 512, 1024, 2048, 4096],
                       help="memory sizes N of the scaling part")
    group.add_argument("--scaling-length", type=positive_int, default=20,
                       help="copy length of the scaling batches")
    group.add_argument("--scaling-jit", action="store_true",
                       help="compile the scaling models with XLA")
    group = parser.add_argument_group("associative recall")
    group.add_argument("--recall-sequences", type=positive_int, default=200_000,
                       help="training budget in sequences of 2-6 items")
    group.add_argument("--recall-test-items", type=int_list,
                       default=list(RECALL_TEST_ITEMS))
    group.add_argument(
        "--recall-controller", choices=("feedforward", "lstm"), default="feedforward",
        help="the NTM's controller: the paper's recall setup (feed-forward, 256 units, "
        "4 read and 4 write heads) or the copy setup's LSTM of 100 units, 1 head each",
    )
    group.add_argument("--recall-ntm-only", action="store_true",
                       help="train the NTM only (no LSTM baseline)")
    group = parser.add_argument_group("throughput (whole copy runs)")
    group.add_argument("--throughput-sequences", type=positive_int, default=30_000,
                       help="sequences of each batch-32 run")
    group.add_argument("--throughput-batch1-sequences", type=positive_int, default=3_000,
                       help="sequences of each batch-1 run")
    group.add_argument("--throughput-buckets", type=int_list, default=[1, 2, 4, 8],
                       help="numbers of length buckets of the XLA runs at batch 32")
    group = parser.add_argument_group("profile")
    group.add_argument("--profile-steps", type=positive_int, default=5,
                       help="profiled training steps (after 3 unprofiled ones)")
    group.add_argument("--profile-batch-size", type=positive_int, default=32)
    args = parser.parse_args(argv)
    args.lstm_units = LSTM_UNITS
    args.track_length = 20  # the paper's training range
    args.small_units = None  # full-size NTMs outside --quick
    if args.quick:  # flags given on the command line win over the quick sizes
        flags = {action.dest for action in parser._actions}
        for name, value in QUICK_SETTINGS.items():
            if name not in flags or getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    args.train_jit = {"auto": "auto", "true": True, "false": False}[args.train_jit]
    if args.lstm_sequences is None:
        args.lstm_sequences = args.sequences
    return args


# === Models ===


def lstm_baseline(input_channels, output_channels, units, name="lstm"):
    """The paper's baseline: 3 stacked LSTMs and a sigmoid read-out."""
    sequence = keras.Input((None, input_channels), name="sequence")
    hidden = sequence
    for layer in range(LSTM_LAYERS):
        hidden = keras.layers.LSTM(
            units, return_sequences=True, name=f"lstm_{layer + 1}"
        )(hidden)
    bits = keras.layers.Dense(output_channels, activation="sigmoid", name="bits")(
        hidden
    )
    return keras.Model(sequence, bits, name=name)


def ntm_model(input_channels, output_channels, args, memory_size=None):
    """An NTM of the paper's copy setup (or a tiny one with `--quick`)."""
    units = args.small_units or ntm_copy.CONTROLLER_UNITS
    width = 4 if args.small_units else ntm_copy.MEMORY_WIDTH
    sequence = keras.Input((None, input_channels), name="sequence")
    features = NTM(
        units=units,
        memory_size=memory_size or (args.memory_size if args.small_units else 128),
        memory_width=width,
        return_sequences=True,
        name="ntm",
    )(sequence)
    bits = keras.layers.Dense(output_channels, activation="sigmoid", name="bits")(
        features
    )
    return keras.Model(sequence, bits, name="ntm_model")


def copy_lstm(args):
    return lstm_baseline(
        ntm_copy.INPUT_CHANNELS, ntm_copy.OUTPUT_CHANNELS, args.lstm_units
    )


def describe(model):
    return f"{model.count_params():,} parameters"


# === Tables ===


def format_table(headers, rows, style):
    cells = [headers] + [[str(c) for c in row] for row in rows]
    if style == "markdown":
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join("---" for _ in headers) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def section(title, text, headers, rows, args, notes=()):
    print(f"\n## {title}\n\n{text}\n")
    print(format_table(headers, rows, args.format))
    for note in notes:
        print(f"\n{note}")
    sys.stdout.flush()


def interleaved_times(fns, repeats):
    """Warm each callable up, then time them in turns; seconds per call."""
    for fn in fns:
        for _ in range(WARMUP_CALLS):
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times):
            start = time.perf_counter()
            fn()
            fn_times.append(time.perf_counter() - start)
    return [np.array(t) for t in times]


# === 1. Convergence ===


class CopyTracker(keras.callbacks.Callback):
    """Every `every` batches, the bit errors on lengths 1 to 20.

    The rows of `keras_memory.applications.ntm_copy.CopyProgress`
    (`sequences`, `mean_bit_errors`, `max_bit_errors`) on the sequences of
    `evaluate_copy` (seed 1, `(1, L)` per length), but the forward pass is
    one traced `tf.function` (without XLA, shapes relaxed after the first
    lengths), not an eager call per length, which costs more than the
    training it checks.
    """

    def __init__(self, batch_size, every, eval_sequences, lengths=range(1, 21),
                 stop_below=None):
        super().__init__()
        self.batch_size, self.every = batch_size, every
        self.eval_sequences, self.lengths = eval_sequences, lengths
        self.stop_below = stop_below
        self.history, self._batches, self._forward = [], 0, None
        self._start = time.perf_counter()

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batches % self.every == 0:
            self.evaluate_now()
            if self.stop_below is not None and (
                self.history[-1]["mean_bit_errors"] < self.stop_below
            ):
                self.model.stop_training = True

    def evaluate_now(self):
        if self._forward is None:  # traced once for the whole run
            self._forward = traced_forward(self.model)
        errors = copy_bit_errors(
            self.model, self.lengths, self.eval_sequences, forward=self._forward
        )
        self.history.append({
            "sequences": self._batches * self.batch_size,
            "seconds": time.perf_counter() - self._start,
            "mean_bit_errors": float(np.mean(list(errors.values()))),
            "max_bit_errors": float(max(errors.values())),
        })


def traced_forward(model):
    """`model(x, training=False)` traced once for every sequence length."""
    import tensorflow as tf

    return tf.function(
        lambda inputs: model(inputs, training=False), reduce_retracing=True
    )


def copy_bit_errors(model, lengths, sequences_per_length, seed=1, forward=None):
    """`evaluate_copy`'s numbers through a traced forward pass."""
    forward = forward or traced_forward(model)
    errors = {}
    for length in lengths:
        inputs, targets, weights = algorithmic.copy_task(
            sequences_per_length, length, length, seed=(seed, length)
        )
        predictions = keras.ops.convert_to_numpy(forward(inputs))
        errors[int(length)] = algorithmic.bit_errors_per_sequence(
            targets, predictions, weights
        )
    return errors


def train_copy_model(model, learning_rate, sequences, args):
    """Trains on `copy_dataset` as `train_copy` does; returns (tracker, seconds)."""
    ntm_copy.compile_for_copy(
        model, learning_rate=learning_rate, jit_compile=args.train_jit
    )
    steps = max(1, sequences // args.batch_size)
    tracker = CopyTracker(
        args.batch_size, min(args.every, steps), args.eval_sequences,
        range(1, args.track_length + 1),
        stop_below=args.threshold if args.stop_below_threshold else None,
    )
    dataset = algorithmic.copy_dataset(
        args.batch_size, 1, args.max_length, seed=args.seed,
        buckets=algorithmic.step_buckets(2 * args.max_length + 1, ntm_copy.COPY_BUCKETS),
    ).prefetch(4)
    start = time.perf_counter()
    # shuffle=False: an endless generated stream, nothing to shuffle.
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0,
              callbacks=[tracker], shuffle=False)
    seconds = time.perf_counter() - start
    if not tracker.history or (
        tracker.history[-1]["sequences"] != steps * args.batch_size
        and not model.stop_training
    ):
        tracker.evaluate_now()
    return tracker, seconds


def first_below(history, threshold):
    """The first evaluation row under `threshold` mean bit errors, or None."""
    for row in history:
        if row["mean_bit_errors"] < threshold:
            return row
    return None


def convergence(args, trained):
    keras.utils.set_random_seed(args.seed)
    models = [
        ("NTM", lambda: ntm_copy.NTMCopy(weights=None), ntm_copy.LEARNING_RATE),
        (f"LSTM {LSTM_LAYERS}x{args.lstm_units}", lambda: copy_lstm(args),
         LSTM_COPY_LEARNING_RATE),
    ]
    if args.ntm_only:
        models = models[:1]
    rows = []
    for name, build, learning_rate in models:
        model = build()
        progress, seconds = train_copy_model(model, learning_rate, args.sequences, args)
        reached = first_below(progress.history, args.threshold)
        last = progress.history[-1]
        rows.append([
            name,
            describe(model),
            f"{reached['sequences']:,}" if reached else f"not within {args.sequences:,}",
            f"{reached['seconds']:.0f}" if reached else "-",
            f"{last['mean_bit_errors']:.3f}",
            f"{last['max_bit_errors']:.3f}",
            f"{seconds:.0f}",
            f"{last['sequences'] / seconds:.1f}",
        ])
        trained[name.split()[0]] = (model, last["sequences"])
    section(
        "Convergence on copy",
        f"{'Trained' if args.ntm_only else 'Both trained'} on the same "
        f"{args.sequences:,} copy sequences (lengths "
        f"1-{args.max_length}, batch {args.batch_size}, seed {args.seed}), "
        f"evaluated every {args.every} batches on lengths "
        f"1-{args.track_length} ({args.eval_sequences} sequences each): "
        "sequences seen when the mean bit error per sequence first fell "
        f"below {args.threshold:g}.",
        ["model", "size", f"sequences to < {args.threshold:g}",
         f"seconds to < {args.threshold:g}", "final mean bit errors",
         "final max bit errors", "training s", "sequences/s"],
        rows,
        args,
    )


# === 2. Generalisation ===


def generalisation_ntm(args, trained):
    """The NTM to test and a sentence saying what it was trained on."""
    weights = args.weights
    memory_size = args.memory_size
    if weights == "trained":
        if "NTM" not in trained:
            sys.exit("--weights trained needs the convergence part in --parts.")
        source, sequences = trained["NTM"]
        model = ntm_copy.NTMCopy(weights=None, memory_size=memory_size)
        model.set_weights(source.get_weights())  # no weight depends on N
        return model, f"NTM trained in this run on {sequences:,} sequences"
    if weights == "none":
        return (
            ntm_copy.NTMCopy(weights=None, memory_size=memory_size),
            "untrained NTM (a check of the pipeline, not a result)",
        )
    if weights == "copy":
        try:
            path = ntm_copy.shipped_weights_path("copy")
        except FileNotFoundError as error:
            if not args.quick:
                sys.exit(f"{error}\nPass --weights none, trained or a path.")
            print(f"(--quick: shipped weights missing, testing an untrained NTM: {error})")
            return ntm_copy.NTMCopy(weights=None, memory_size=memory_size), (
                "untrained NTM (shipped weights missing)"
            )
        model = ntm_copy.NTMCopy(weights=str(path), memory_size=memory_size)
        try:
            metadata = ntm_copy.shipped_metadata("copy")
            budget = metadata.get("sequences") or metadata.get("training", {}).get(
                "sequences"
            )
        except (FileNotFoundError, ValueError):
            budget = None
        note = f" on {budget:,} sequences" if isinstance(budget, int) else ""
        return model, f"shipped NTM weights 'copy' (trained{note})"
    return (
        ntm_copy.NTMCopy(weights=weights, memory_size=memory_size),
        f"NTM weights from {weights}",
    )


def generalisation(args, trained):
    keras.utils.set_random_seed(args.seed)
    ntm, ntm_note = generalisation_ntm(args, trained)
    lstm_name = f"LSTM {LSTM_LAYERS}x{args.lstm_units}"
    if "LSTM" in trained:
        lstm, sequences = trained["LSTM"]
    else:
        lstm = copy_lstm(args)
        progress, _ = train_copy_model(
            lstm, LSTM_COPY_LEARNING_RATE, args.lstm_sequences, args
        )
        sequences = progress.history[-1]["sequences"]
        trained["LSTM"] = (lstm, sequences)
    lstm_note = f"{lstm_name} trained in this run on {sequences:,} sequences"
    ntm_errors = copy_bit_errors(ntm, args.lengths, args.eval_sequences)
    lstm_errors = copy_bit_errors(lstm, args.lengths, args.eval_sequences)
    rows = [
        [
            length,
            "yes" if length <= COPY_TRAINING_LENGTH else "no",
            f"{ntm_errors[length]:.2f}",
            f"{lstm_errors[length]:.2f}",
        ]
        for length in args.lengths
    ]
    section(
        "Generalisation on copy",
        f"Bit errors per sequence ({args.eval_sequences} test sequences per "
        f"length, {ntm_copy.OUTPUT_CHANNELS} L bits in a sequence of length "
        f"L). NTM: {ntm_note}, run with N = {args.memory_size}. LSTM: "
        f"{lstm_note}. A budget large enough for the NTM may leave the LSTM "
        "short of convergence: compare at equal budgets only.",
        ["length", f"in 1-{COPY_TRAINING_LENGTH}", "NTM bit errors",
         "LSTM bit errors"],
        rows,
        args,
    )


# === 3. Speed ===


def speed(args, trained):
    x, y, weights = algorithmic.copy_task(
        args.batch_size, args.speed_length, args.speed_length, seed=args.seed
    )
    rows = []
    for jit_compile in (False, True):
        keras.utils.set_random_seed(args.seed)
        models = [
            ntm_model(ntm_copy.INPUT_CHANNELS, ntm_copy.OUTPUT_CHANNELS, args),
            copy_lstm(args),
        ]
        for model in models:
            ntm_copy.compile_for_copy(model, jit_compile=jit_compile)
        ntm_times, lstm_times = interleaved_times(
            [lambda m=m: m.train_on_batch(x, y, sample_weight=weights) for m in models],
            args.repeats,
        )
        # Throughput ratio, paired by round: NTM seq/s / LSTM seq/s.
        q1, ratio, q3 = np.percentile(lstm_times / ntm_times, [25, 50, 75])
        rows.append([
            jit_compile,
            f"{args.batch_size / np.median(ntm_times):.1f}",
            f"{args.batch_size / np.median(lstm_times):.1f}",
            f"{ratio:.2f}",
            f"{q1:.2f}-{q3:.2f}",
        ])
        keras.utils.clear_session()
    section(
        "Training speed",
        f"Training sequences per second: one `train_on_batch` (RMSProp, "
        f"cross-entropy) on {args.batch_size} copy sequences of length "
        f"{args.speed_length} ({2 * args.speed_length + 1} steps), median of "
        f"{args.repeats} calls after {WARMUP_CALLS} warm-up calls; {machine()}.",
        ["jit_compile", "NTM seq/s", f"LSTM {LSTM_LAYERS}x{args.lstm_units} seq/s",
         "ratio NTM/LSTM", "ratio IQR"],
        rows,
        args,
        notes=["ratio = median over rounds of LSTM time / NTM time in the same "
               "round (below 1: the NTM trains fewer sequences per second)."],
    )


# === 4. Scaling in N ===


def scaling(args, trained):
    x, y, weights = algorithmic.copy_task(
        args.batch_size, args.scaling_length, args.scaling_length, seed=args.seed
    )
    steps = x.shape[1]
    results = []
    for memory_size in args.sizes:
        keras.utils.set_random_seed(args.seed)
        model = ntm_model(
            ntm_copy.INPUT_CHANNELS, ntm_copy.OUTPUT_CHANNELS, args, memory_size
        )
        ntm_copy.compile_for_copy(model, jit_compile=args.scaling_jit)
        train, forward = interleaved_times(
            [
                lambda: model.train_on_batch(x, y, sample_weight=weights),
                lambda: model.predict_on_batch(x),
            ],
            args.repeats,
        )
        results.append((memory_size, np.median(train) / steps, np.median(forward) / steps))
        keras.utils.clear_session()
    base_n, base_train, base_forward = results[0]
    rows = [
        [
            n,
            f"{1000 * train:.3f}",
            f"{(train / n) / (base_train / base_n):.2f}",
            f"{1000 * forward:.3f}",
            f"{(forward / n) / (base_forward / base_n):.2f}",
        ]
        for n, train, forward in results
    ]
    section(
        "Step time as the memory grows",
        f"Milliseconds per time step of the NTM (batch {args.batch_size}, "
        f"{steps} steps, jit_compile={args.scaling_jit}): a training step and "
        f"a forward pass, each divided by the steps; `/N vs N={base_n}` is "
        f"(time / N) / (time at N={base_n} / {base_n}): 1 for a cost "
        "proportional to N, below 1 while the controller's fixed cost "
        "dominates.",
        ["N", "train ms/step", f"train /N vs N={base_n}",
         "forward ms/step", f"forward /N vs N={base_n}"],
        rows,
        args,
    )


# === 5. Associative recall ===


def recall_errors(model, items_list, args):
    forward = traced_forward(model)
    errors = {}
    for items in items_list:
        inputs, targets, weights = algorithmic.associative_recall_task(
            args.eval_sequences, items, items, seed=(1, items)
        )
        predictions = keras.ops.convert_to_numpy(forward(inputs))
        errors[items] = algorithmic.bit_errors_per_sequence(targets, predictions, weights)
    return errors


def recall_ntm_model(args):
    """The recall NTM: the paper's feed-forward setup, or the copy setup's."""
    channels = algorithmic.ASSOCIATIVE_RECALL_NUM_BITS
    if args.recall_controller == "lstm":
        return ntm_model(channels + 2, channels, args)
    small = bool(args.small_units)
    sequence = keras.Input((None, channels + 2), name="sequence")
    features = NTM(
        controller="feedforward",
        units=args.small_units or RECALL_CONTROLLER_UNITS,
        memory_size=args.memory_size if small else 128,
        memory_width=4 if small else ntm_copy.MEMORY_WIDTH,
        read_heads=1 if small else RECALL_HEADS,
        write_heads=1 if small else RECALL_HEADS,
        return_sequences=True,
        name="ntm",
    )(sequence)
    bits = keras.layers.Dense(channels, activation="sigmoid", name="bits")(features)
    return keras.Model(sequence, bits, name="ntm_recall")


def recall(args, trained):
    channels = algorithmic.ASSOCIATIVE_RECALL_NUM_BITS
    steps = max(1, args.recall_sequences // args.batch_size)
    ntm_name = (
        "NTM, LSTM controller" if args.recall_controller == "lstm"
        else "NTM, feed-forward controller"
    )
    models = [(ntm_name, recall_ntm_model(args), NTM_RECALL_LEARNING_RATE)]
    if not args.recall_ntm_only:
        models.append(
            (f"LSTM {LSTM_LAYERS}x{args.lstm_units}",
             lstm_baseline(channels + 2, channels, args.lstm_units),
             LSTM_RECALL_LEARNING_RATE)
        )
    columns = {}
    for name, model, learning_rate in models:
        keras.utils.set_random_seed(args.seed)
        ntm_copy.compile_for_copy(
            model, learning_rate=learning_rate, jit_compile=args.train_jit
        )
        dataset = algorithmic.associative_recall_dataset(
            args.batch_size, 2, 6, seed=args.seed
        ).prefetch(4)
        start = time.perf_counter()
        model.fit(dataset, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
        seconds = time.perf_counter() - start
        columns[name] = (recall_errors(model, args.recall_test_items, args), seconds)
    names = list(columns)
    rows = [
        [items, "yes" if items <= 6 else "no",
         *(f"{columns[name][0][items]:.2f}" for name in names)]
        for items in args.recall_test_items
    ]
    trained_rows = [
        items for items in args.recall_test_items if 2 <= items <= 6
    ]
    if trained_rows:
        rows.append(
            ["2-6 mean", "yes",
             *(f"{np.mean([columns[n][0][i] for i in trained_rows]):.2f}" for n in names)]
        )
    section(
        "Associative recall",
        f"Bit errors per sequence (an answer is an item of 3 x 6 = 18 bits; "
        f"{args.eval_sequences} test sequences per number of items). Both "
        f"trained on {steps * args.batch_size:,} sequences of 2-6 items "
        f"(batch {args.batch_size}, RMSProp, paper's learning rates); training "
        + ", ".join(f"{name} {columns[name][1]:.0f} s" for name in names) + ".",
        ["items", "in training range", *(f"{name} bit errors" for name in names)],
        rows,
        args,
    )


# === 6. Throughput of whole copy runs ===


class BatchTimer(keras.callbacks.Callback):
    """The wall time of every training batch of a `fit`."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def controller_lstm(units=ntm_copy.CONTROLLER_UNITS):
    """A plain `keras.layers.LSTM` of the NTM's controller size (100 units)."""
    sequence = keras.Input((None, ntm_copy.INPUT_CHANNELS), name="sequence")
    hidden = keras.layers.LSTM(units, return_sequences=True, name="lstm")(sequence)
    bits = keras.layers.Dense(
        ntm_copy.OUTPUT_CHANNELS, activation="sigmoid", name="bits"
    )(hidden)
    return keras.Model(sequence, bits, name="controller_lstm")


def copy_run(build, batch_size, sequences, jit_compile, num_buckets, seed,
             max_length=COPY_TRAINING_LENGTH):
    """One whole copy run: `fit` on `sequences` sequences, every batch timed.

    Returns the row's numbers: compiles, compile seconds, steady and whole
    sequences per second.
    """
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    model = ntm_copy.compile_for_copy(build(), jit_compile=jit_compile)
    steps = max(1, sequences // batch_size)
    buckets = (
        None if num_buckets is None
        else algorithmic.step_buckets(2 * max_length + 1, num_buckets)
    )
    dataset = algorithmic.copy_dataset(
        batch_size, 1, max_length, seed=seed, buckets=buckets
    )
    # The same stream, read again for the shape of every batch.
    shapes = [int(x.shape[1]) for x, _, _ in dataset.take(steps).as_numpy_iterator()]
    timer = BatchTimer()
    start = time.perf_counter()
    model.fit(dataset.prefetch(4), steps_per_epoch=steps, epochs=1, verbose=0,
              callbacks=[timer], shuffle=False)
    whole = time.perf_counter() - start
    seconds = np.array(timer.seconds)
    first = {}
    for index, steps_of_batch in enumerate(shapes):
        first.setdefault(steps_of_batch, index)
    later = np.ones(len(shapes), bool)
    later[list(first.values())] = False
    compile_seconds = 0.0
    for steps_of_batch, index in first.items():
        same = later & (np.array(shapes) == steps_of_batch)
        typical = np.median(seconds[same]) if same.any() else 0.0
        compile_seconds += max(0.0, seconds[index] - typical)
    steady = batch_size * later.sum() / seconds[later].sum() if later.any() else float("nan")
    padded = np.mean(shapes)
    return {
        "compiles": len(first),
        "compile_seconds": compile_seconds,
        "steady": steady,
        "whole": batch_size * steps / whole,
        "whole_seconds": whole,
        "mean_steps": padded,
    }


def throughput(args, trained):
    if args.small_units:  # --quick: tiny models, short sequences
        def ntm():
            return ntm_model(ntm_copy.INPUT_CHANNELS, ntm_copy.OUTPUT_CHANNELS, args)

        def lstm():
            return controller_lstm(args.small_units)
    else:
        def ntm():
            return ntm_copy.NTMCopy(weights=None)

        lstm = controller_lstm
    configurations = []
    for batch_size, sequences in ((32, args.throughput_sequences),
                                  (1, args.throughput_batch1_sequences)):
        configurations += [
            (batch_size, sequences, "NTM", ntm, False, None),
            (batch_size, sequences, "NTM", ntm, True, None),
        ]
        bucket_counts = (
            args.throughput_buckets if batch_size == 32 else [ntm_copy.COPY_BUCKETS]
        )
        configurations += [
            (batch_size, sequences, "NTM", ntm, True, count) for count in bucket_counts
        ]
        configurations += [
            (batch_size, sequences, "LSTM", lstm, False, None),
            (batch_size, sequences, "LSTM", lstm, True, ntm_copy.COPY_BUCKETS),
        ]
    rows = []
    for batch_size, sequences, name, build, jit_compile, buckets in configurations:
        run = copy_run(build, batch_size, sequences, jit_compile, buckets, args.seed,
                       max_length=args.max_length)
        rows.append([
            batch_size, name, jit_compile, buckets or "none",
            f"{run['mean_steps']:.1f}", run["compiles"], f"{run['compile_seconds']:.1f}",
            f"{run['steady']:.1f}", f"{run['whole']:.1f}", f"{run['whole_seconds']:.0f}",
        ])
        print(f"  {rows[-1]}", flush=True)
    section(
        "Throughput of whole copy runs",
        "Training sequences per second of whole copy runs (lengths "
        f"1-{args.max_length}, `fit` on `copy_dataset`, `compile_for_copy`, "
        f"seed {args.seed}; {args.throughput_sequences:,} sequences at batch 32, "
        f"{args.throughput_batch1_sequences:,} at batch 1), the NTM copy model "
        f"against a plain LSTM of its controller's size "
        f"({args.small_units or ntm_copy.CONTROLLER_UNITS} units), in one run; "
        f"{machine()}.",
        ["batch", "model", "jit_compile", "buckets", "mean steps", "shapes",
         "first-batch s", "steady seq/s", "whole-run seq/s", "run s"],
        rows,
        args,
        notes=[
            "shapes: distinct batch shapes of the run; with XLA the step "
            "compiles once per shape. first-batch s: each shape's first batch "
            "less the median of its later batches, summed (the XLA compiles, "
            "or without XLA the tracing). mean steps: the mean padded length "
            "(2 L + 1 unpadded, 22 on average for lengths 1-20).",
            "steady: every batch but each shape's first; whole-run: the whole "
            "`fit`, compiles and tracing included.",
        ],
    )


# === 7. Profile of the XLA step ===


def kernel_events(logdir):
    """`(name, microseconds)` of every XLA:CPU kernel in a profiler trace.

    Reads the `.xplane.pb` that `tf.profiler.experimental.stop()` wrote:
    the host plane's Eigen thread lines hold one event per kernel (thunk),
    inside the `ThunkExecutor::Execute` events that are skipped here.
    """
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    (path,) = pathlib.Path(logdir).glob("plugins/profile/*/*.xplane.pb")
    space = xplane_pb2.XSpace()
    space.ParseFromString(path.read_bytes())
    events = []
    for plane in space.planes:
        names = {key: value.name for key, value in plane.event_metadata.items()}
        for line in plane.lines:
            if "Eigen" not in line.name:
                continue
            for event in line.events:
                name = names.get(event.metadata_id, "?")
                if name != "ThunkExecutor::Execute":
                    events.append((name, event.duration_ps / 1e6))
    return events


def profile(args, trained):
    import tempfile

    import tensorflow as tf

    keras.utils.clear_session()
    keras.utils.set_random_seed(args.seed)
    model = (ntm_model(ntm_copy.INPUT_CHANNELS, ntm_copy.OUTPUT_CHANNELS, args)
             if args.small_units else ntm_copy.NTMCopy(weights=None))
    ntm_copy.compile_for_copy(model, jit_compile=True)
    x, y, weights = algorithmic.copy_task(
        args.profile_batch_size, args.speed_length, args.speed_length, seed=args.seed
    )
    for _ in range(3):  # compile, then warm up
        model.train_on_batch(x, y, sample_weight=weights)
    start = time.perf_counter()
    for _ in range(args.profile_steps):
        model.train_on_batch(x, y, sample_weight=weights)
    unprofiled = (time.perf_counter() - start) / args.profile_steps
    with tempfile.TemporaryDirectory() as logdir:
        start = time.perf_counter()
        tf.profiler.experimental.start(logdir)
        for _ in range(args.profile_steps):
            model.train_on_batch(x, y, sample_weight=weights)
        tf.profiler.experimental.stop()
        seconds = time.perf_counter() - start
        events = kernel_events(logdir)
    time_steps = args.profile_steps * x.shape[1]
    total = sum(duration for _, duration in events)
    kinds = {}
    for name, duration in events:
        kind = name.split(".")[0]
        count, spent = kinds.get(kind, (0, 0.0))
        kinds[kind] = (count + 1, spent + duration)
    rows = [
        [kind, f"{count / time_steps:.1f}", f"{spent / count:.1f}",
         f"{100 * spent / total:.1f}"]
        for kind, (count, spent) in sorted(kinds.items(), key=lambda item: -item[1][1])[:12]
    ]
    rows.append(["all kernels", f"{len(events) / time_steps:.1f}",
                 f"{total / max(1, len(events)):.1f}", "100.0"])
    section(
        "Profile of the XLA training step",
        f"The copy NTM's XLA-compiled training step (`train_on_batch`, batch "
        f"{args.profile_batch_size}, {x.shape[1]} time steps), "
        f"{args.profile_steps} steps under the TensorFlow profiler "
        f"({1000 * seconds / args.profile_steps:.1f} ms a step with the "
        f"profiler on, {1000 * unprofiled:.1f} ms without it, "
        f"{1000 * unprofiled / x.shape[1]:.2f} ms a time step): the XLA:CPU "
        f"kernels it ran, by kind; {machine()}.",
        ["kernel kind", "kernels per time step", "mean us", "% of kernel time"],
        rows,
        args,
        notes=["Kernel time is summed over the CPU threads, so it exceeds the "
               "wall time on several cores, and the profiler's own cost is in "
               "it: read the counts and the shares. dynamic-update-slice fusions store "
               "the forward step's values for the gradient; MatMul and dot are "
               "the controller's and the heads' matrix products."],
    )


def machine():
    return (
        f"keras {keras.__version__} ({keras.backend.backend()}), "
        f"{os.cpu_count()} CPUs, {platform.machine()}"
    )


def main(argv=None):
    args = parse_args(argv)
    print(
        f"Neural Turing Machine benchmark{' (--quick)' if args.quick else ''}: "
        f"{', '.join(args.parts)}; {machine()}."
    )
    trained = {}  # models trained in this run, reused by later parts
    sections = {
        "convergence": convergence,
        "generalisation": generalisation,
        "speed": speed,
        "scaling": scaling,
        "recall": recall,
        "throughput": throughput,
        "profile": profile,
    }
    start = time.perf_counter()
    for part in args.parts:
        part_start = time.perf_counter()
        sections[part](args, trained)
        print(f"\n({part}: {time.perf_counter() - part_start:.0f} s)")
    print(f"\nTotal {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
