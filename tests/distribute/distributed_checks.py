"""Distributed training checks, run in a subprocess that writes JSON.

`python tests/distribute/distributed_checks.py MODE OUT.json` runs one mode
in a fresh process and writes what it measured; the test modules in this
folder read the JSON and assert. A separate process is needed because the
two logical CPU devices must be configured before TensorFlow initialises its
devices, and the JAX checks need their own backend and `XLA_FLAGS`.

`mirrored`: every conformance spec (`tests/conformance_specs.py`) gets a
branch `inputs -> layer -> Dense(2)` of one model that holds them all (one
trace and one compilation for all the layers instead of one per layer; the
branches share no weight, so each layer's weights depend on its own branch
only). The model trains `STEPS` SGD steps of `GLOBAL_BATCH` examples

- on one device (the reference; the conformance harness already checks that
  one device gives the same weights with and without XLA),
- under `tf.distribute.MirroredStrategy` over two logical CPU devices with
  Keras `fit`, and
- under the strategy with the per-replica step compiled by XLA
  (`tf.function(jit_compile=True)` inside `strategy.run`), because Keras
  3.15's `compile(jit_compile=True)` compiles the cross-replica step as a
  whole, which XLA cannot place on two devices (checked as well),

and the largest difference from the reference is recorded per layer.

`mirrored_recipes`: the applications' training recipes, the models with
their own `compute_loss`, and the losses and metrics reduced across
replicas, each on one device and under the strategy (its own process, so
that pytest-xdist can run it beside the layers' run).
"""

import contextlib
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/: conformance, references

# Two replicas of 2 examples; STEPS global batches.
REPLICAS = 2
GLOBAL_BATCH = 4
STEPS = 2
LEARNING_RATE = 0.1
PADDED_STEPS = 2


# Float32 sums in another order (two replicas' gradients all-reduced): the
# differences seen are below 1e-7.
WEIGHTS_ATOL = 1e-5


def run_checks(mode, directory, timeout=900, env=None):
    """Runs this file's `mode` in a fresh process; the JSON it writes.

    For the test modules (which run in a process whose TensorFlow has
    already set up its devices). `env` adds environment variables.
    """
    import subprocess

    out = os.path.join(str(directory), f"{mode}.json")
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), mode, out],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "KERAS_BACKEND": "tensorflow", **(env or {})},
    )
    assert result.returncode == 0 and os.path.exists(out), result.stderr[-6000:]
    with open(out) as f:
        return json.load(f)


def two_cpu_strategy():
    """`MirroredStrategy` over two logical CPU devices (before TF starts)."""
    import tensorflow as tf

    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * REPLICAS
    )
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(REPLICAS)])


def draws_in_training(layer):
    """Whether `layer` (or a layer inside it) draws random numbers in `fit`.

    Such layers draw from a `keras.random.SeedGenerator`, whose state is one
    mirrored variable: every replica reads the same state and draws the same
    numbers for its share of the batch, where one device draws different
    numbers for every example. Their check uses a global batch made of two
    equal halves (see `_stochastic_data`). Any layer that owns a
    `SeedGenerator` counts (a sampled glimpse location, a hard read; one
    whose seed goes unused loses nothing on equal halves); the options
    below name the draws of layers that keep their seed elsewhere.
    """
    for sublayer in layer._flatten_layers(include_self=True):
        config = sublayer.get_config()
        if getattr(sublayer, "_seed_generators", None):
            return True
        if (
            config.get("zoneout_h", 0) > 0
            or config.get("zoneout_c", 0) > 0
            or config.get("random_noise", 0) > 0
            or config.get("dropout", 0) > 0
            or config.get("reads") == "hard"
        ):
            return True
    return False


def _max_difference(weights, reference):
    import numpy as np

    return max(
        (float(np.max(np.abs(a - b))) if a.size else 0.0)
        for a, b in zip(weights, reference)
    )


class Branches:
    """One model with a branch per conformance spec.

    Branch `i` is `spec.model()` with its names suffixed by `_{i}`: for a
    recurrent spec `Input -> Masking -> layer (sequences) -> Dense(2)`, for
    a `LayerSpec` its named inputs `-> layer -> Dense(2)` on the first
    output. The model's inputs are a dict, its outputs a list (one per
    branch), its loss the sum of the branches' mean squared errors.
    """

    def __init__(self, specs):
        self.specs = list(specs)
        self.ids = [spec.test_id for spec in self.specs]

    def build(self):
        import keras

        inputs, outputs, layer_names = {}, [], []
        for index, spec in enumerate(self.specs):
            names = [f"b{index}_{name}" for name in spec.named_inputs()]
            values = list(spec.named_inputs().values())
            branch_inputs = [
                keras.Input(v.shape[1:], dtype=str(v.dtype), name=n)
                for n, v in zip(names, values)
            ]
            inputs.update(zip(names, branch_inputs))
            layer_names.append(f"under_test_{index}")
            if spec.recurrent:
                masked = keras.layers.Masking(0.0, name=f"padding_{index}")(
                    branch_inputs[0]
                )
                features = spec.make_recurrent(
                    return_sequences=True, name=layer_names[-1]
                )(masked)
            else:
                features = spec.make_layer(name=layer_names[-1])(
                    branch_inputs[0] if len(branch_inputs) == 1 else branch_inputs
                )
                if isinstance(features, (list, tuple)):
                    features = features[0]
            outputs.append(keras.layers.Dense(2, name=f"prediction_{index}")(features))
        model = keras.Model(inputs, outputs, name="branches")
        self.layer_names = layer_names
        return model

    def branch_weights(self, model):
        """`{test_id: [arrays]}`: each branch's layer and Dense weights."""
        import keras

        weights = {}
        for index, test_id in enumerate(self.ids):
            layers = [
                model.get_layer(f"under_test_{index}"),
                model.get_layer(f"prediction_{index}"),
            ]
            weights[test_id] = [
                keras.ops.convert_to_numpy(w) for layer in layers for w in layer.weights
            ]
        return weights

    def data(self, model, samples, stochastic):
        """Inputs and targets of `samples` examples, per branch.

        Recurrent inputs have their even examples padded (the last
        `PADDED_STEPS` steps): each replica's share of a batch holds one
        padded example, so both replicas count as many valid steps. Keras
        divides a masked loss by the valid steps of the replica's share, so
        an uneven split would weigh the replicas' examples differently from
        one device (which divides by the valid steps of the whole batch).
        Branches of layers that draw random numbers (`stochastic`) get
        batches made of two equal halves (`_halved`).
        """
        import numpy as np

        x, y = {}, []
        for index, spec in enumerate(self.specs):
            if spec.recurrent:
                values = {"sequence": spec.inputs(seed=0, batch_size=samples)}
                values["sequence"][::2, -PADDED_STEPS:] = 0.0
            else:
                values = spec.named_inputs(seed=0, batch_size=samples)
            rng = np.random.default_rng(index)
            shape = (samples, *model.outputs[index].shape[1:])
            target = rng.normal(size=shape).astype("float32")
            if index in stochastic:
                values = {k: _halved(v) for k, v in values.items()}
                target = _halved(target)
            x.update({f"b{index}_{name}": v for name, v in values.items()})
            y.append(target)
        return x, y


def _halved(array):
    """Every global batch `[a, b]` (two replica shares) becomes `[a, a]`."""
    import numpy as np

    half = GLOBAL_BATCH // REPLICAS
    out = np.array(array)
    for start in range(0, len(out), GLOBAL_BATCH):
        out[start + half : start + GLOBAL_BATCH] = out[start : start + half]
    return out


def _first_halves(array):
    """The first share of every global batch: what one replica sees."""
    import numpy as np

    half = GLOBAL_BATCH // REPLICAS
    return np.concatenate(
        [array[start : start + half] for start in range(0, len(array), GLOBAL_BATCH)]
    )


def _compile(model, jit_compile=False, run_eagerly=False):
    import keras

    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss="mse",
        jit_compile=jit_compile,
        run_eagerly=run_eagerly,
    )


def _fit(branches, initial, x, y, strategy=None, batch_size=GLOBAL_BATCH, **compile_kwargs):
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        model = branches.build()
        model.set_weights(initial)
        _compile(model, **compile_kwargs)
    history = model.fit(x, y, batch_size=batch_size, shuffle=False, verbose=0)
    return branches.branch_weights(model), history.history


def _fit_per_replica_xla(branches, initial, x, y, strategy):
    """SGD steps whose per-replica gradient is compiled by XLA.

    The gradients of each replica come from a `tf.function(jit_compile=True)`
    called in the replica's context; their all-reduce and the update are
    left to the strategy (`apply_gradients` in replica context sums them).
    The loss is the model's `compute_loss`, as in Keras's `fit`.
    """
    import tensorflow as tf

    with strategy.scope():
        model = branches.build()
        model.set_weights(initial)
        _compile(model)
        first = {k: v[:GLOBAL_BATCH] for k, v in x.items()}
        model._symbolic_build(data_batch=(first, [t[:GLOBAL_BATCH] for t in y]))
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=True)
    def gradients(inputs, targets):
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)
            # Keras's loss of `fit`: the masked mean squared errors of the
            # replica's share and the `add_loss` terms, each divided by the
            # number of replicas.
            loss = model.compute_loss(
                x=inputs, y=list(targets), y_pred=predictions, training=True
            )
        return tape.gradient(loss, model.trainable_variables)

    def replica_step(inputs, targets):
        grads = gradients(inputs, targets)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    @tf.function
    def step(inputs, targets):
        strategy.run(replica_step, args=(inputs, targets))

    dataset = tf.data.Dataset.from_tensor_slices((x, tuple(y))).batch(GLOBAL_BATCH)
    for inputs, targets in strategy.experimental_distribute_dataset(dataset):
        step(inputs, targets)
    return branches.branch_weights(model)


def _keras_jit_error(strategy):
    """The error of Keras `fit(jit_compile=True)` under the strategy, or None."""
    import keras
    import numpy as np

    with strategy.scope():
        inputs = keras.Input((3,))
        model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        _compile(model, jit_compile=True)
    try:
        model.fit(np.ones((4, 3)), np.ones((4, 2)), batch_size=4, verbose=0)
    except Exception as error:  # the InvalidArgumentError of TensorFlow
        return f"{type(error).__name__}: {error}"[:2000]
    return None


def _record(results, key, function):
    start = time.process_time()
    try:
        results[key] = function()
    except Exception:
        results[key] = {"error": traceback.format_exc()[-6000:]}
    results.setdefault("cpu_seconds", {})[key] = round(time.process_time() - start, 1)


# The layers of the per-replica XLA check in the default run (the full sweep
# is the slow `mirrored_full` mode): the one with an `add_loss` term and a
# metric updated in `call`, a cell in `keras.layers.RNN`, and two layers of
# several inputs; about 20 s of XLA compilation on two devices.
XLA_SUBSET = ("SkipRNN", "ClockworkRNNCell", "MemoryNetwork-adjacent", "LuongAttention-general")


def layer_sweep(specs, strategy, fit_eagerly=True, xla=True):
    """Every spec's branch trained on one device and under `strategy`.

    `fit_eagerly`: Keras `fit(run_eagerly=True)` under the strategy (each
    replica's step runs op by op: no trace, a fraction of the CPU time of a
    traced step for the 27 branches) instead of the traced step. `xla`: also
    the per-replica XLA step (`_fit_per_replica_xla`).
    """
    import keras
    import numpy as np

    keras.utils.set_random_seed(1234)
    branches = Branches(specs)
    initial_model = branches.build()
    initial = initial_model.get_weights()
    stochastic = {
        index
        for index, name in enumerate(branches.layer_names)
        if draws_in_training(initial_model.get_layer(name))
    }
    x, y = branches.data(initial_model, GLOBAL_BATCH * STEPS, stochastic)
    results = {
        "ids": branches.ids,
        "stochastic": [branches.ids[i] for i in sorted(stochastic)],
        "cpu_seconds": {},
    }
    start = time.process_time()
    reference, _ = _fit(branches, initial, x, y, run_eagerly=True)
    # What one replica sees of the equal-halves batches, on one device.
    half_x = {k: _first_halves(v) for k, v in x.items()}
    half_y = [_first_halves(v) for v in y]
    half_reference, _ = _fit(
        branches, initial, half_x, half_y, batch_size=GLOBAL_BATCH // REPLICAS,
        run_eagerly=True,
    )
    initial_weights = branches.branch_weights(initial_model)
    results["cpu_seconds"]["references"] = round(time.process_time() - start, 1)

    def compare(weights):
        table = {}
        for index, test_id in enumerate(branches.ids):
            expected = (half_reference if index in stochastic else reference)[test_id]
            table[test_id] = {
                "difference": _max_difference(weights[test_id], expected),
                "moved": _max_difference(expected, initial_weights[test_id]),
                "finite": bool(all(np.isfinite(w).all() for w in weights[test_id])),
            }
        return table

    _record(
        results,
        "fit",
        lambda: compare(
            _fit(branches, initial, x, y, strategy, run_eagerly=fit_eagerly)[0]
        ),
    )
    if xla:
        _record(
            results,
            "per_replica_xla",
            lambda: compare(_fit_per_replica_xla(branches, initial, x, y, strategy)),
        )
    keras.utils.clear_session()
    return results


def run_mirrored():
    """The default run of the layers: every layer (eager `fit`), the XLA
    subset, Keras's own XLA failure. The recipes, losses and metrics are
    `run_mirrored_recipes`, another process (another pytest worker)."""
    strategy = two_cpu_strategy()
    from conformance_specs import SPECS

    results = {"replicas": strategy.num_replicas_in_sync}
    results["layers"] = layer_sweep(SPECS, strategy, xla=False)
    results["xla_subset"] = layer_sweep(
        [spec for spec in SPECS if spec.test_id in XLA_SUBSET], strategy, fit_eagerly=False
    )
    _record(results, "keras_jit_error", lambda: _keras_jit_error(strategy))
    return results


def run_mirrored_recipes():
    """The applications' recipes (traced `fit`), the losses and metrics."""
    strategy = two_cpu_strategy()
    results = {"replicas": strategy.num_replicas_in_sync}
    run_recipes(strategy, results)
    return results


def run_mirrored_full():
    """The slow run: every layer with the traced `fit` and the XLA step."""
    strategy = two_cpu_strategy()
    from conformance_specs import SPECS

    return {
        "replicas": strategy.num_replicas_in_sync,
        "layers": layer_sweep(SPECS, strategy, fit_eagerly=False, xla=True),
    }


# --- Losses and metrics across replicas ---------------------------------------


def _skip_rnn_budget_model():
    """`sequence -> SkipRNN(GRU 4, lambda = 1, gates) -> Dense(2)`.

    Compiled with a zero weight on the Dense output's loss, so that the
    training loss is the budget term `lambda mean_b sum_t u_t` alone.
    """
    import keras

    from keras_memory.layers import SkipRNN

    sequence = keras.Input((7, 3), name="sequence")
    masked = keras.layers.Masking(0.0)(sequence)
    features, gates = SkipRNN(
        keras.layers.GRUCell(4),
        budget_weight=1.0,
        update_bias_initializer=keras.initializers.Constant(-1.0),
        return_sequences=True,
        return_gates=True,
        name="skip",
    )(masked)
    prediction = keras.layers.Dense(2, name="prediction")(features)
    return keras.Model(sequence, [prediction, gates])


def skip_rnn_reductions(strategy):
    """The budget loss and the update rate of one step, one device and two.

    Returns the gates of the one-device forward pass at `training=True`
    (from which the test computes the loss and the rate), each run's
    reported `loss` and `update_rate`, and the weights after the step.
    """
    import keras
    import numpy as np

    rng = np.random.default_rng(3)
    x = (rng.uniform(0.1, 1.0, (GLOBAL_BATCH, 7, 3)) * rng.choice([-1, 1], (GLOBAL_BATCH, 7, 3)))
    x = x.astype("float32")
    x[::2, -PADDED_STEPS:] = 0.0  # one padded example per replica
    y = [np.zeros((GLOBAL_BATCH, 7, 2), "float32"), np.zeros((GLOBAL_BATCH, 7), "float32")]
    keras.utils.set_random_seed(5)
    initial = _skip_rnn_budget_model().get_weights()
    record = {"x": x.tolist()}
    for name, scope in (("one_device", contextlib.nullcontext()), ("mirrored", strategy.scope())):
        with scope:
            model = _skip_rnn_budget_model()
            model.set_weights(initial)
            model.compile(
                optimizer=keras.optimizers.SGD(1.0),
                loss=["mse", None],
                loss_weights=[0.0, None],
            )
        if name == "one_device":
            _, gates = model(x, training=True)
            record["gates"] = keras.ops.convert_to_numpy(gates).tolist()
        history = model.fit(x, y, batch_size=GLOBAL_BATCH, shuffle=False, verbose=0)
        record[name] = {
            "loss": history.history["loss"][0],
            "update_rate": history.history["update_rate"][0],
            "weights": [w.tolist() for w in model.get_weights()],
        }
    record["initial"] = [w.tolist() for w in initial]
    return record


# --- The applications' recipes ------------------------------------------------


def ntm_copy_recipe(strategy, steps=STEPS, evaluate=True):
    """`compile_for_copy(NTMCopy(weights=None))` trained on `copy_dataset`.

    The recipe's model, compilation (RMSProp, clipping, cross-entropy on the
    scored steps, `BitErrorsPerSequence`) and training stream, for `steps`
    batches of `GLOBAL_BATCH` sequences of length 2, then evaluated on a
    fixed batch: the reported bit errors and the predictions, from which
    the test computes the metric with NumPy. `train_copy` itself adds
    `CopyProgress`, whose evaluation on lengths 1 to 20 costs minutes here.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_memory.applications.ntm_copy import NTMCopy
    from keras_memory.applications.ntm_copy import compile_for_copy
    from keras_memory.applications.ntm_copy.evaluation import evaluate_copy
    from keras_memory.datasets import algorithmic

    keras.utils.set_random_seed(7)
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        model = compile_for_copy(NTMCopy(weights=None), learning_rate=1e-2)
    initial = model.get_weights()
    dataset = algorithmic.copy_dataset(GLOBAL_BATCH, 2, 2, seed=0)
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        history = _fit_multi_worker(model, dataset, strategy, steps)
    else:
        history = model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0).history
    record = {
        "initial": [w.tolist() for w in initial],
        "weights": [w.tolist() for w in model.get_weights()],
        "loss": history["loss"],
    }
    if not evaluate:
        return record
    inputs, targets, weights = algorithmic.copy_task(GLOBAL_BATCH, 2, 2, seed=11)
    evaluated = model.evaluate(
        inputs, targets, sample_weight=weights, batch_size=GLOBAL_BATCH,
        return_dict=True, verbose=0,
    )
    return {
        **record,
        "evaluated_bit_errors": evaluated["bit_errors_per_sequence"],
        # Not `predict_on_batch`: under MirroredStrategy Keras 3.15 runs the
        # whole batch on every replica and concatenates (8 rows for 4).
        "predictions": np.asarray(
            model.predict(inputs, batch_size=GLOBAL_BATCH, verbose=0)
        ).tolist(),
        "predict_on_batch_rows": int(np.asarray(model.predict_on_batch(inputs)).shape[0]),
        # `CopyProgress`'s evaluation, which used `predict_on_batch`.
        "copy_errors": {
            str(k): v
            for k, v in evaluate_copy(model, lengths=(1, 2), sequences_per_length=4).items()
        },
        "targets": targets.tolist(),
        "sample_weights": weights.tolist(),
    }


def babi_recipe(strategy, directory):
    """`train_babi` for one epoch on generated task-1 stories.

    Random noise off (its draws would follow the replicas, see
    `draws_in_training`), linear start off, XLA off (Keras cannot compile
    the cross-replica step, see `_keras_jit_error`), clipping off (see
    below); the rest is the recipe: the summed cross-entropy, the schedule,
    the bucketed and shuffled batches, the validation pass.
    """
    from keras_memory.applications.memn2n_babi import train_babi

    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        result = train_babi(
            directory, tasks=1, epochs=1, embedding_dim=8, hops=2, memory_size=10,
            batch_size=GLOBAL_BATCH, linear_start=False, random_noise=0.0,
            # Keras 3.15 clips each replica's gradient before the all-reduce
            # (`_clip_gradients` precedes `_all_reduce_sum_gradients`): the
            # recipe's global norm 40 would clip the replicas' halves, not
            # their sum. Far above the norms of this run: no clipping.
            clipnorm=1e6,
            jit_compile=False, verbose=0,
        )
    return {
        "weights": [w.tolist() for w in result["model"].get_weights()],
        "loss": result["history"]["loss"],
        "val_accuracy": result["history"]["val_accuracy"],
        "examples": int(result["data"].train.num_examples),
    }


def dates_recipe(strategy):
    """`train_dates` for 2 epochs of 4 batches of 4 generated dates, validated.

    A small encoder-decoder of the recipe's kind (Luong attention, input
    feeding, the dense bridge), `compile_for_dates` with the cosine decay,
    XLA off (`_keras_jit_error`) and clipping off (see `babi_recipe`).
    """
    import keras

    from keras_memory.applications.seq2seq import training

    keras.utils.set_random_seed(3)
    architecture = {**training.ARCHITECTURE, "embedding_dim": 8, "encoder_units": 8,
                    "decoder_units": 8, "attention_units": 8}
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        model = training.compile_for_dates(
            training.build_date_model(architecture=architecture),
            learning_rate=1e-2, clipnorm=1e6, decay_steps=8, jit_compile=False,
        )
        initial = model.get_weights()
        history = training.train_dates(
            model, epochs=2, num_examples=4 * GLOBAL_BATCH, batch_size=GLOBAL_BATCH,
            validation_examples=2 * GLOBAL_BATCH, verbose=0,
        )
    return {
        "initial": [w.tolist() for w in initial],
        "weights": [w.tolist() for w in model.get_weights()],
        "loss": history.history["loss"],
        "val_loss": history.history["val_loss"],
        "steps": int(model.optimizer.iterations.numpy()),
    }


# --- Models with their own `compute_loss` --------------------------------------


def _captioner_data(steps, halves):
    """Images and captions of 1 to 4 words (unequal token counts per share)."""
    import numpy as np

    rng = np.random.default_rng(5)
    count = steps * GLOBAL_BATCH
    images = rng.uniform(size=(count, 16, 16, 3)).astype("float32")
    lengths = 1 + np.arange(count) % 4
    targets = np.zeros((count, 5), "int32")
    for row, length in enumerate(lengths):
        targets[row, :length] = rng.integers(3, 12, length)
        targets[row, length] = 2  # end
    inputs = np.concatenate([np.ones((count, 1), "int32"), targets[:, :-1]], axis=1)
    inputs[inputs == 2] = 0
    if halves:
        images, inputs, targets = _halved(images), _halved(inputs), _halved(targets)
    return {"images": images, "decoder_input_ids": inputs}, targets


def _glimpse_data(steps):
    import numpy as np

    rng = np.random.default_rng(6)
    count = steps * GLOBAL_BATCH
    images = rng.uniform(size=(count, 12, 12, 1)).astype("float32")
    return _halved(images), _halved(rng.integers(0, 3, count).astype("int32"))


def _own_loss_model(kind):
    import keras

    from keras_memory.applications.captioning.model import ShowAttendTell
    from keras_memory.applications.captioning.training import CaptionTrainer
    from keras_memory.applications.glimpse import GlimpseClassifier

    keras.utils.set_random_seed(4)
    if kind == "glimpse":
        return GlimpseClassifier(
            image_shape=(12, 12, 1), num_classes=3, num_glimpses=2, patch_size=4,
            glimpse_units=8, location_units=8, glimpse_output_units=8, core_units=8, seed=2,
        )
    captioner = ShowAttendTell(
        12, image_shape=(16, 16, 3), embedding_dim=8, decoder_units=8, attention_units=8,
        attention=kind, seed=2,
    )
    return CaptionTrainer(captioner, doubly_stochastic=1.0)


def own_loss_models(strategy):
    """`CaptionTrainer` (soft and hard attention) and `GlimpseClassifier`,
    whose losses are their own `compute_loss`: SGD steps under the strategy
    against one device.

    Soft attention draws nothing: any global batch, with shares of unequal
    token counts. Hard attention and the glimpse locations are sampled:
    global batches of two equal halves against one device on one half
    (`draws_in_training`), the moving-average baseline compared too.
    """
    import keras
    import numpy as np

    records = {}
    for kind in ("soft", "hard", "glimpse"):
        stochastic = kind != "soft"
        if kind == "glimpse":
            x, y = _glimpse_data(STEPS)
            one_x, one_y = _first_halves(x), _first_halves(y)
        else:
            x, y = _captioner_data(STEPS, halves=stochastic)
            one_x = {k: _first_halves(v) for k, v in x.items()} if stochastic else x
            one_y = _first_halves(y) if stochastic else y
        runs = {}
        for where, (inputs, targets, batch) in {
            "one_device": (one_x, one_y, GLOBAL_BATCH // REPLICAS if stochastic else GLOBAL_BATCH),
            "mirrored": (x, y, GLOBAL_BATCH),
        }.items():
            scope = strategy.scope() if where == "mirrored" else contextlib.nullcontext()
            with scope:
                model = _own_loss_model(kind)
                model.compile(keras.optimizers.SGD(LEARNING_RATE), run_eagerly=True)
                if isinstance(inputs, dict):
                    model({k: a[:batch] for k, a in inputs.items()})
                else:
                    model(inputs[:batch])
                if where == "one_device":
                    initial = model.get_weights()
                model.set_weights(initial)
            history = model.fit(inputs, targets, batch_size=batch, shuffle=False, verbose=0)
            runs[where] = {
                "weights": [w.tolist() for w in model.get_weights()],
                "loss": history.history["loss"],
            }
        runs["initial"] = [np.asarray(w).tolist() for w in initial]
        records[kind] = runs
    return records


def captioning_recipe(strategy):
    """`train_on_shapes` for one epoch of 2 batches of 32 scenes, evaluated.

    The shipped recipe's model, loss, schedule and stream (soft attention
    draws nothing), XLA off (`_keras_jit_error`); then greedy captions of
    8 held-out scenes and their metrics.
    """
    from keras_memory.applications.captioning import shapes_training

    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        captioner, metadata = shapes_training.train_on_shapes(
            epochs=1, examples=64, validation_examples=8, jit_compile=False
        )
    return {
        "weights": [w.tolist() for w in captioner.get_weights()],
        "loss": metadata["training"]["loss_first_last"],
        "validation": metadata["validation"],
    }


def glimpse_recipe(strategy, directory):
    """`train_on_mnist` for one epoch of 100 random "digits" (2 batches of 64
    and 36), then its validation errors on 1,000 canvases.

    The glimpse locations are sampled, and each replica draws the same
    numbers for its share (`draws_in_training`): the run is not one
    device's, so the test asks that it trains and evaluates, not equality.
    """
    from keras_memory.applications.glimpse import training

    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        model, metadata = training.train_on_mnist(
            directory, epochs=1, jit_compile=False, monte_carlo_samples=2
        )
    return {
        "weights": [w.tolist() for w in model.get_weights()],
        "loss": metadata["training"]["loss_first_last"],
        "validation": metadata["validation"],
    }


def _write_random_mnist(directory):
    import numpy as np

    from keras_memory.datasets import mnist

    rng = np.random.default_rng(0)
    mnist.write_idx(f"{directory}/train-images-idx3-ubyte",
                    rng.integers(0, 256, (1100, 28, 28), dtype="uint8"))
    mnist.write_idx(f"{directory}/train-labels-idx1-ubyte",
                    np.repeat(np.arange(10, dtype="uint8"), 110))


def run_recipes(strategy, results):
    import tempfile

    from keras_memory.datasets import babi

    for key, where in (("one_device", None), ("mirrored", strategy)):
        _record(results, f"ntm_copy/{key}", lambda: ntm_copy_recipe(where))
    directory = tempfile.mkdtemp(prefix="babi_")
    # 16 stories: 10 validation questions, a first validation batch that
    # splits evenly (see the guide: Keras 3.15 averages the first batch of
    # `fit` and `evaluate` across replicas, which fails for unequal shares).
    babi.write_babi_files(directory, tasks=(1,), num_stories=16, seed=0)
    for key, where in (("one_device", None), ("mirrored", strategy)):
        _record(results, f"babi/{key}", lambda: babi_recipe(where, directory))
    for key, where in (("one_device", None), ("mirrored", strategy)):
        _record(results, f"dates/{key}", lambda: dates_recipe(where))
    _record(results, "skip_rnn_reductions", lambda: skip_rnn_reductions(strategy))
    _record(results, "own_loss_models", lambda: own_loss_models(strategy))
    for key, where in (("one_device", None), ("mirrored", strategy)):
        _record(results, f"captioning/{key}", lambda: captioning_recipe(where))
    mnist_directory = tempfile.mkdtemp(prefix="mnist_")
    _write_random_mnist(mnist_directory)
    for key, where in (("one_device", None), ("mirrored", strategy)):
        _record(results, f"glimpse/{key}", lambda: glimpse_recipe(where, mnist_directory))


# --- Several workers ------------------------------------------------------------

WORKERS = 2
WORKER_TIMEOUT = 300  # seconds; a worker still running then is killed


def _free_ports(count):
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _fit_multi_worker(model, dataset, strategy, steps):
    """`steps` of the model's own `train_step` under `strategy.run`.

    Keras 3.15's `fit` cannot run under `MultiWorkerMirroredStrategy`: it
    averages the replicas' scalar metrics with `strategy.reduce("MEAN", v,
    axis=0)`, which fails ("Invalid reduction dimension 0 for input with 0
    dimensions"; TensorFlow issue 72388). This loop runs the same step (the
    compiled loss scaled by the replicas, the optimizer's all-reduce, the
    metrics) and sums the replicas' loss itself. Returns `{"loss": [the
    epoch's mean loss]}`, as `fit`'s history holds it.
    """
    import tensorflow as tf

    batch = next(iter(dataset))
    with strategy.scope():
        model._symbolic_build(data_batch=batch)  # loss, metrics, optimizer
    iterator = iter(strategy.experimental_distribute_dataset(dataset))

    @tf.function
    def step():
        logs = strategy.run(model.train_step, args=(next(iterator),))
        # Every replica reports the mean loss seen by the loss tracker.
        return strategy.reduce("SUM", logs["loss"], axis=None) / strategy.num_replicas_in_sync

    for layer_metric in model.metrics:
        layer_metric.reset_state()
    losses = [float(step()) for _ in range(steps)]
    return {"loss": [losses[-1]]}


def run_worker(out_path):
    """One worker of `run_multi_worker` (its task in `TF_CONFIG`)."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    record = {
        "task": task,
        "replicas": strategy.num_replicas_in_sync,
        **ntm_copy_recipe(strategy, evaluate=False),
    }
    with open(out_path, "w") as f:
        json.dump(record, f)


def run_multi_worker():
    """Two `MultiWorkerMirroredStrategy` workers on 127.0.0.1, then one process.

    The workers (this file in `worker` mode, `TF_CONFIG` naming both on free
    ports) train the NTM copy recipe; each writes its weights. They end by
    themselves, or are killed after `WORKER_TIMEOUT` seconds. Then this
    process trains the same recipe on one device.
    """
    import subprocess
    import tempfile

    directory = tempfile.mkdtemp(prefix="workers_")
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(WORKERS)]}
    processes, outputs = [], []
    start = time.time()
    for index in range(WORKERS):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        outputs.append(os.path.join(directory, f"worker_{index}.json"))
        env = dict(os.environ, TF_CONFIG=json.dumps(config), TF_CPP_MIN_LOG_LEVEL="3")
        processes.append(
            subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "worker", outputs[-1]],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(directory, f"worker_{index}.log"), "w"),
            )
        )
    results = {"cluster": cluster, "returncodes": [], "timed_out": False}
    for process in processes:
        try:
            process.wait(timeout=max(1.0, WORKER_TIMEOUT - (time.time() - start)))
        except subprocess.TimeoutExpired:
            results["timed_out"] = True
            process.kill()
            process.wait()
        results["returncodes"].append(process.returncode)
    results["workers_seconds"] = round(time.time() - start, 1)
    results["workers"] = []
    for index, path in enumerate(outputs):
        if os.path.exists(path):
            with open(path) as f:
                results["workers"].append(json.load(f))
        else:
            with open(os.path.join(directory, f"worker_{index}.log")) as f:
                results["workers"].append({"error": f.read()[-6000:]})
    _record(results, "one_device", lambda: ntm_copy_recipe(None, evaluate=False))
    return results


# --- JAX ---------------------------------------------------------------------------


# The recurrent layers of the default JAX run (the `jax_data_parallel_full`
# mode, marked slow, has all 17 recurrent specs: about 4 minutes of CPU).
JAX_SUBSET = ("SkipRNN", "NTM", "PreviousStateAttention", "ZoneoutCell-lstm")


def run_jax_data_parallel(full=False):
    """The recurrent specs under `keras.distribution.DataParallel` on JAX.

    Run with `KERAS_BACKEND=jax` and
    `XLA_FLAGS=--xla_force_host_platform_device_count=2`: the branches of
    the recurrent specs train on one device, then with the batch sharded
    over the two host devices (one SPMD program: random draws are made for
    the global batch, so the seeded layers are compared as they are).
    """
    import jax
    import keras
    import numpy as np
    from conformance_specs import SPECS

    assert keras.backend.backend() == "jax", keras.backend.backend()
    devices = jax.devices("cpu")
    keras.utils.set_random_seed(1234)
    branches = Branches(
        [s for s in SPECS if s.recurrent and (full or s.test_id in JAX_SUBSET)]
    )
    initial_model = branches.build()
    initial = initial_model.get_weights()
    x, y = branches.data(initial_model, GLOBAL_BATCH * STEPS, stochastic=set())
    initial_weights = branches.branch_weights(initial_model)
    results = {
        "devices": len(devices),
        "ids": branches.ids,
        "cpu_seconds": {},
        "stochastic": [
            test_id
            for test_id, name in zip(branches.ids, branches.layer_names)
            if draws_in_training(initial_model.get_layer(name))
        ],
    }

    def fit():
        model = branches.build()
        model.set_weights(initial)
        _compile(model)
        model.fit(x, y, batch_size=GLOBAL_BATCH, shuffle=False, verbose=0)
        return model, branches.branch_weights(model)

    start = time.process_time()
    _, reference = fit()
    results["cpu_seconds"]["one_device"] = round(time.process_time() - start, 1)

    def data_parallel():
        distribution = keras.distribution.DataParallel(devices=devices)
        keras.distribution.set_distribution(distribution)
        try:
            model, weights = fit()
            kernel = model.get_layer("prediction_0").kernel
            sharding = str(getattr(kernel.value, "sharding", None))
        finally:
            keras.distribution.set_distribution(None)
        table = {
            test_id: {
                "difference": _max_difference(weights[test_id], reference[test_id]),
                "moved": _max_difference(reference[test_id], initial_weights[test_id]),
                "finite": bool(all(np.isfinite(w).all() for w in weights[test_id])),
            }
            for test_id in branches.ids
        }
        return {"table": table, "kernel_sharding": sharding}

    _record(results, "data_parallel", data_parallel)
    return results


MODES = {
    "mirrored": run_mirrored,
    "mirrored_full": run_mirrored_full,
    "mirrored_recipes": run_mirrored_recipes,
    "multi_worker": run_multi_worker,
    "jax_data_parallel": run_jax_data_parallel,
    "jax_data_parallel_full": lambda: run_jax_data_parallel(full=True),
}


def main(argv):
    mode, out_path = argv[1:3]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if mode == "worker":
        run_worker(out_path)
        sys.stdout.flush()
        os._exit(0)
    start = time.time()
    results = MODES[mode]()
    results["wall_seconds"] = round(time.time() - start, 1)
    results["process_cpu_seconds"] = round(time.process_time(), 1)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's teardown (seconds of CPU)


if __name__ == "__main__":
    main(sys.argv)
