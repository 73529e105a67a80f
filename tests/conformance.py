"""The conformance check that every public layer of keras_memory passes.

A layer is registered once, in `tests/conformance_specs.py`, as a
`LayerSpec` with a tiny configuration; `tests/test_conformance.py` runs every
check below on every spec. The checks are what a Keras user relies on
without reading our code:

- cells inside `keras.layers.RNN` (stepping the cell by hand gives the
  layer's outputs), `return_sequences`/`return_state`, and
  `keras.layers.Bidirectional`;
- masking: padded steps leave the state unchanged, also with an explicit
  `mask` and `initial_state`;
- `stateful=True` carries the state across calls and `reset_state()`
  restarts from the initial state;
- `get_config`/`from_config` and JSON round trips; `.keras` save and load
  without `custom_objects`, identical outputs;
- one `fit` step under `jit_compile=True` updates the weights as without XLA;
- `mixed_float16` and `mixed_bfloat16`: compute dtype as the policy says,
  float32 variables, finite outputs and loss;
- a TF Serving export called in a process that cannot import keras_memory;
- the same forward pass on the JAX backend.

Three kinds of layer are checked. `"cell"` and `"rnn"` are recurrent and
run every check. `"layer"` is any other layer, with one or several inputs
(a memory network reading `[story, question]`, stacked attention reading
`[image, question]`): the recurrent checks (RNN outputs, Bidirectional,
masking, stateful) do not apply to it and are not generated for it; the rest
(config and JSON round trips, `.keras` saving, the jit fit step, mixed
precision, the serving export, JAX parity) run on the model
`named inputs -> layer -> Dense(2)`, with the inputs of the spec's
`make_inputs`.
"""

import copy
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from typing import Callable

import keras
import numpy as np

from keras_memory.export import export_for_serving, predict_in_fresh_process

BATCH_SIZE = 3
PADDED_STEPS = 2  # trailing steps of example 0 that are padding
KINDS = ("cell", "rnn", "layer")


def padded_token_ids(rng, shape, vocab_size, dtype="int32"):
    """Random word ids in `[1, vocab_size)` with padding (id 0).

    Example 0 ends with `PADDED_STEPS` all-padding entries along axis 1
    (padded sentences of a story, padded words of a question), and along
    the last axis every example ends with one padding entry when there are
    at least three (padded words of every sentence). For `"layer"` specs'
    `make_inputs`.
    """
    ids = rng.integers(1, vocab_size, size=shape)
    if len(shape) >= 2:
        ids[0, -PADDED_STEPS:] = 0
    if shape[-1] >= 3:
        ids[..., -1] = 0
    return ids.astype(dtype)


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """A public layer in a tiny configuration.

    Attributes:
        layer_class: The public class under test.
        kind: `"cell"` for a recurrent cell (checked inside
            `keras.layers.RNN`), `"rnn"` for a `keras.layers.RNN`
            subclass, or `"layer"` for any other layer (one input or
            several; the recurrent checks are skipped).
        factory: For `"cell"`, a callable returning a new cell. For
            `"rnn"`, a callable taking RNN keyword arguments
            (`return_sequences`, `stateful`, `name`, ...) and returning a new
            layer. For `"layer"`, a callable taking base layer keyword
            arguments (`name`) and returning a new layer.
        timesteps: Sequence length of the test inputs (`"cell"`, `"rnn"`).
        features: Feature size of the test inputs (`"cell"`, `"rnn"`).
        atol: Tolerance for comparisons between different programs (XLA,
            another process, another backend).
        variant: Label that tells apart two specs of the same class.
        make_inputs: For `"layer"` only: a callable taking a
            `numpy.random.Generator` and returning a dict `{input name:
            array}` of `BATCH_SIZE` examples, in the order the layer takes
            them. Each entry becomes a `keras.Input` of that name, shape and
            dtype (integer arrays give integer inputs); the layer is called
            on the single input, or on the list of inputs in this order.
            Include padding and edge cases the layer must survive in every
            check (`padded_token_ids` helps). The layer's (first) output
            must be float, `(batch, ...)`.
    """

    layer_class: type
    kind: str
    factory: Callable
    timesteps: int = 7
    features: int = 3
    atol: float = 1e-5
    variant: str = ""
    make_inputs: Callable = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown LayerSpec kind {self.kind!r}, expected {KINDS}.")
        if (self.kind == "layer") != (self.make_inputs is not None):
            raise ValueError("`make_inputs` is given for, and only for, kind 'layer'.")

    @property
    def name(self):
        return self.layer_class.__name__

    @property
    def test_id(self):
        return f"{self.name}-{self.variant}" if self.variant else self.name

    @property
    def recurrent(self):
        return self.kind in ("cell", "rnn")

    def make_recurrent(self, **rnn_kwargs):
        if self.kind == "cell":
            return keras.layers.RNN(self.factory(), **rnn_kwargs)
        if self.kind == "rnn":
            return self.factory(**rnn_kwargs)
        raise ValueError(f"LayerSpec kind {self.kind!r} is not recurrent.")

    def make_layer(self, name=None):
        """The layer under test: an RNN returning sequences, or the layer."""
        kwargs = {} if name is None else {"name": name}
        if self.recurrent:
            return self.make_recurrent(return_sequences=True, **kwargs)
        return self.factory(**kwargs)

    def named_inputs(self, seed=0):
        """The model's test inputs as a dict `{input name: array}`.

        Recurrent specs: `{"sequence": padded_inputs(seed)[0]}`.
        """
        if self.recurrent:
            return {"sequence": self.padded_inputs(seed)[0]}
        values = self.make_inputs(np.random.default_rng(seed))
        return {name: np.asarray(value) for name, value in values.items()}

    def model_inputs(self, seed=0):
        """`named_inputs` as the model takes them: one array, or a list."""
        values = list(self.named_inputs(seed).values())
        return values[0] if len(values) == 1 else values

    def targets(self, model, seed=2):
        """Regression targets of the shape of `model`'s output."""
        shape = (BATCH_SIZE, *model.output.shape[1:])
        return np.random.default_rng(seed).normal(size=shape).astype("float32")

    def inputs(self, seed=0, batch_size=BATCH_SIZE, timesteps=None):
        rng = np.random.default_rng(seed)
        shape = (batch_size, timesteps or self.timesteps, self.features)
        # Bounded away from zero so that only padding is masked.
        values = rng.uniform(0.1, 1.0, shape) * rng.choice([-1, 1], shape)
        return values.astype("float32")

    def padded_inputs(self, seed=0):
        """Inputs whose example 0 ends with `PADDED_STEPS` zero steps."""
        x = self.inputs(seed)
        x[0, -PADDED_STEPS:] = 0.0
        mask = np.ones(x.shape[:2], bool)
        mask[0, -PADDED_STEPS:] = False
        return x, mask

    def model(self, **rnn_kwargs):
        """`Input -> Masking -> layer (sequences) -> Dense`, named for export.

        For `"layer"` specs: `named inputs -> layer -> Dense` (the first
        output of a layer with several feeds the `Dense`).
        """
        if not self.recurrent:
            inputs = [
                keras.Input(value.shape[1:], dtype=str(value.dtype), name=name)
                for name, value in self.named_inputs().items()
            ]
            outputs = self.make_layer(name="under_test")(
                inputs[0] if len(inputs) == 1 else inputs
            )
            if isinstance(outputs, (list, tuple)):
                outputs = outputs[0]
            prediction = keras.layers.Dense(2, name="prediction")(outputs)
            return keras.Model(inputs, prediction, name="conformance")
        sequence = keras.Input((self.timesteps, self.features), name="sequence")
        masked = keras.layers.Masking(0.0, name="padding")(sequence)
        features = self.make_recurrent(
            return_sequences=True, name="under_test", **rnn_kwargs
        )(masked)
        prediction = keras.layers.Dense(2, name="prediction")(features)
        return keras.Model(sequence, prediction, name="conformance")


def _as_numpy(values):
    return [keras.ops.convert_to_numpy(v) for v in values]


def _clone(layer, **overrides):
    """A new layer of the same class and config (fresh weights)."""
    config = {**copy.deepcopy(layer.get_config()), **overrides}
    return type(layer).from_config(config)


def _assert_close(actual, expected, atol, what):
    np.testing.assert_allclose(
        actual, expected, rtol=0, atol=atol, err_msg=what
    )


def recurrent_only(check):
    """Marks `check` as one of the recurrent contract's (see `applies`)."""
    check.recurrent_only = True
    return check


def applies(check, spec):
    """Whether `check` applies to `spec`: recurrent checks need an RNN."""
    return spec.recurrent or not getattr(check, "recurrent_only", False)


# --- Recurrent contract ------------------------------------------------------


@recurrent_only
def check_rnn_outputs(spec, tmp_path):
    """return_sequences/return_state shapes; cell stepping equals the RNN."""
    x = spec.inputs()
    layer = spec.make_recurrent(return_sequences=True, return_state=True)
    sequence, *states = _as_numpy(layer(x))
    # The declared shapes are the computed ones (an RNN subclass may strip
    # auxiliary columns of its cell's output).
    expected_shapes = layer.compute_output_shape(x.shape)
    assert [sequence.shape, *[s.shape for s in states]] == [
        tuple(shape) for shape in expected_shapes
    ]
    assert sequence.shape[:2] == (BATCH_SIZE, spec.timesteps)

    last_only = _clone(layer, return_sequences=False, return_state=False)
    last_only.build(x.shape)
    last_only.set_weights(layer.get_weights())
    _assert_close(
        keras.ops.convert_to_numpy(last_only(x)),
        sequence[:, -1],
        1e-6,
        "return_sequences=False must give the last step's output",
    )
    if spec.kind != "cell":
        return

    # The cell contract: state sizes, get_initial_state, one call per step.
    cell = layer.cell
    state_sizes = cell.state_size
    state_sizes = (
        list(state_sizes) if isinstance(state_sizes, (list, tuple)) else [state_sizes]
    )
    assert sequence.shape[-1] == cell.output_size
    assert [s.shape for s in states] == [(BATCH_SIZE, n) for n in state_sizes]
    step_states = cell.get_initial_state(batch_size=BATCH_SIZE)
    for t in range(spec.timesteps):
        step_output, step_states = cell(x[:, t], step_states)
        _assert_close(
            keras.ops.convert_to_numpy(step_output),
            sequence[:, t],
            1e-6,
            f"stepping the cell by hand differs from the RNN at step {t}",
        )
    for by_hand, from_rnn in zip(_as_numpy(step_states), states):
        _assert_close(by_hand, from_rnn, 1e-6, "final states differ")


@recurrent_only
def check_bidirectional(spec, tmp_path):
    """Inside Bidirectional, the backward half is the reversed-time run."""
    x = spec.inputs()
    bidirectional = keras.layers.Bidirectional(
        spec.make_recurrent(return_sequences=True)
    )
    both = keras.ops.convert_to_numpy(bidirectional(x))
    size = both.shape[-1] // 2
    forward = keras.ops.convert_to_numpy(bidirectional.forward_layer(x))
    backward = keras.ops.convert_to_numpy(bidirectional.backward_layer(x))
    _assert_close(both[..., :size], forward, 1e-6, "forward half")
    _assert_close(both[..., size:], backward[:, ::-1], 1e-6, "backward half")
    restored = keras.layers.Bidirectional.from_config(
        json.loads(json.dumps(bidirectional.get_config()))
    )
    assert type(restored.forward_layer) is type(bidirectional.forward_layer)


@recurrent_only
def check_masking(spec, tmp_path):
    """Padded steps leave the state unchanged, with and without initial_state."""
    x, mask = spec.padded_inputs()
    valid = spec.timesteps - PADDED_STEPS
    layer = spec.make_recurrent(return_sequences=True, return_state=True)

    outputs, *states = _as_numpy(layer(x, mask=mask))
    truncated, *truncated_states = _as_numpy(layer(x[:1, :valid]))
    for padded, reference in zip(states, truncated_states):
        _assert_close(padded[:1], reference, 1e-6, "padded steps changed state")
    # The padded steps repeat the last valid output (Keras' convention).
    for t in range(valid, spec.timesteps):
        _assert_close(outputs[0, t], truncated[0, -1], 1e-6, "masked output")

    # Masking inferred from a Masking layer gives the same result.
    inferred = keras.layers.Masking(0.0)(x)
    _, *inferred_states = _as_numpy(layer(inferred))
    for a, b in zip(inferred_states, states):
        _assert_close(a, b, 1e-6, "Masking layer differs from explicit mask")

    # With initial_state the mask is not inferred: pass it explicitly.
    _, *initial = layer(spec.inputs(seed=1))
    _, *from_initial = _as_numpy(layer(x, initial_state=initial, mask=mask))
    _, *reference = _as_numpy(
        layer(x[:1, :valid], initial_state=[s[:1] for s in initial])
    )
    for a, b in zip(from_initial, reference):
        _assert_close(a[:1], b, 1e-6, "mask with initial_state")


@recurrent_only
def check_stateful(spec, tmp_path):
    """Two stateful calls equal one call on the joined sequence; reset works."""
    first, second = spec.inputs(seed=0), spec.inputs(seed=1)
    stateful = spec.make_recurrent(return_sequences=True, stateful=True)
    stateless = _clone(stateful, stateful=False)
    stateful.build(first.shape)
    stateless.build(first.shape)
    stateless.set_weights(stateful.get_weights()[: len(stateless.get_weights())])

    joined = keras.ops.convert_to_numpy(
        stateless(np.concatenate([first, second], axis=1))
    )
    out_first = keras.ops.convert_to_numpy(stateful(first))
    out_second = keras.ops.convert_to_numpy(stateful(second))
    _assert_close(out_first, joined[:, : spec.timesteps], 1e-6, "first call")
    _assert_close(out_second, joined[:, spec.timesteps :], 1e-6, "second call")

    stateful.reset_state()
    _assert_close(
        keras.ops.convert_to_numpy(stateful(first)),
        out_first,
        1e-6,
        "reset_state() must restart from the initial state",
    )


# --- Serialization ------------------------------------------------------------


def check_config_round_trip(spec, tmp_path):
    """get_config/from_config and JSON round trips keep the config."""
    layer = spec.make_layer()
    objects = [layer] + ([layer.cell] if spec.kind == "cell" else [])
    for obj in objects:
        config = obj.get_config()
        # keras.layers.RNN.from_config pops "cell" from the dict it is given.
        assert type(obj).from_config(copy.deepcopy(config)).get_config() == config
        serialized = json.loads(
            json.dumps(keras.saving.serialize_keras_object(obj))
        )
        restored = keras.saving.deserialize_keras_object(serialized)
        assert type(restored) is type(obj)
        assert restored.get_config() == config
    assert keras.saving.get_registered_name(spec.layer_class) == (
        f"keras_memory>{spec.name}"
    )


def check_keras_saving(spec, tmp_path):
    """.keras save and load without custom_objects: identical outputs."""
    x = spec.model_inputs()
    model = spec.model()
    expected = keras.ops.convert_to_numpy(model(x))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), expected)
    layer = loaded.get_layer("under_test")
    tested = layer.cell if spec.kind == "cell" else layer
    assert type(tested) is spec.layer_class


# --- Training ---------------------------------------------------------------------


def check_jit_fit_step(spec, tmp_path):
    """One fit step with jit_compile=True gives the weights it gives without."""
    x = spec.model_inputs()
    initial_model = spec.model()
    y = spec.targets(initial_model)
    initial = initial_model.get_weights()
    trained = {}
    for jit_compile in (False, True):
        model = spec.model()
        model.set_weights(initial)
        model.compile(
            optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit_compile
        )
        model.train_on_batch(x, y)
        trained[jit_compile] = model.get_weights()
    assert any(
        not np.array_equal(before, after)
        for before, after in zip(initial, trained[False])
    ), "the fit step changed no weight"
    for without_xla, with_xla in zip(trained[False], trained[True]):
        _assert_close(with_xla, without_xla, spec.atol, "jit_compile=True fit step")


def check_mixed_precision(spec, tmp_path, policy):
    """Compute dtype follows the policy, variables stay float32, all finite."""
    compute_dtype = policy.split("_")[1]
    keras.config.set_dtype_policy(policy)
    try:
        x = spec.model_inputs()
        model = spec.model()
        layer = model.get_layer("under_test")
        tested = [layer, layer.cell] if spec.recurrent else [layer]
        assert [t.compute_dtype for t in tested] == [compute_dtype] * len(tested)
        assert {w.dtype for w in model.weights} == {"float32"}
        features = keras.Model(model.input, model.get_layer("prediction").input)(x)
        assert keras.backend.standardize_dtype(features.dtype) == compute_dtype
        assert np.isfinite(keras.ops.convert_to_numpy(features).astype("float32")).all()
        model.compile(optimizer="adam", loss="mse")
        y = np.zeros_like(spec.targets(model))
        logs = model.train_on_batch(x, y, return_dict=True)
        assert all(np.isfinite(value) for value in logs.values()), logs
    finally:
        keras.config.set_dtype_policy("float32")


def check_mixed_float16(spec, tmp_path):
    check_mixed_precision(spec, tmp_path, "mixed_float16")


def check_mixed_bfloat16(spec, tmp_path):
    check_mixed_precision(spec, tmp_path, "mixed_bfloat16")


# --- Other processes ----------------------------------------------------------


def check_serving_export(spec, tmp_path):
    """The TF Serving export gives the model's outputs without keras_memory."""
    x = spec.model_inputs()
    model = spec.model()
    expected = keras.ops.convert_to_numpy(model(x))
    export_dir = export_for_serving(model, tmp_path / "serving", "conformance")
    served = predict_in_fresh_process(export_dir, spec.named_inputs())
    assert list(served) == ["prediction"]
    _assert_close(served["prediction"], expected, spec.atol, "served outputs")


_JAX_FORWARD_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    import keras_memory  # registers the layers
    assert keras.backend.backend() == "jax", keras.backend.backend()
    model_path, inputs_path, outputs_path = sys.argv[1:4]
    model = keras.saving.load_model(model_path)
    with np.load(inputs_path) as data:
        inputs = [data[f"input_{i}"] for i in range(len(data.files))]
    outputs = model(inputs[0] if len(inputs) == 1 else inputs)
    np.save(outputs_path, keras.ops.convert_to_numpy(outputs))
    """
)


def check_jax_parity(spec, tmp_path):
    """The saved model gives the same forward pass on the JAX backend."""
    x = spec.model_inputs()
    model = spec.model()
    expected = keras.ops.convert_to_numpy(model(x))
    model.save(tmp_path / "model.keras")
    arrays = list(spec.named_inputs().values())
    np.savez(
        tmp_path / "inputs.npz", **{f"input_{i}": a for i, a in enumerate(arrays)}
    )
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _JAX_FORWARD_SCRIPT,
            str(tmp_path / "model.keras"),
            str(tmp_path / "inputs.npz"),
            str(tmp_path / "outputs.npy"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    _assert_close(
        np.load(tmp_path / "outputs.npy"), expected, spec.atol, "JAX forward pass"
    )


CHECKS = (
    check_rnn_outputs,
    check_bidirectional,
    check_masking,
    check_stateful,
    check_config_round_trip,
    check_keras_saving,
    check_jit_fit_step,
    check_mixed_float16,
    check_mixed_bfloat16,
    check_serving_export,
    check_jax_parity,
)
