"""Skip RNN on the adding problem: error, update rate and inference saving.

Two tables, each measured in one run.

1. Accuracy (Campos et al. 2018, Table 1 setup on a CPU budget): an LSTM and
   Skip LSTMs with budget weights λ = 0, 1e-5 and 1e-4, trained on the adding
   problem (length 50) for the same number of epochs from the same seed. The
   table gives the validation MSE (solved when below 1/100 of the target
   variance, 1/6) and the fraction of steps at which the cell updated. The
   paper reports that the Skip LSTM with λ = 1e-5 solves the task with
   53.9 % of the updates (the LSTM uses 100 %).

2. Streaming inference: for each trained Skip LSTM, the wall-clock time of
   running validation sequences one at a time (batch size one, as in
   streaming) with `skip_inference_computation=True` against the same
   weights with it off, next to its update rate. With skipping on, a step at
   which the cell skips does not run the LSTM at all.

Run from the project root:

    .venv/bin/python benchmarks/skip_rnn.py            # about 10 min on 2 cores
    .venv/bin/python benchmarks/skip_rnn.py --quick    # smoke run
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402  (the streaming timing uses tf.function)

from keras_memory.datasets import ADDING_TARGET_VARIANCE  # noqa: E402
from keras_memory.datasets import adding_problem  # noqa: E402
from keras_memory.layers import SkipRNN  # noqa: E402

BUDGET_WEIGHTS = (0.0, 1e-5, 1e-4)


def build(units, length, budget_weight, learning_rate):
    """LSTM when `budget_weight` is None, else a Skip LSTM with that λ."""
    sequence = keras.Input((length, 2), name="sequence")
    if budget_weight is None:
        recurrent = keras.layers.LSTM(units, name="recurrent")
    else:
        recurrent = SkipRNN(
            keras.layers.LSTMCell(units), budget_weight=budget_weight, name="recurrent"
        )
    model = keras.Model(sequence, keras.layers.Dense(1)(recurrent(sequence)))
    # The loss includes the budget term: judge the task by the MSE metric.
    # Halve the learning rate every 2,000 updates, as in the adding-problem
    # test (tests/layers/test_skip_rnn_adding_problem.py).
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, 2000, 0.5)
    model.compile(keras.optimizers.Adam(schedule), "mse", metrics=["mse"], jit_compile=True)
    return model


def inference_gates(model, inputs):
    """The update gates `(batch, timesteps)` the trained layer uses at inference."""
    layer = model.get_layer("recurrent")
    if not isinstance(layer, SkipRNN):
        return np.ones(inputs.shape[:2], "float32")
    gated = SkipRNN.from_config(
        {**layer.get_config(), "return_sequences": True, "return_gates": True}
    )
    gated.build(inputs.shape)
    gated.set_weights(layer.get_weights())
    _, gates = gated(inputs)
    return keras.ops.convert_to_numpy(gates)


def streaming_seconds(model, inputs, skip_computation):
    """Seconds to run `inputs` one sequence at a time (batch size one)."""
    layer = model.get_layer("recurrent")
    streaming = SkipRNN.from_config(
        {**layer.get_config(), "skip_inference_computation": skip_computation}
    )
    streaming.build((1,) + inputs.shape[1:])
    streaming.set_weights(layer.get_weights())

    @tf.function(jit_compile=False)
    def step(sequence):
        return streaming(sequence, training=False)

    step(inputs[:1])  # trace once
    start = time.perf_counter()
    for i in range(inputs.shape[0]):
        step(inputs[i : i + 1])
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=15, help="epochs of --train-size")
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--streaming-sequences", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save the gates of the last Skip LSTM on one sequence")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.units, args.epochs, args.train_size, args.streaming_sequences = 8, 1, 512, 5

    x, y = adding_problem(args.train_size, args.length, seed=args.seed + 1)
    x_val, y_val = adding_problem(1000, args.length, seed=args.seed + 2)
    print(
        f"Adding problem, length {args.length}, {args.units} units, {args.epochs} "
        f"epochs of {args.train_size} sequences (batch 128), Adam "
        f"{args.learning_rate:g} halved every 2,000 updates; keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs.\n"
        f"Solved: validation MSE below {ADDING_TARGET_VARIANCE / 100:.5f}.\n"
    )
    rows, skip_models = [], []
    for budget_weight in (None, *BUDGET_WEIGHTS):
        keras.utils.set_random_seed(args.seed)
        model = build(args.units, args.length, budget_weight, args.learning_rate)
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=0)
        seconds = time.perf_counter() - start
        mse = float(model.evaluate(x_val, y_val, verbose=0, return_dict=True)["mse"])
        name = "LSTM" if budget_weight is None else f"Skip LSTM, λ={budget_weight:g}"
        rate = float(inference_gates(model, x_val).mean())
        solved = "yes" if mse < ADDING_TARGET_VARIANCE / 100 else "no"
        rows.append(f"| {name} | {mse:.5f} | {solved} | {100 * rate:.1f} % | {seconds:.0f} |")
        if budget_weight is not None:
            skip_models.append((name, model, rate))
    print("| model | validation MSE | solved | updates | training s |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))

    print(
        f"\nStreaming inference, {args.streaming_sequences} validation sequences "
        "one at a time (batch size 1), no XLA:\n"
    )
    if args.figure:
        from keras_memory.viz import plot_skip_updates

        name, model, _ = skip_models[-1]
        plot_skip_updates(
            x_val[0], inference_gates(model, x_val[:1])[0],
            feature_names=["value", "marker"], path=args.figure,
        )
        print(f"Figure of {name}'s updates on one validation sequence: {args.figure}\n")
    print("| model | updates | skipping on s | skipping off s | time ratio on/off |")
    print("|---|---|---|---|---|")
    sequences = x_val[: args.streaming_sequences]
    for name, model, rate in skip_models:
        on = streaming_seconds(model, sequences, True)
        off = streaming_seconds(model, sequences, False)
        print(f"| {name} | {100 * rate:.1f} % | {on:.2f} | {off:.2f} | {on / off:.2f} |")


if __name__ == "__main__":
    main()
