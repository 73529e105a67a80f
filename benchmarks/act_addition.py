"""Adaptive Computation Time on addition: errors and ponder time per step.

One table, measured in one run (Graves 2016, section 3.3, on a CPU budget).
Sequences of 1 to `--max-numbers` numbers of 1 to `--digits` digits, one
number per step as one-hot digits; from the second step on, the target is
the running sum, one softmax of 11 classes per sum digit
(`keras_memory.datasets.addition`). An LSTM reads each number once; the
same LSTM inside ACT ponders each number, at two time penalties. Same
cell, same batches, same Adam updates, same seed.

The table gives the digit error and the sequence error (a sequence is
wrong when any digit of any of its sums is) on 2,000 held-out sequences,
and the mean ponder time of ACT at each input step, first number to last.
The paper finds ACT far ahead of the LSTM here, pondering more on the later
numbers, whose sums carry more.

Run from the project root:

    .venv/bin/python benchmarks/act_addition.py            # 7 min on 2 cores
    .venv/bin/python benchmarks/act_addition.py --quick    # smoke run
    .venv/bin/python benchmarks/act_addition.py --figure docs/img/act-addition-ponder.png
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.datasets import addition  # noqa: E402
from keras_memory.datasets import addition_dataset  # noqa: E402
from keras_memory.datasets.pondering_tasks import DIGIT_CLASSES  # noqa: E402
from keras_memory.layers import ACT  # noqa: E402

BATCH_SIZE = 32
PONDER_COSTS = (1e-3, 1e-2)


def digit_loss(targets, logits):
    """Cross-entropy of each sum digit, averaged over the digits: one per step."""
    per_digit = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    return keras.ops.mean(per_digit, axis=-1)


def build(max_numbers, digits, units, ponder_cost=None, max_ponder_steps=None,
          learning_rate=1e-3):
    numbers = keras.Input((max_numbers, 10 * digits), name="numbers")
    masked = keras.layers.Masking(0.0)(numbers)
    if ponder_cost is None:
        features = keras.layers.LSTM(units, return_sequences=True, name="recurrent")(masked)
    else:
        features = ACT(
            keras.layers.LSTMCell(units),
            max_ponder_steps=max_ponder_steps,
            ponder_cost=ponder_cost,
            return_sequences=True,
            name="recurrent",
        )(masked)
    logits = keras.layers.Reshape((max_numbers, digits + 1, DIGIT_CLASSES), name="sum")(
        keras.layers.Dense((digits + 1) * DIGIT_CLASSES)(features)
    )
    model = keras.Model(numbers, logits)
    model.compile(keras.optimizers.Adam(learning_rate), digit_loss, jit_compile=True)
    return model


def errors(model, inputs, targets, weights):
    """(digit error, sequence error) over the steps that have a target."""
    predicted = np.argmax(model.predict(inputs, batch_size=256, verbose=0), -1)
    wrong_digits = (predicted != targets) & (weights[..., None] > 0)
    steps = weights.sum()
    digit_error = wrong_digits.sum() / (steps * targets.shape[-1])
    has_target = weights.sum(-1) > 0
    sequence_wrong = wrong_digits.any(axis=(1, 2))[has_target]
    return float(digit_error), float(sequence_wrong.mean())


def ponder_by_step(model, inputs, weights):
    """Mean ρ_t at each input step over the sequences that have that step."""
    layer = model.get_layer("recurrent")
    pondering = ACT.from_config({**layer.get_config(), "return_ponder": True})
    pondering.build(inputs.shape)
    pondering.set_weights(layer.get_weights())
    mask = inputs.sum(-1) > 0
    _, ponder = pondering(inputs, mask=mask)
    ponder = keras.ops.convert_to_numpy(ponder)
    return [float(ponder[mask[:, t], t].mean()) for t in range(inputs.shape[1])], ponder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-numbers", type=int, default=5)
    parser.add_argument("--digits", type=int, default=3)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--max-ponder-steps", type=int, default=10)
    parser.add_argument("--updates", type=int, default=6000, help="Adam updates of batch 32")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--ponder-costs", default=",".join(f"{t:g}" for t in PONDER_COSTS),
                        help="comma-separated time penalties of the ACT rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save the ponder times of one held-out sequence "
                        "under the ACT model with the largest time penalty")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.units, args.max_ponder_steps, args.updates, args.digits = 8, 3, 20, 2

    held_out = addition(2000, args.max_numbers, args.digits, seed=args.seed + 1000)
    print(
        f"Addition: 1 to {args.max_numbers} numbers of 1 to {args.digits} digits, LSTM of "
        f"{args.units} units, {args.updates} Adam updates ({args.learning_rate:g}) of batch "
        f"{BATCH_SIZE}, ACT M = {args.max_ponder_steps}; seed {args.seed}; keras "
        f"{keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs.\n"
        "Held out: 2,000 sequences.\n"
    )
    steps_header = " | ".join(f"ρ step {t + 1}" for t in range(args.max_numbers))
    print(f"| model | digit error % | sequence error % | {steps_header} | training s |")
    print("|---|---|---|" + "---|" * args.max_numbers + "---|")
    figure_ponder = None
    epochs = 10
    ponder_costs = [float(t) for t in args.ponder_costs.split(",")]
    for ponder_cost in (None, *ponder_costs):
        keras.utils.set_random_seed(args.seed)
        model = build(args.max_numbers, args.digits, args.units, ponder_cost,
                      args.max_ponder_steps, args.learning_rate)
        stream = addition_dataset(BATCH_SIZE, args.max_numbers, args.digits, seed=args.seed)
        start = time.perf_counter()
        model.fit(stream, steps_per_epoch=max(1, args.updates // epochs), epochs=epochs,
                  verbose=0)
        seconds = time.perf_counter() - start
        digit_error, sequence_error = errors(model, *held_out)
        if ponder_cost is None:
            name, by_step = "LSTM", ["1.00"] * args.max_numbers
        else:
            name = f"ACT LSTM, τ={ponder_cost:g}"
            means, ponder = ponder_by_step(model, held_out[0], held_out[2])
            by_step = [f"{m:.2f}" for m in means]
            figure_ponder = (name, ponder)  # the figure shows the last ACT model
        print(
            f"| {name} | {100 * digit_error:.1f} | {100 * sequence_error:.1f} | "
            + " | ".join(by_step) + f" | {seconds:.0f} |"
        )
    if args.figure and figure_ponder is not None:
        from keras_memory.viz import plot_ponder_times

        name, ponder = figure_ponder
        inputs = held_out[0]
        lengths = (inputs.sum(-1) > 0).sum(-1)
        row = int(np.argmax(lengths == args.max_numbers))  # a sequence of every step
        numbers = []
        for step in inputs[row].reshape(args.max_numbers, args.digits, 10):
            present = step.sum(-1) > 0
            numbers.append(sum(int(d) * 10**i for i, d in enumerate(step.argmax(-1)) if present[i]))
        plot_ponder_times(ponder[row], step_labels=numbers,
                          max_ponder_steps=args.max_ponder_steps, path=args.figure)
        print(f"\nFigure of {name}'s ponder times on one held-out sequence: {args.figure}")


if __name__ == "__main__":
    main()
