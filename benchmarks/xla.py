"""Every public layer: one training step with XLA against without.

Each layer runs in a small model of a realistic size (batch 32; recurrent
layers on 20 steps of 16 features with 128 units or the paper's NTM) with a
`Dense` head, trained with Adam on a mean squared error. For
`jit_compile=False` and `True` the script times `train_on_batch` after
warm-up calls (tracing and the XLA compile are timed apart, as "compile
s"), median of `--repeats`; "speed-up" is the time without XLA over the
time with it, in the same run. A plain `keras.layers.LSTM` of 128 units is
the first row, the reference any Keras user has.

This is the table behind the per-layer advice in `docs/results.md`
("Training with XLA, layer by layer") and the package's
`jit_compile="auto"` (`keras_memory.applications.xla`). For the recurrent
layers a second measurement trains on variable lengths (5 to 20, masked,
padded to 2 buckets) for `--variable-batches` batches, the whole run timed
with its compiles: what a short run costs with XLA. `benchmarks/ntm.py
--parts throughput` has long copy runs with 1 to 8 buckets.

Run from the project root:

    .venv/bin/python benchmarks/xla.py --format markdown    # about 5 minutes
    .venv/bin/python benchmarks/xla.py --quick              # smoke run
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

# The glimpse model's location and baseline networks train through its own
# REINFORCE loss, which a regression head does not have: Keras warns that
# they get no gradient. Their cost is still in the step.
warnings.filterwarnings("ignore", message="Gradients do not exist")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory import layers  # noqa: E402

BATCH_SIZE = 32
TIMESTEPS = 20
FEATURES = 16
UNITS = 128
WARMUP_CALLS = 2


def _sequence_model(make_layer, timesteps, features, masked):
    sequence = keras.Input((timesteps, features), name="sequence")
    # Zero steps are padding: the variable-length runs mask them. The
    # fixed-shape step has no mask (a mask changes the cost of a step).
    hidden = keras.layers.Masking(0.0)(sequence) if masked else sequence
    hidden = make_layer()(hidden)
    return keras.Model(sequence, keras.layers.Dense(8, name="head")(hidden))


def _recurrent(make_layer):
    """A builder of `sequence -> layer (sequences) -> Dense` and its data.

    With `variable=True` the model takes any number of steps (the inputs
    of `variable_lengths`).
    """

    def build(size, rng, variable=False):
        timesteps = None if variable else size["timesteps"]
        model = _sequence_model(make_layer(size), timesteps, FEATURES, masked=variable)
        x = rng.normal(size=(size["batch"], size["timesteps"], FEATURES))
        return model, x.astype("float32")

    build.recurrent = True
    return build


def _multi_input(make_layer, make_inputs):
    """A builder of `named inputs -> layer -> Dense` and its data."""

    def build(size, rng):
        values = make_inputs(size, rng)
        inputs = [
            keras.Input(value.shape[1:], dtype=str(value.dtype), name=name)
            for name, value in values.items()
        ]
        outputs = make_layer(size)(inputs if len(inputs) > 1 else inputs[0])
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[0]
        model = keras.Model(inputs, keras.layers.Dense(8, name="head")(outputs))
        return model, list(values.values())

    return build


def _tokens(rng, shape, vocabulary):
    return rng.integers(1, vocabulary, shape).astype("int32")


def _story(size, rng):
    return {
        "story": _tokens(rng, (size["batch"], 20, 8), 50),
        "question": _tokens(rng, (size["batch"], 8), 50),
    }


def _complete_binary_trees(batch, leaves):
    """Child arrays of complete binary trees of `leaves` leaves, root last."""
    children = [[-1, -1]] * leaves
    level = list(range(leaves))
    while len(level) > 1:
        parents = []
        for left, right in zip(level[::2], level[1::2]):
            parents.append(len(children))
            children.append([left, right])
        level = parents
    return np.tile(np.array(children, "int32"), (batch, 1, 1))


def _float(rng, *shape):
    return rng.normal(size=shape).astype("float32")


def layer_builders():
    """`(name, configuration, builder(size, rng) -> (model, inputs))` rows."""
    lstm = keras.layers.LSTMCell
    return [
        ("keras LSTM (reference)", "128 units",
         _recurrent(lambda s: lambda: keras.layers.LSTM(s["units"], return_sequences=True))),
        ("ClockworkRNN", "128 units, 8 modules",
         _recurrent(lambda s: lambda: layers.ClockworkRNN(
             s["units"], periods=[1, 2, 4, 8, 16, 32, 64, 128][: max(1, s["units"] // 16)],
             return_sequences=True))),
        ("SkipRNN", "LSTMCell(128)",
         _recurrent(lambda s: lambda: layers.SkipRNN(lstm(s["units"]), return_sequences=True))),
        ("HMLSTM", "2 layers of 128, output 128",
         _recurrent(lambda s: lambda: layers.HMLSTM(
             [s["units"], s["units"]], output_module_units=s["units"],
             return_sequences=True))),
        ("ZoneoutCell", "LSTMCell(128), z_h 0.05, z_c 0.1",
         _recurrent(lambda s: lambda: keras.layers.RNN(
             layers.ZoneoutCell(lstm(s["units"]), zoneout_h=0.05, zoneout_c=0.1, seed=1),
             return_sequences=True))),
        ("NTM", "controller 100, N 128, M 20",
         _recurrent(lambda s: lambda: layers.NTM(
             units=s["ntm_units"], memory_size=s["memory"], memory_width=s["width"],
             return_sequences=True))),
        ("MemoryRNN", "content, erase-add, 2 write heads",
         _recurrent(lambda s: lambda: layers.MemoryRNN(
             units=s["ntm_units"], memory_size=s["memory"], memory_width=s["width"],
             writes="erase_add", write_heads=2, return_sequences=True))),
        ("PreviousStateAttention", "LSTMCell(128), window 8",
         _recurrent(lambda s: lambda: layers.PreviousStateAttention(
             lstm(s["units"]), window=8, return_sequences=True))),
        ("ACT", "LSTMCell(128), up to 5 ponder steps",
         _recurrent(lambda s: lambda: layers.ACT(
             lstm(s["units"]), max_ponder_steps=5, return_sequences=True))),
        ("MemoryNetwork", "vocabulary 50, d 50, 3 hops, 20 sentences",
         _multi_input(lambda s: layers.MemoryNetwork(50, s["embedding"], hops=3,
                                                     memory_size=20), _story)),
        ("StackedAttention", "128 units, 2 hops, 49 regions",
         _multi_input(lambda s: layers.StackedAttention(s["units"], hops=2),
                      lambda s, rng: {"regions": _float(rng, s["batch"], 49, s["units"]),
                                      "question": _float(rng, s["batch"], s["units"])})),
        ("BahdanauAttention", "128 units, memory of 20",
         _multi_input(lambda s: layers.BahdanauAttention(s["units"]),
                      lambda s, rng: {"query": _float(rng, s["batch"], s["units"]),
                                      "memory": _float(rng, s["batch"], 20, s["units"])})),
        ("LuongAttention", "general, memory of 20",
         _multi_input(lambda s: layers.LuongAttention("general"),
                      lambda s, rng: {"query": _float(rng, s["batch"], s["units"]),
                                      "memory": _float(rng, s["batch"], 20, s["units"])})),
        ("AttentionDecoder", "LSTMCell(128), Bahdanau(128), 20 x 20",
         _multi_input(lambda s: layers.AttentionDecoder(
             lstm(s["units"]), layers.BahdanauAttention(s["units"])),
             lambda s, rng: {"targets": _float(rng, s["batch"], s["timesteps"], 32),
                             "memory": _float(rng, s["batch"], 20, s["units"])})),
        ("TreeRNN", "NaryTreeLSTMCell(128), 16 leaves",
         _multi_input(lambda s: layers.TreeRNN(layers.NaryTreeLSTMCell(s["units"])),
                      lambda s, rng: {
                          "nodes": _float(rng, s["batch"], 2 * s["leaves"] - 1, FEATURES),
                          "children": _complete_binary_trees(s["batch"], s["leaves"])})),
        ("RecurrentAttentionModel", "28 x 28 digits, 6 glimpses of 8 x 8",
         _multi_input(lambda s: layers.RecurrentAttentionModel(
             10, num_glimpses=6, patch_size=8, glimpse_units=s["units"],
             location_units=s["units"], glimpse_output_units=2 * s["units"],
             core_units=2 * s["units"], seed=1),
             lambda s, rng: {"images": rng.random((s["batch"], 28, 28, 1)).astype("float32")})),
    ]


FULL_SIZE = {"batch": BATCH_SIZE, "timesteps": TIMESTEPS, "units": UNITS, "ntm_units": 100,
             "memory": 128, "width": 20, "embedding": 50, "leaves": 16}
QUICK_SIZE = {"batch": 4, "timesteps": 3, "units": 8, "ntm_units": 8, "memory": 8,
              "width": 4, "embedding": 6, "leaves": 2}


def time_training(build, size, jit_compile, repeats, seed):
    """`(compile seconds, median seconds of a step)` of `train_on_batch`."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    model, x = build(size, np.random.default_rng(seed))
    y = np.random.default_rng(seed + 1).normal(
        size=(size["batch"], *model.output.shape[1:])
    ).astype("float32")
    model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
    start = time.perf_counter()
    model.train_on_batch(x, y)
    first = time.perf_counter() - start
    for _ in range(WARMUP_CALLS - 1):
        model.train_on_batch(x, y)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    step = float(np.median(times))
    return max(0.0, first - step), step


def variable_lengths(build, size, jit_compile, batches, seed):
    """Sequences per second of `batches` steps on lengths 5 to `timesteps`.

    Each batch has one length, drawn uniformly, padded with zero (masked)
    steps to two buckets (half and all of `timesteps`), as the package's
    pipelines do: a run with XLA compiles twice. The whole run is timed,
    tracing and compiles included.
    """
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model, _ = build(size, rng, variable=True)
    model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
    longest = size["timesteps"]
    buckets = (max(1, longest // 2), longest)
    start = time.perf_counter()
    for _ in range(batches):
        length = int(rng.integers(min(5, longest), longest + 1))
        steps = buckets[0] if length <= buckets[0] else buckets[1]
        x = np.zeros((size["batch"], steps, FEATURES), "float32")
        x[:, :length] = rng.uniform(0.1, 1.0, (size["batch"], length, FEATURES))
        y = rng.normal(size=(size["batch"], steps, 8)).astype("float32")
        model.train_on_batch(x, y)
    return size["batch"] * batches / (time.perf_counter() - start)


def format_table(headers, rows, style):
    if style == "markdown":
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))
        for row in [headers, *rows]
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variable-batches", type=int, default=40,
                        help="batches of each variable-length run (recurrent layers)")
    parser.add_argument("--layers", default=None,
                        help="comma-separated layer names (default: every layer)")
    parser.add_argument("--format", choices=("table", "markdown"), default="table")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be a positive integer, got {args.repeats}")
    names = [name for name, _, _ in layer_builders()]
    args.layers = names if args.layers is None else [n.strip() for n in args.layers.split(",")]
    unknown = sorted(set(args.layers) - set(names))
    if unknown:
        parser.error(f"unknown layers {unknown}; choose from {', '.join(names)}")
    if args.variable_batches < 1:
        parser.error(f"--variable-batches must be positive, got {args.variable_batches}")
    if args.quick:
        args.repeats = min(args.repeats, 2)
        args.variable_batches = min(args.variable_batches, 3)
    return args


def main(argv=None):
    args = parse_args(argv)
    size = QUICK_SIZE if args.quick else FULL_SIZE
    machine = (f"keras {keras.__version__} ({keras.backend.backend()}), "
               f"{os.cpu_count()} CPUs, {platform.machine()}")
    print(f"Training step with and without XLA{' (--quick)' if args.quick else ''}; "
          f"{machine}.", flush=True)
    rows = []
    start = time.perf_counter()
    for name, configuration, build in layer_builders():
        if name not in args.layers:
            continue
        _, without = time_training(build, size, False, args.repeats, args.seed)
        compile_seconds, with_xla = time_training(build, size, True, args.repeats, args.seed)
        variable = ["-", "-", "-"]
        if getattr(build, "recurrent", False):
            rates = [variable_lengths(build, size, jit, args.variable_batches, args.seed)
                     for jit in (False, True)]
            variable = [f"{rates[0]:.0f}", f"{rates[1]:.0f}", f"{rates[1] / rates[0]:.2f}"]
        rows.append([name, configuration, f"{1000 * without:.1f}", f"{1000 * with_xla:.1f}",
                     f"{without / with_xla:.2f}", f"{compile_seconds:.1f}", *variable])
        print(f"  {rows[-1]}", flush=True)
    print(f"\n## Training step with XLA against without\n\nOne `train_on_batch` "
          f"(Adam, mean squared error, batch {size['batch']}), median of {args.repeats} "
          f"after {WARMUP_CALLS} warm-up calls; {machine}.\n")
    print(format_table(["layer", "configuration", "no XLA ms", "XLA ms", "speed-up",
                        "XLA compile s", "variable: no XLA seq/s", "variable: XLA seq/s",
                        "variable speed-up"], rows, args.format))
    print("\nspeed-up: time without XLA / time with it (above 1: XLA is faster). "
          "XLA compile s: the first step less a later one, with XLA. variable: a "
          f"whole run of {args.variable_batches} batches on lengths 5 to "
          f"{size['timesteps']}, masked, padded to 2 buckets (2 compiles with XLA), "
          "tracing and compiles included; recurrent layers only.")
    print(f"\nTotal {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
