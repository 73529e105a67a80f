"""Sequence generation: Clockwork RNN against SimpleRNN and LSTM.

The comparison of Koutník et al. (2014, section 4.1) on this package's
generated task: each network receives only a constant clock tick and must
reproduce the 320-step multi-rate waveform of
`keras_memory.datasets.sequence_generation`. The three models have about the
same number of effective parameters (the Clockwork RNN's masked recurrent
entries are always zero and are not counted), train for the same number of
Adam updates on the single sequence, and each gets the better of two
learning rates. The table gives the normalized MSE (NMSE: MSE divided by the
target variance; 1.0 is predicting the mean) and the training time.

Run from the project root:

    .venv/bin/python benchmarks/clockwork_generation.py           # ~2 minutes
    .venv/bin/python benchmarks/clockwork_generation.py --quick   # smoke run
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.datasets import normalized_mse  # noqa: E402
from keras_memory.datasets import sequence_generation  # noqa: E402
from keras_memory.layers import ClockworkRNN  # noqa: E402

LEARNING_RATES = (3e-3, 1e-2)


def effective_parameters(model):
    """Trainable entries that can be non-zero (masked CW-RNN entries excluded)."""
    total = 0
    for layer in model.layers:
        total += sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
        if isinstance(layer, ClockworkRNN):
            mask = layer.cell.connection_mask()
            total -= int(mask.size - mask.sum())
    return total


def build(recurrent, timesteps, learning_rate):
    clock = keras.Input((timesteps, 1), name="clock")
    hidden = recurrent(return_sequences=True)(clock)
    model = keras.Model(clock, keras.layers.Dense(1)(hidden))
    model.compile(keras.optimizers.Adam(learning_rate), "mse", jit_compile=True)
    return model


def matched_units(layer_class, target_parameters, timesteps):
    """The smallest width whose effective parameter count reaches the target."""
    for units in range(2, 512):
        model = build(lambda **kw: layer_class(units, **kw), timesteps, 1e-3)
        if effective_parameters(model) >= target_parameters:
            return units
    raise ValueError(f"No width of {layer_class.__name__} reaches {target_parameters}.")


def train_and_score(recurrent, inputs, targets, steps, seed, learning_rates=LEARNING_RATES):
    best = None
    for learning_rate in learning_rates:
        keras.utils.set_random_seed(seed)
        model = build(recurrent, inputs.shape[1], learning_rate)
        start = time.perf_counter()
        model.fit(inputs, targets, epochs=steps, verbose=0)
        seconds = time.perf_counter() - start
        # A direct call: `predict` would retrace for every new model.
        nmse = normalized_mse(targets, keras.ops.convert_to_numpy(model(inputs)))
        if best is None or nmse < best[0]:
            best = (nmse, learning_rate, seconds, effective_parameters(model))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1500, help="Adam updates; default 1500")
    parser.add_argument("--units", type=int, default=64, help="CW-RNN width; default 64")
    parser.add_argument("--num-modules", type=int, default=8, help="default 8")
    parser.add_argument("--timesteps", type=int, default=320, help="default 320")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--learning-rates", type=float, nargs="+", default=list(LEARNING_RATES),
        help="each model keeps the best of these; default 3e-3 1e-2",
    )
    parser.add_argument("--quick", action="store_true", help="tiny run for a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.units, args.num_modules, args.timesteps = 20, 8, 4, 40

    inputs, targets = sequence_generation(args.timesteps)

    def clockwork(**kw):
        return ClockworkRNN(args.units, num_modules=args.num_modules, **kw)

    budget = effective_parameters(build(clockwork, args.timesteps, 1e-3))
    srn_units = matched_units(keras.layers.SimpleRNN, budget, args.timesteps)
    lstm_units = matched_units(keras.layers.LSTM, budget, args.timesteps)
    candidates = [
        (f"ClockworkRNN({args.units}, {args.num_modules} modules)", clockwork),
        (f"SimpleRNN({srn_units})", lambda **kw: keras.layers.SimpleRNN(srn_units, **kw)),
        (f"LSTM({lstm_units})", lambda **kw: keras.layers.LSTM(lstm_units, **kw)),
    ]
    print(
        f"Sequence generation, {args.timesteps} steps, {args.steps} Adam updates, "
        f"best of learning rates {tuple(args.learning_rates)}, keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs\n"
    )
    print("| model | effective parameters | learning rate | NMSE | training s |")
    print("|---|---|---|---|---|")
    for name, recurrent in candidates:
        nmse, learning_rate, seconds, parameters = train_and_score(
            recurrent, inputs, targets, args.steps, args.seed, args.learning_rates
        )
        print(f"| {name} | {parameters} | {learning_rate:g} | {nmse:.4f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
