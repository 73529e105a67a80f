"""Adaptive Computation Time on parity: error, ponder time and inference saving.

Two tables, each measured in one run.

1. Parity (Graves 2016, section 3.1, on a CPU budget): one input step, a
   vector of `--bits` entries of which 1 to `--bits` are set to +1 or -1;
   the target is the parity of the +1 entries. Every model is a tanh RNN of
   `--units` units and a logistic output, trained with Adam on the same
   stream of batches of 128 from the same seed for the same number of
   updates:

   - the one-step RNN, which reads the vector once;
   - Repeat-RNN (Fojo et al. 2018), the same cell run a fixed `K` times on
     the input with the first-step flag, a known strong baseline of ACT;
   - ACT at several time penalties `τ`, with the halting bias at -3 and at
     the paper's +1.

   The table gives the error on 2,000 held-out vectors, the mean number of
   cell steps (`N(t)`; `K` for Repeat-RNN), the mean ponder time
   `ρ = N + R` (`K` for Repeat-RNN), the mean `ρ`
   on the easiest and the hardest quarters of vectors (fewest and most
   non-zero entries), and the correlation of `ρ` with the number of
   non-zero entries (the paper's figure: ponder time grows with it).

2. Inference: each trained ACT model on the held-out vectors, at batch 1
   (a vector at a time) and batch 128, with `skip_inference_computation`
   on (pondering stops once every example of the batch has halted) and off
   (all `M` ponder steps), milliseconds per vector and their ratio.

Run from the project root:

    .venv/bin/python benchmarks/act.py            # about 15 min on 2 cores
    .venv/bin/python benchmarks/act.py --quick    # smoke run
    .venv/bin/python benchmarks/act.py --figure docs/img/act-parity-ponder.png
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402  (the inference timing uses tf.function)

from keras_memory.datasets import parity  # noqa: E402
from keras_memory.datasets import parity_dataset  # noqa: E402
from keras_memory.layers import ACT  # noqa: E402

BATCH_SIZE = 128
PONDER_COSTS = (1e-3, 3e-3, 1e-2)
REPEATS = (5, 10)


class RepeatWithFlag(keras.layers.Layer):
    """Repeat-RNN's input: each step `K` times, with the first-step flag.

    `(batch, T, F) -> (batch, T * K, F + 1)`, the flag 1 on the first of
    each step's `K` copies, as `ACTCell` gives its cell.
    """

    def __init__(self, repeats, **kwargs):
        super().__init__(**kwargs)
        self.repeats = repeats

    def call(self, inputs):
        copies = keras.ops.repeat(inputs, self.repeats, axis=1)
        first = keras.ops.cast(
            keras.ops.equal(keras.ops.arange(keras.ops.shape(copies)[1]) % self.repeats, 0),
            inputs.dtype,
        )
        flag = keras.ops.ones_like(copies[..., :1]) * first[None, :, None]
        return keras.ops.concatenate([copies, flag], axis=-1)


def build(kind, bits, units, max_ponder_steps, ponder_cost=None, halting_bias=None,
          repeats=None, learning_rate=1e-3):
    vector = keras.Input((1, bits), name="vector")
    if kind == "one-step":
        features = keras.layers.SimpleRNN(units, name="recurrent")(vector)
    elif kind == "repeat":
        repeated = RepeatWithFlag(repeats)(vector)
        features = keras.layers.SimpleRNN(units, name="recurrent")(repeated)
    else:
        features = ACT(
            keras.layers.SimpleRNNCell(units),
            max_ponder_steps=max_ponder_steps,
            ponder_cost=ponder_cost,
            halting_bias_initializer=keras.initializers.Constant(halting_bias),
            name="recurrent",
        )(vector)
    parity_bit = keras.layers.Dense(1, activation="sigmoid", name="parity")(features)
    model = keras.Model(vector, parity_bit)
    model.compile(
        keras.optimizers.Adam(learning_rate),
        "binary_crossentropy",
        metrics=["accuracy"],
        jit_compile=True,
    )
    return model


def ponder_times(model, inputs):
    """`ρ` of every held-out vector, from the trained ACT layer."""
    layer = model.get_layer("recurrent")
    pondering = ACT.from_config(
        {**layer.get_config(), "return_sequences": True, "return_ponder": True}
    )
    pondering.build(inputs.shape)
    pondering.set_weights(layer.get_weights())
    _, ponder = pondering(inputs)
    return keras.ops.convert_to_numpy(ponder)[:, 0]


def inference_ms(model, inputs, batch_size, skip_computation):
    """Milliseconds per vector of the ACT model's forward pass, no XLA."""
    layer = model.get_layer("recurrent")
    timed = ACT.from_config(
        {**layer.get_config(), "skip_inference_computation": skip_computation}
    )
    timed.build((batch_size,) + inputs.shape[1:])
    timed.set_weights(layer.get_weights())

    @tf.function(jit_compile=False)
    def forward(batch):
        return timed(batch, training=False)

    batches = [inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size)]
    batches = [b for b in batches if len(b) == batch_size]
    forward(batches[0])  # trace once
    start = time.perf_counter()
    for batch in batches:
        forward(batch)
    return 1000 * (time.perf_counter() - start) / (len(batches) * batch_size)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bits", type=int, default=16)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--max-ponder-steps", type=int, default=20)
    parser.add_argument("--updates", type=int, default=16000, help="Adam updates of batch 128")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--inference-vectors", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="save ponder time by non-zero entries of the ACT "
                        "model with the second time penalty")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.bits, args.units, args.max_ponder_steps = 6, 8, 4
        args.updates, args.inference_vectors = 20, 128

    held_out, targets = parity(2000, args.bits, seed=args.seed + 1000)
    nonzero = (held_out[:, 0] != 0).sum(-1)
    quarter = max(1, args.bits // 4)
    easy, hard = nonzero <= quarter, nonzero > args.bits - quarter
    epochs = 10
    print(
        f"Parity of {args.bits}-entry vectors, tanh RNN of {args.units} units, "
        f"{args.updates} Adam updates ({args.learning_rate:g}) of batch {BATCH_SIZE}, "
        f"ACT M = {args.max_ponder_steps}; seed {args.seed}; keras {keras.__version__} "
        f"({keras.backend.backend()}), {os.cpu_count()} CPUs.\n"
        f"Held out: 2,000 vectors; easy = at most {quarter} non-zero entries, hard = "
        f"more than {args.bits - quarter}.\n"
    )
    configurations = [("one-step RNN", {"kind": "one-step"})]
    configurations += [
        (f"Repeat-RNN, K={k}", {"kind": "repeat", "repeats": k}) for k in REPEATS
    ]
    configurations += [
        (f"ACT, τ={tau:g}, b_h=-3", {"kind": "act", "ponder_cost": tau, "halting_bias": -3.0})
        for tau in PONDER_COSTS
    ]
    configurations.append(
        (f"ACT, τ={PONDER_COSTS[1]:g}, b_h=+1 (paper)",
         {"kind": "act", "ponder_cost": PONDER_COSTS[1], "halting_bias": 1.0})
    )
    rows, act_models = [], []
    for name, options in configurations:
        keras.utils.set_random_seed(args.seed)
        model = build(
            bits=args.bits, units=args.units, max_ponder_steps=args.max_ponder_steps,
            learning_rate=args.learning_rate, **options,
        )
        stream = parity_dataset(BATCH_SIZE, args.bits, seed=args.seed)
        start = time.perf_counter()
        model.fit(stream, steps_per_epoch=max(1, args.updates // epochs), epochs=epochs,
                  verbose=0)
        seconds = time.perf_counter() - start
        accuracy = float(model.evaluate(held_out, targets, verbose=0, return_dict=True)[
            "accuracy"])
        if options["kind"] == "act":
            ponder = ponder_times(model, held_out)
            act_models.append((name, model, ponder))
        else:
            steps = options.get("repeats", 1)
            ponder = np.full(len(held_out), float(steps))
        correlation = (
            float(np.corrcoef(ponder, nonzero)[0, 1]) if ponder.std() > 0 else float("nan")
        )
        cell_steps = np.ceil(ponder) - 1 if options["kind"] == "act" else ponder  # N(t)
        rows.append(
            f"| {name} | {model.count_params()} | {100 * (1 - accuracy):.1f} | "
            f"{cell_steps.mean():.2f} | {ponder.mean():.2f} | {ponder[easy].mean():.2f} | "
            f"{ponder[hard].mean():.2f} | "
            f"{correlation:.2f} | {seconds:.0f} |"
        )
    print(
        "| model | parameters | error % | cell steps | mean ρ | ρ easy | ρ hard "
        "| corr(ρ, non-zero) | training s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))

    if args.figure and len(act_models) > 1:
        from keras_memory.viz import plot_ponder_by_difficulty

        name, _, ponder = act_models[1]
        plot_ponder_by_difficulty(
            ponder, nonzero, difficulty_name="non-zero entries of the vector",
            path=args.figure,
        )
        print(f"\nFigure of {name}'s ponder time by non-zero entries: {args.figure}")

    vectors = held_out[: args.inference_vectors]
    print(
        f"\nInference on {len(vectors)} held-out vectors, no XLA, ms per vector "
        f"(pondering stops when every example of the batch has halted, or runs all "
        f"M = {args.max_ponder_steps} steps):\n"
    )
    print("| model | mean ρ | batch | stop early ms | all M steps ms | ratio |")
    print("|---|---|---|---|---|---|")
    for name, model, ponder in act_models:
        for batch_size in (1, BATCH_SIZE):
            early = inference_ms(model, vectors, batch_size, True)
            full = inference_ms(model, vectors, batch_size, False)
            print(
                f"| {name} | {ponder.mean():.2f} | {batch_size} | {early:.3f} | "
                f"{full:.3f} | {early / full:.2f} |"
            )


if __name__ == "__main__":
    main()
