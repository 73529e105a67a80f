"""Step time of `ClockworkRNN` against `keras.layers.SimpleRNN`.

What is measured
----------------
Two models that differ only in their recurrent layer, with the same hidden
size `units`:

    Input(timesteps, features) -> recurrent(units, return_sequences=True)
                               -> Dense(1),   loss "mse", optimizer Adam

one with `keras.layers.SimpleRNN(units)` (the baseline), one with
`keras_memory.layers.ClockworkRNN(units, num_modules=g)` and the exponential
periods 1, 2, 4, ..., 2^(g-1). For each mode and each `jit_compile` setting
the script times one step on the same random batch:

* `train`:   one `model.train_on_batch(x, y)` (forward, backward, Adam);
* `predict`: one `model.predict_on_batch(x)` (forward only).

Each model is compiled and warmed up first (tracing and, with
`jit_compile=True`, XLA compilation are not timed). Then the two models take
turns, SimpleRNN, ClockworkRNN, SimpleRNN, ClockworkRNN, ... (`--repeats`
rounds), so that load from the rest of the machine falls on both alike.
Each call is timed with `time.perf_counter` around the whole call, including
the copy of the result back to NumPy.

How to read it
--------------
`SimpleRNN ms` and `ClockworkRNN ms` are the median times of one step. They
depend on the machine and on what else it is running. The headline is the
`ratio` column: the median over rounds of ClockworkRNN time / SimpleRNN time
within the same round, so that load which comes and goes between rounds
cancels out (it can therefore differ a little from the ratio of the two
median columns). `ratio IQR` is the 25th-75th percentile range of those
per-round ratios: a wide range means a noisy machine, so rerun before
trusting a difference of that size.

A ratio above 1 means the Clockwork RNN is slower than the plain RNN of the
same size. It is expected to be at least 1: `ClockworkRNNCell` computes the
full candidate state for every module at every step, masks the recurrent
kernel, and then keeps the active modules with `ops.where`, so it does all
the SimpleRNN arithmetic plus the masking, the selection and the clock
phases.

The "computation saving" lines give what the Clockwork structure could save
in principle: the fraction of module updates that are actually needed over
`timesteps` steps (mean of `ClockworkRNNCell.active_modules`), the fraction
of recurrent-kernel entries that are non-zero (block-triangular connection
mask), and the two combined, the fraction of the dense hidden-to-hidden
multiply-adds that an implementation skipping both inactive modules and
masked blocks would do. This implementation saves none of it.

Run from the project root:

    .venv/bin/python benchmarks/clockwork.py                 # defaults
    .venv/bin/python benchmarks/clockwork.py --quick         # smoke run
    .venv/bin/python benchmarks/clockwork.py --format markdown
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import argparse  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

# Benchmark the working tree this script belongs to.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_memory.layers import ClockworkRNN  # noqa: E402

MODES = ("train", "predict")
JIT_SETTINGS = (False, True)
WARMUP_CALLS = 2
QUICK_SETTINGS = {
    "units": 16,
    "num_modules": 4,
    "timesteps": 16,
    "batch_size": 4,
    "repeats": 3,
}


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text}")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Time ClockworkRNN against SimpleRNN of the same size.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    flags = [
        ("--units", 128, "hidden size of both layers"),
        ("--num-modules", 8, "Clockwork modules (periods 1, 2, 4, ...)"),
        ("--timesteps", 128, "sequence length"),
        ("--batch-size", 32, "batch size"),
        ("--features", 8, "input features per step"),
        ("--repeats", 20, "timed calls per model and (mode, jit) row"),
    ]
    for flag, default, help_text in flags:
        parser.add_argument(
            flag, type=positive_int, default=default, help=help_text
        )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and 3 repeats, for a smoke run "
        "(overrides the size and repeat flags)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "markdown"),
        default="table",
        help="markdown prints a table to paste into docs",
    )
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK_SETTINGS.items():
            setattr(args, name, value)
    return args


def machine_info():
    devices = ", ".join(d.name for d in tf.config.list_physical_devices())
    return [
        ("python", platform.python_version()),
        ("platform", platform.platform()),
        ("keras", keras.__version__),
        ("tensorflow", tf.__version__),
        ("backend", keras.backend.backend()),
        ("cpu count", str(os.cpu_count())),
        ("devices", devices),
    ]


def build_model(layer_factory, args, jit_compile):
    """Input -> recurrent layer (return_sequences) -> Dense(1), compiled."""
    inputs = keras.Input((args.timesteps, args.features))
    hidden = layer_factory()(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(), loss="mse", jit_compile=jit_compile
    )
    return model


def step_function(model, mode, x, y):
    """A no-argument callable running one step of `mode` on `model`."""
    if mode == "train":
        return lambda: model.train_on_batch(x, y)
    return lambda: model.predict_on_batch(x)


def time_call(fn):
    """Seconds taken by one call of `fn`."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_times(fns, repeats):
    """Warm each callable up, then time them in turns (ABAB...).

    Returns one list of `repeats` times in seconds per callable; entry `r`
    of every list comes from the same round, so the times of one round
    saw the same machine load.
    """
    for fn in fns:
        for _ in range(WARMUP_CALLS):
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times):
            fn_times.append(time_call(fn))
    return times


def benchmark(layer_factories, args):
    """Yield `(mode, jit_compile, times)`, `times` one list per factory."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(
        (args.batch_size, args.timesteps, args.features)
    ).astype("float32")
    y = rng.standard_normal((args.batch_size, args.timesteps, 1)).astype(
        "float32"
    )
    for jit_compile in JIT_SETTINGS:
        models = [
            build_model(factory, args, jit_compile)
            for factory in layer_factories
        ]
        for mode in MODES:
            fns = [step_function(model, mode, x, y) for model in models]
            yield mode, jit_compile, interleaved_times(fns, args.repeats)
        keras.utils.clear_session()


def summarize(mode, jit_compile, times):
    """A table row: median ms of each model and the paired time ratio.

    The ratio is the median over rounds of ClockworkRNN time / SimpleRNN
    time within the round, with its interquartile range, so that load that
    comes and goes between rounds cancels out.
    """
    base, clockwork = (np.array(t) for t in times)
    q1, ratio, q3 = np.percentile(clockwork / base, [25, 50, 75])
    return (
        mode,
        jit_compile,
        f"{1000 * np.median(base):.2f}",
        f"{1000 * np.median(clockwork):.2f}",
        f"{ratio:.2f}",
        f"{q1:.2f}-{q3:.2f}",
    )


def computation_saving(cell, timesteps):
    """Fractions of the dense hidden-to-hidden work that is actually needed."""
    active = cell.active_modules(timesteps)  # (timesteps, num_modules)
    mask = cell.connection_mask()  # (units, units), [from, to]
    active_units = np.repeat(active, cell.module_size, axis=1)
    # Multiply-adds to update the active units of each step, counting only
    # the non-zero recurrent weights that feed them.
    needed_macs = active_units @ mask.sum(axis=0)
    return {
        "module_updates": active.mean(),
        "nonzero_recurrent": mask.mean(),
        "combined": needed_macs.mean() / cell.units**2,
    }


def format_table(headers, rows, style):
    cells = [headers] + [[str(c) for c in row] for row in rows]
    if style == "markdown":
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join("---" for _ in headers) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(0)

    def simple_rnn():
        return keras.layers.SimpleRNN(args.units, return_sequences=True)

    def clockwork_rnn():
        return ClockworkRNN(
            args.units, num_modules=args.num_modules, return_sequences=True
        )

    factories = [simple_rnn, clockwork_rnn]
    cell = clockwork_rnn().cell
    print("Machine")
    for name, value in machine_info():
        print(f"  {name}: {value}")
    print(
        f"\nConfiguration\n"
        f"  units={args.units} num_modules={args.num_modules} "
        f"periods={list(cell.periods)} timesteps={args.timesteps} "
        f"batch_size={args.batch_size} features={args.features} "
        f"repeats={args.repeats} (median of each, after {WARMUP_CALLS} "
        f"warm-up calls; models interleaved ABAB)\n"
    )

    start = time.perf_counter()
    rows = [summarize(*result) for result in benchmark(factories, args)]
    elapsed = time.perf_counter() - start

    headers = [
        "mode",
        "jit_compile",
        "SimpleRNN ms",
        "ClockworkRNN ms",
        "ratio",
        "ratio IQR",
    ]
    print(format_table(headers, rows, args.format))
    print(
        "\nratio = median over rounds of ClockworkRNN time / SimpleRNN time "
        "in the same round\n(above 1: Clockwork slower); ratio IQR = its "
        "25th-75th percentile range."
    )

    saving = computation_saving(cell, args.timesteps)
    print(
        f"\nComputation saving (over {args.timesteps} steps)\n"
        f"  module updates needed: {saving['module_updates']:.1%}\n"
        f"  non-zero recurrent-kernel entries: "
        f"{saving['nonzero_recurrent']:.1%}\n"
        f"  hidden-to-hidden multiply-adds needed (both combined): "
        f"{saving['combined']:.1%}\n"
        f"  Inactive modules are computed and discarded: no arithmetic is "
        f"saved in this implementation; an implementation that skipped them "
        f"would do {saving['module_updates']:.1%} of the module updates."
    )
    print(f"\nModel building, compiling and timing took {elapsed:.1f} s.")


if __name__ == "__main__":
    main()
