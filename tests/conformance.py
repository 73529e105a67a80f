"""The conformance check that every public layer of keras_memory passes.

A layer is registered once, in `tests/conformance_specs.py`, as a spec with a
tiny configuration; `tests/test_conformance.py` runs every check below on
every spec. The checks are what a Keras user relies on without reading our
code:

- the output shapes (symbolic and eager) and the trainable and
  non-trainable weight counts that the spec states (as Keras's
  `run_layer_test` checks them);
- the outputs equal the spec's independent reference (a NumPy forward pass
  over the layer's weights, set to known random values), and vary with the
  inputs;
- cells inside `keras.layers.RNN` (stepping the cell by hand gives the
  layer's outputs), `return_sequences`/`return_state`, and
  `keras.layers.Bidirectional` (its backward half is a weight-copied layer
  run on the reversed inputs);
- masking: padded steps leave the state unchanged, also with an explicit
  `mask` and `initial_state`;
- `stateful=True` carries the state across calls and `reset_state()`
  restarts from the initial state;
- `get_config`/`from_config` and JSON round trips; `.keras` save and load
  without `custom_objects`, identical outputs;
- `fit` with a partial last batch under `jit_compile=True` updates the
  weights as without XLA, and the layer's own weights move in both;
- `mixed_float16` and `mixed_bfloat16`: compute dtype as the policy says,
  float32 variables, outputs close to the float32 ones, finite loss;
- in two other processes: the TF Serving export, called where keras_memory
  cannot be imported; and the JAX backend, whose forward pass equals ours,
  whose `fit` step moves the layer's weights finitely, and
  whose `model.export(..., format="tf_saved_model")` is called in that same
  fresh TensorFlow process and equals ours. The two processes serve every
  spec of a run at once (`serving_and_jax_failures`; the test module runs
  them on the first such check), each spec checked on its own results.

Three kinds of spec, one class each (`CellSpec`, `RNNSpec`, `LayerSpec`).
Cells and RNN layers are recurrent and run every check. A `LayerSpec` is any
other layer, with one or several inputs (a memory network reading `[story,
question]`): the recurrent checks (RNN outputs, Bidirectional, masking,
stateful) do not apply to it and are not generated for it; the rest run on the
model `named inputs -> layer -> Dense(2)`, with the inputs of the spec's
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
from testing_utils import to_numpy

from keras_memory.export import export_for_serving

BATCH_SIZE = 3
PADDED_STEPS = 2  # trailing steps of example 0 that are padding
# The fit checks: 5 samples in batches of 4, so the last batch has 1.
FIT_SAMPLES = 5
FIT_BATCH_SIZE = 4
# The known random weights of the reference check: N(0, 0.5^2), from a seed
# under which the specs' gates and boundaries take both values (the HM-LSTM
# performs all of UPDATE, COPY and FLUSH; Skip RNN cells skip some steps).
WEIGHTS_SCALE = 0.5
WEIGHTS_SEED = 10

# Absolute (and, for mixed precision, relative) tolerances of the checks
# that compare two programs; a spec overrides them with `tolerances`.
DEFAULT_TOLERANCES = {
    "reference": 1e-5,
    "jit_fit_step": 1e-5,
    "mixed_float16": 2e-2,
    "mixed_bfloat16": 1e-1,
    "serving_export": 1e-5,
    "jax_parity": 1e-5,
    "jax_export": 1e-5,
}


def padded_token_ids(rng, shape, vocab_size, dtype="int32"):
    """Random word ids in `[1, vocab_size)` with padding (id 0).

    Example 0 ends with `PADDED_STEPS` all-padding entries along axis 1
    (padded sentences of a story, padded words of a question), and along
    the last axis every example ends with one padding entry when there are
    at least three (padded words of every sentence). For `LayerSpec`'s
    `make_inputs`.
    """
    ids = rng.integers(1, vocab_size, size=shape)
    if len(shape) >= 2:
        ids[0, -PADDED_STEPS:] = 0
    if shape[-1] >= 3:
        ids[..., -1] = 0
    return ids.astype(dtype)


@dataclasses.dataclass(frozen=True)
class Spec:
    """A public layer in a tiny configuration (the base of the three kinds).

    Attributes:
        layer_class: The public class under test.
        factory: A callable returning a new layer under test; its keyword
            arguments depend on the kind (see the subclasses).
        reference: A callable `(layer, inputs) -> expected outputs`: an
            independent NumPy forward pass over the weights of `layer` (the
            built layer under test, see `tested_layer`) on `inputs` (the
            `model_inputs` of the spec: an array or a list of arrays). It
            returns what the layer returns (an array, or a list of arrays).
        output_shapes: The shapes of the outputs of `make_layer()` on
            `model_inputs()` (batch `BATCH_SIZE`): a tuple, or a list of
            tuples for several outputs.
        weight_counts: `(trainable, non_trainable)` numbers of weights of
            the built `make_layer()`.
        tolerances: Overrides of `DEFAULT_TOLERANCES`, by check.
        variant: Label that tells apart two specs of the same class.
        random_weights: Whether the reference check sets every trainable
            weight to known random values first (`False` keeps the
            initializers', for weights with a structure the config needs).
    """

    layer_class: type
    factory: Callable
    _: dataclasses.KW_ONLY
    reference: Callable
    output_shapes: object
    weight_counts: tuple
    tolerances: dict = dataclasses.field(default_factory=dict)
    variant: str = ""
    random_weights: bool = True

    kind = None
    recurrent = False

    def __post_init__(self):
        unknown = set(self.tolerances) - set(DEFAULT_TOLERANCES)
        if unknown:
            raise ValueError(
                f"Unknown tolerances {sorted(unknown)}, expected keys of "
                f"{sorted(DEFAULT_TOLERANCES)}."
            )

    @property
    def name(self):
        return self.layer_class.__name__

    @property
    def test_id(self):
        return f"{self.name}-{self.variant}" if self.variant else self.name

    def tolerance(self, check):
        return self.tolerances.get(check, DEFAULT_TOLERANCES[check])

    def model_inputs(self, seed=0, batch_size=BATCH_SIZE):
        """`named_inputs` as the model takes them: one array, or a list."""
        values = list(self.named_inputs(seed, batch_size).values())
        return values[0] if len(values) == 1 else values

    def targets(self, model, seed=2, batch_size=BATCH_SIZE):
        """Regression targets of the shape of `model`'s output."""
        shape = (batch_size, *model.output.shape[1:])
        return np.random.default_rng(seed).normal(size=shape).astype("float32")

    def tested_layer(self, layer):
        """The object of `layer_class` inside `layer` (the cell of an RNN)."""
        return layer


@dataclasses.dataclass(frozen=True)
class RecurrentSpec(Spec):
    """A cell or an RNN layer, checked on `(batch, timesteps, features)`."""

    timesteps: int = 7
    features: int = 3

    recurrent = True

    def make_recurrent(self, **rnn_kwargs):
        raise NotImplementedError

    def make_layer(self, name=None):
        """The layer under test: an RNN returning sequences."""
        kwargs = {} if name is None else {"name": name}
        return self.make_recurrent(return_sequences=True, **kwargs)

    def named_inputs(self, seed=0, batch_size=BATCH_SIZE):
        """`{"sequence": padded_inputs(seed, batch_size)[0]}`."""
        return {"sequence": self.padded_inputs(seed, batch_size)[0]}

    def inputs(self, seed=0, batch_size=BATCH_SIZE, timesteps=None):
        rng = np.random.default_rng(seed)
        shape = (batch_size, timesteps or self.timesteps, self.features)
        # Bounded away from zero so that only padding is masked.
        values = rng.uniform(0.1, 1.0, shape) * rng.choice([-1, 1], shape)
        return values.astype("float32")

    def padded_inputs(self, seed=0, batch_size=BATCH_SIZE):
        """Inputs whose example 0 ends with `PADDED_STEPS` zero steps."""
        x = self.inputs(seed, batch_size)
        x[0, -PADDED_STEPS:] = 0.0
        mask = np.ones(x.shape[:2], bool)
        mask[0, -PADDED_STEPS:] = False
        return x, mask

    def model(self, **rnn_kwargs):
        """`Input -> Masking -> layer (sequences) -> Dense`, named for export."""
        sequence = keras.Input((self.timesteps, self.features), name="sequence")
        masked = keras.layers.Masking(0.0, name="padding")(sequence)
        features = self.make_recurrent(
            return_sequences=True, name="under_test", **rnn_kwargs
        )(masked)
        prediction = keras.layers.Dense(2, name="prediction")(features)
        return keras.Model(sequence, prediction, name="conformance")


@dataclasses.dataclass(frozen=True)
class CellSpec(RecurrentSpec):
    """A recurrent cell, checked inside `keras.layers.RNN`.

    `factory()` takes no argument and returns a new cell; `reference` gets
    that cell (built) and the inputs, and returns the sequence of outputs.
    """

    kind = "cell"

    def make_recurrent(self, **rnn_kwargs):
        return keras.layers.RNN(self.factory(), **rnn_kwargs)

    def tested_layer(self, layer):
        return layer.cell


@dataclasses.dataclass(frozen=True)
class RNNSpec(RecurrentSpec):
    """A `keras.layers.RNN` subclass.

    `factory(**rnn_kwargs)` takes RNN keyword arguments (`return_sequences`,
    `stateful`, `name`, ...) and returns a new layer.
    """

    kind = "rnn"

    def make_recurrent(self, **rnn_kwargs):
        return self.factory(**rnn_kwargs)


@dataclasses.dataclass(frozen=True)
class LayerSpec(Spec):
    """Any other layer, with one input or several.

    `factory(**layer_kwargs)` takes base layer keyword arguments (`name`)
    and returns a new layer.

    Attributes:
        make_inputs: A callable `(rng, batch_size) -> {input name: array}`
            of `batch_size` examples, in the order the layer takes them.
            Each entry becomes a `keras.Input` of that name, shape and dtype
            (integer arrays give integer inputs); the layer is called on the
            single input, or on the list of inputs in this order. Include
            padding and edge cases the layer must survive in every check
            (`padded_token_ids` helps). The layer's (first) output must be
            float, `(batch, ...)`.
        head_output: The index of the output that feeds the `Dense` head
            of `model()` (the training checks' loss reaches the layer's
            weights through it): 0, unless that one carries no gradient
            (`GaussianLocationPolicy`'s sample is under `stop_gradient`;
            its log-probability is what trains it). A `(batch,)` output is
            given a feature axis.
    """

    _: dataclasses.KW_ONLY
    make_inputs: Callable
    head_output: int = 0

    kind = "layer"

    def make_layer(self, name=None):
        return self.factory(**({} if name is None else {"name": name}))

    def named_inputs(self, seed=0, batch_size=BATCH_SIZE):
        values = self.make_inputs(np.random.default_rng(seed), batch_size)
        return {name: np.asarray(value) for name, value in values.items()}

    def model(self):
        """`named inputs -> layer -> Dense` (output `head_output` feeds the Dense)."""
        inputs = [
            keras.Input(value.shape[1:], dtype=str(value.dtype), name=name)
            for name, value in self.named_inputs().items()
        ]
        outputs = self.make_layer(name="under_test")(
            inputs[0] if len(inputs) == 1 else inputs
        )
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[self.head_output]
        if len(outputs.shape) == 1:
            outputs = keras.layers.Reshape((1,))(outputs)
        prediction = keras.layers.Dense(2, name="prediction")(outputs)
        return keras.Model(inputs, prediction, name="conformance")


@dataclasses.dataclass(frozen=True)
class TreeCellSpec(LayerSpec):
    """A tree cell, checked inside `keras_memory.layers.TreeRNN`.

    `factory(**layer_kwargs)` returns the `TreeRNN` over a new cell; the
    reference and the type checks get the cell (`layer.cell`).
    """

    def tested_layer(self, layer):
        return layer.cell


def _as_numpy(values):
    return [keras.ops.convert_to_numpy(v) for v in values]


def _clone(layer, **overrides):
    """A new layer of the same class and config (fresh weights)."""
    config = {**copy.deepcopy(layer.get_config()), **overrides}
    return type(layer).from_config(config)


def _assert_close(actual, expected, atol, what, rtol=0):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def _flat(outputs):
    return [np.asarray(value) for value in keras.tree.flatten(to_numpy(outputs))]


def _copy_of(layer, inputs):
    """A layer of the same config, built on `inputs`, with `layer`'s weights."""
    copied = _clone(layer)
    copied(inputs)
    copied.set_weights(layer.get_weights())
    return copied


def _layer_weights(model):
    """The trainable weights of the layer under test, as NumPy arrays."""
    return _as_numpy(model.get_layer("under_test").trainable_weights)


def recurrent_only(check):
    """Marks `check` as one of the recurrent contract's (see `applies`)."""
    check.recurrent_only = True
    return check


def applies(check, spec):
    """Whether `check` applies to `spec`: recurrent checks need an RNN."""
    return spec.recurrent or not getattr(check, "recurrent_only", False)


# --- What the spec states -------------------------------------------------------


def _shape_list(shapes):
    if shapes and isinstance(shapes[0], (list, tuple)):
        return [tuple(shape) for shape in shapes]
    return [tuple(shapes)]


def check_shapes_and_weights(spec, tmp_path):
    """Symbolic and eager output shapes and weight counts are the spec's."""
    expected = _shape_list(spec.output_shapes)
    values = spec.model_inputs()
    arrays = values if isinstance(values, list) else [values]
    symbolic_inputs = [keras.Input(a.shape[1:], dtype=str(a.dtype)) for a in arrays]
    symbolic = spec.make_layer()(
        symbolic_inputs if isinstance(values, list) else symbolic_inputs[0]
    )
    assert [tuple(t.shape) for t in keras.tree.flatten(symbolic)] == [
        (None, *shape[1:]) for shape in expected
    ], "symbolic output shapes"
    layer = spec.make_layer()
    eager = _flat(layer(values))
    assert [value.shape for value in eager] == expected, "eager output shapes"
    counts = (len(layer.trainable_weights), len(layer.non_trainable_weights))
    assert counts == tuple(spec.weight_counts), (
        f"(trainable, non-trainable) weight counts {counts}, the spec states "
        f"{tuple(spec.weight_counts)}"
    )


def check_reference(spec, tmp_path):
    """The outputs equal the spec's independent reference; they vary with x."""
    values = spec.model_inputs()
    layer = spec.make_layer()
    layer(values)
    tested = spec.tested_layer(layer)
    if spec.random_weights:
        rng = np.random.default_rng(WEIGHTS_SEED)
        for weight in tested.trainable_weights:
            weight.assign(WEIGHTS_SCALE * rng.normal(size=weight.shape))
    actual = _flat(layer(values))
    expected = _flat(spec.reference(tested, values))
    assert len(actual) == len(expected), "the reference gives other outputs"
    for index, (a, b) in enumerate(zip(actual, expected)):
        _assert_close(a, b, spec.tolerance("reference"), f"reference, output {index}")
    other = _flat(layer(spec.model_inputs(seed=1)))
    assert not np.allclose(other[0], actual[0]), "the output ignores the inputs"


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
    """Inside Bidirectional, the backward half is the reversed-time run.

    Both halves are compared with weight-copied layers of the forward
    direction: the forward one on `x`, the backward one on `x[:, ::-1]`,
    its outputs reversed back.
    """
    x = spec.inputs()
    bidirectional = keras.layers.Bidirectional(
        spec.make_recurrent(return_sequences=True)
    )
    both = keras.ops.convert_to_numpy(bidirectional(x))
    size = both.shape[-1] // 2
    forward = _copy_of(bidirectional.forward_layer, x)
    backward = _clone(bidirectional.backward_layer, go_backwards=False)
    backward(x)
    backward.set_weights(bidirectional.backward_layer.get_weights())
    _assert_close(
        both[..., :size], keras.ops.convert_to_numpy(forward(x)), 1e-6, "forward half"
    )
    reversed_run = keras.ops.convert_to_numpy(backward(x[:, ::-1]))[:, ::-1]
    _assert_close(
        both[..., size:],
        reversed_run,
        1e-5,
        "backward half: a copy run on x[:, ::-1], reversed back",
    )
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
def check_backwards_masking(spec, tmp_path):
    """With go_backwards and a mask: the forward run on the reversed inputs.

    `go_backwards=True` on `(x, mask)` processes `x[:, ::-1]` under
    `mask[:, ::-1]` and returns its outputs in that order, so every output
    and every loss the layer adds (budget, ponder cost, REINFORCE terms,
    which weigh per-step signals by the mask) equal those of a weight-copied
    forward layer on the reversed inputs and mask.
    """
    x, mask = spec.padded_inputs()
    backwards = spec.make_recurrent(return_sequences=True, go_backwards=True)
    backwards_outputs = _flat(backwards(x, mask=mask))
    forward = _clone(backwards, go_backwards=False)
    forward(x)
    forward.set_weights(backwards.get_weights())
    forward_outputs = _flat(forward(x[:, ::-1], mask=mask[:, ::-1]))
    for index, (a, b) in enumerate(zip(backwards_outputs, forward_outputs)):
        _assert_close(a, b, 1e-5, f"go_backwards with a mask, output {index}")
    backwards_losses, forward_losses = _as_numpy(backwards.losses), _as_numpy(forward.losses)
    assert len(backwards_losses) == len(forward_losses), "the layers add other losses"
    for a, b in zip(backwards_losses, forward_losses):
        _assert_close(a, b, 1e-5, "go_backwards with a mask: the layer's losses")


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
    tested = spec.tested_layer(layer)
    objects = [layer] + ([tested] if tested is not layer else [])
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
    tested = spec.tested_layer(loaded.get_layer("under_test"))
    assert type(tested) is spec.layer_class


# --- Training ---------------------------------------------------------------------


def _fit_data(spec, model):
    """`FIT_SAMPLES` inputs and targets: the last batch is a partial one."""
    x = spec.model_inputs(batch_size=FIT_SAMPLES)
    return x, spec.targets(model, batch_size=FIT_SAMPLES)


def _assert_layer_trained(before, after, what):
    if not before and not after:
        # A layer without weights (`weight_counts=(0, 0)`, checked by
        # `check_weights`): the steps are still compared through the head.
        return
    assert all(np.isfinite(w).all() for w in after), f"{what}: non-finite weights"
    assert any(not np.array_equal(b, a) for b, a in zip(before, after)), (
        f"{what}: no weight of the layer under test changed"
    )


def check_jit_fit_step(spec, tmp_path):
    """`fit` (a partial last batch) with jit_compile=True gives the weights
    it gives without, and moves the layer's own weights in both."""
    initial_model = spec.model()
    x, y = _fit_data(spec, initial_model)
    initial = initial_model.get_weights()
    initial_layer = _layer_weights(initial_model)
    trained = {}
    for jit_compile in (False, True):
        # Without XLA: the model the initial weights come from.
        model = spec.model() if jit_compile else initial_model
        model.set_weights(initial)
        model.compile(
            optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit_compile
        )
        model.fit(x, y, batch_size=FIT_BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
        _assert_layer_trained(
            initial_layer, _layer_weights(model), f"fit with jit_compile={jit_compile}"
        )
        trained[jit_compile] = model.get_weights()
    for without_xla, with_xla in zip(trained[False], trained[True]):
        _assert_close(
            with_xla, without_xla, spec.tolerance("jit_fit_step"), "jit_compile=True fit"
        )


def _features(model, x):
    """The output of the layer under test (the input of the Dense head)."""
    return keras.Model(model.input, model.get_layer("prediction").input)(x)


# `id(spec) -> (spec, weights, features)` of a float32 model of the spec,
# computed once for the two mixed precision checks (any float32 weights
# serve: the mixed precision model is given the same).
_FLOAT32_REFERENCES = {}


def _float32_reference(spec, x):
    """Weights of a float32 `spec.model()` and its features on `x`."""
    if id(spec) not in _FLOAT32_REFERENCES:
        model = spec.model()
        features = keras.ops.convert_to_numpy(_features(model, x))
        # The spec is kept so that its id is not reused.
        _FLOAT32_REFERENCES[id(spec)] = (spec, model.get_weights(), features)
    _, weights, features = _FLOAT32_REFERENCES[id(spec)]
    return weights, features


def check_mixed_precision(spec, tmp_path, policy):
    """Compute dtype follows the policy, variables stay float32, and the
    outputs are those of float32 within the policy's tolerance."""
    compute_dtype = policy.split("_")[1]
    x = spec.model_inputs()
    weights, expected = _float32_reference(spec, x)
    keras.config.set_dtype_policy(policy)
    try:
        model = spec.model()
        model.set_weights(weights)
        layer = model.get_layer("under_test")
        tested = [layer, layer.cell] if spec.recurrent else [layer]
        assert [t.compute_dtype for t in tested] == [compute_dtype] * len(tested)
        assert {w.dtype for w in model.weights} == {"float32"}
        features = _features(model, x)
        assert keras.backend.standardize_dtype(features.dtype) == compute_dtype
        tolerance = spec.tolerance(policy)
        _assert_close(
            keras.ops.convert_to_numpy(features).astype("float32"),
            expected,
            tolerance,
            f"{policy} outputs against float32",
            rtol=tolerance,
        )
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

# On the JAX backend, for each spec of a manifest: the forward pass,
# `model.export` (before training) and a `fit` step. A failure of one part is
# reported, and the others (and the other specs) still run. One process
# serves every spec: starting one costs seconds (TensorFlow and JAX imports).
_JAX_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, traceback
    import numpy as np
    import keras
    import keras_memory  # registers the layers
    assert keras.backend.backend() == "jax", keras.backend.backend()
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    for case in manifest:
        model_path, data_path = case["model"], case["data"]
        export_dir, results_path = case["jax_export"], case["jax_results"]
        results, errors = {}, {}
        try:
            model = keras.saving.load_model(model_path)
            with np.load(data_path) as data:
                data = {key: data[key] for key in data.files}
            def unpack(prefix):
                keys = sorted(k for k in data if k.startswith(prefix))
                values = [data[k] for k in keys]
                return values[0] if len(values) == 1 else values
            results["forward"] = keras.ops.convert_to_numpy(model(unpack("input_")))
        except Exception:
            errors["load"] = traceback.format_exc()
        if "load" not in errors:
            try:
                model.export(export_dir, format="tf_saved_model", verbose=False)
            except Exception:
                errors["export"] = traceback.format_exc()
            layer = model.get_layer("under_test")
            for i, w in enumerate(layer.trainable_weights):
                results[f"before_{i}"] = keras.ops.convert_to_numpy(w)
            try:
                model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
                history = model.fit(unpack("fit_x_"), data["fit_y"], verbose=0)
                results["loss"] = np.asarray(history.history["loss"])
                for i, w in enumerate(layer.trainable_weights):
                    results[f"after_{i}"] = keras.ops.convert_to_numpy(w)
            except Exception:
                errors["fit"] = traceback.format_exc()
        np.savez(results_path, **results)
        with open(results_path + ".json", "w") as f:
            json.dump(errors, f)
        keras.utils.clear_session()
    os._exit(0)  # skip the interpreter's teardown (seconds of CPU)
    """
)

# Calls the exports of every spec of a manifest in one process where
# keras_memory cannot be imported. An export's inputs are fed by the names of
# its signature when they are the model's, else in the model's order.
_FRESH_TF_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, traceback
    sys.modules["keras_memory"] = None
    import numpy as np
    import tensorflow as tf
    try:
        import keras_memory  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("keras_memory must not be importable here")
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    for case in manifest:
        inputs_path, outputs_path = case["serve_inputs"], case["served"]
        with np.load(inputs_path) as data:
            names = json.loads(str(data["names"]))
            arrays = [data[f"input_{i}"] for i in range(len(names))]
        outputs, errors = {}, {}
        for index, export_dir in enumerate(case["exports"]):
            try:
                signature = tf.saved_model.load(export_dir).signatures["serving_default"]
                keys = sorted(signature.structured_input_signature[1])
                if set(keys) == set(names):
                    feed = dict(zip(names, arrays))
                else:
                    feed = dict(zip(keys, arrays))
                result = signature(**{k: tf.constant(v) for k, v in feed.items()})
                for key, value in result.items():
                    outputs[f"{index}/{key}"] = value.numpy()
            except Exception:
                errors[str(index)] = traceback.format_exc()
        np.savez(outputs_path, **outputs)
        with open(outputs_path + ".json", "w") as f:
            json.dump(errors, f)
    os._exit(0)  # skip the interpreter's teardown (seconds of CPU)
    """
)


def _run(script, args, env, what, cwd=None):
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        cwd=cwd,
    )
    assert result.returncode == 0, f"{what} failed:\n{result.stderr[-4000:]}"


def _served(outputs, index):
    return [outputs[key] for key in sorted(outputs) if key.startswith(f"{index}/")]


def _load_results(path):
    with open(str(path) + ".json") as f:
        errors = json.load(f)
    with np.load(path) as arrays:
        return {key: arrays[key] for key in arrays.files}, errors


def _prepare_other_processes(spec, directory):
    """Writes what the two processes read for `spec`; returns its paths.

    The `.keras` file, the inputs, a fit batch, and our serving export; and
    the outputs of the model in this process, which the others must equal.
    """
    directory.mkdir(parents=True, exist_ok=True)
    x = spec.model_inputs()
    model = spec.model()
    expected = keras.ops.convert_to_numpy(model(x))
    export_dir = export_for_serving(model, directory / "serving", "conformance")
    model.save(directory / "model.keras")
    named = spec.named_inputs()
    # One batch: every new batch size is a new compile on JAX.
    fit_x = spec.model_inputs(seed=1, batch_size=FIT_BATCH_SIZE)
    fit_x = fit_x if isinstance(fit_x, list) else [fit_x]
    fit_y = spec.targets(model, batch_size=FIT_BATCH_SIZE)
    data = {f"input_{i}": a for i, a in enumerate(named.values())}
    data.update({f"fit_x_{i}": a for i, a in enumerate(fit_x)})
    np.savez(directory / "data.npz", fit_y=fit_y, **data)
    np.savez(
        directory / "serve_inputs.npz",
        names=json.dumps(list(named)),
        **{f"input_{i}": a for i, a in enumerate(named.values())},
    )
    case = {
        name: str(directory / file)
        for name, file in (
            ("model", "model.keras"),
            ("data", "data.npz"),
            ("jax_export", "jax_export"),
            ("jax_results", "jax_results.npz"),
            ("serve_inputs", "serve_inputs.npz"),
            ("served", "served.npz"),
        )
    }
    case["serving_export"] = str(export_dir)
    return case, expected


def _other_process_failures(spec, expected, jax_outcome, serve_outcome):
    """What the two processes got wrong for `spec` (a list of messages)."""
    results, jax_errors = jax_outcome
    served, serve_errors = serve_outcome
    failures = []

    def compare(what, actual, tolerance):
        try:
            _assert_close(actual, expected, tolerance, what)
        except AssertionError as error:
            failures.append(str(error))

    served_keys = [key.split("/")[1] for key in served if key.startswith("0/")]
    if "0" in serve_errors:
        failures.append(f"serving export:\n{serve_errors['0']}")
    elif served_keys != ["prediction"]:
        failures.append(f"serving export: output keys {served_keys}, not ['prediction']")
    else:
        compare("served outputs", served["0/prediction"], spec.tolerance("serving_export"))
    if "load" in jax_errors:
        failures.append(f"JAX load and forward pass:\n{jax_errors['load'][-3000:]}")
        return failures
    compare("JAX forward pass", results["forward"], spec.tolerance("jax_parity"))
    if "export" in jax_errors:
        failures.append(f"JAX model.export:\n{jax_errors['export'][-3000:]}")
    elif "1" in serve_errors:
        failures.append(f"JAX export in a fresh process:\n{serve_errors['1'][-3000:]}")
    else:
        (jax_served,) = _served(served, 1)
        compare("JAX export in a fresh process", jax_served, spec.tolerance("jax_export"))
    if "fit" in jax_errors:
        failures.append(f"JAX fit:\n{jax_errors['fit'][-3000:]}")
    else:
        count = len([key for key in results if key.startswith("before_")])
        before = [results[f"before_{i}"] for i in range(count)]
        after = [results[f"after_{i}"] for i in range(count)]
        try:
            assert np.isfinite(results["loss"]).all(), f"JAX fit loss {results['loss']}"
            _assert_layer_trained(before, after, "JAX fit")
        except AssertionError as error:
            failures.append(str(error))
    return failures


def serving_and_jax_failures(specs, directory):
    """Runs the checks of `check_serving_and_jax` on several specs at once.

    Every spec's model is saved and exported here; then one JAX process
    loads them all, and one fresh TensorFlow process calls all the exports:
    two process starts in all instead of two per spec. Each spec is checked
    on its own results.

    Returns:
        A dict `test_id -> list of failure messages` (empty: it passes).
    """
    cases, expected = [], {}
    for spec in specs:
        case, expected[spec.test_id] = _prepare_other_processes(
            spec, directory / spec.test_id
        )
        cases.append(case)
    manifest = directory / "jax_manifest.json"
    manifest.write_text(json.dumps(cases))
    _run(
        _JAX_SCRIPT,
        [manifest],
        dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu"),
        "the JAX process",
    )
    jax_outcomes = [_load_results(case["jax_results"]) for case in cases]
    for case, (_, jax_errors) in zip(cases, jax_outcomes):
        case["exports"] = [case["serving_export"]] + (
            [] if {"load", "export"} & set(jax_errors) else [case["jax_export"]]
        )
    manifest = directory / "serve_manifest.json"
    manifest.write_text(json.dumps(cases))
    _run(
        _FRESH_TF_SCRIPT,
        [manifest],
        dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        "the fresh TensorFlow process",
        cwd=directory,  # keep the project checkout off sys.path
    )
    return {
        spec.test_id: _other_process_failures(
            spec, expected[spec.test_id], jax_outcome, _load_results(case["served"])
        )
        for spec, case, jax_outcome in zip(specs, cases, jax_outcomes)
    }


def check_serving_and_jax(spec, tmp_path, failures=None):
    """The TF Serving export and the JAX backend, in two other processes.

    The JAX process loads the `.keras` file, runs the forward pass, exports
    with `model.export(..., format="tf_saved_model")` and takes a `fit` step;
    then one fresh TensorFlow process, where keras_memory cannot
    be imported, calls our serving export and the JAX one. Every part is
    checked and the failures are reported together.

    `failures`, when given, is what `serving_and_jax_failures` found for
    `spec` in a run shared with other specs; without it the two processes
    run for `spec` alone.
    """
    if failures is None:
        failures = serving_and_jax_failures([spec], tmp_path)[spec.test_id]
    assert not failures, "\n\n".join(failures)


CHECKS = (
    check_shapes_and_weights,
    check_reference,
    check_rnn_outputs,
    check_bidirectional,
    check_masking,
    check_backwards_masking,
    check_stateful,
    check_config_round_trip,
    check_keras_saving,
    check_jit_fit_step,
    check_mixed_float16,
    check_mixed_bfloat16,
    check_serving_and_jax,
)
