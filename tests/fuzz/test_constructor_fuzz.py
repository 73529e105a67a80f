"""Property-based tests of every public constructor argument.

For every public layer (`keras_memory.layers.__all__`), application builder
and dataset function, Hypothesis draws one or several arguments from values
of every kind: in range, out of range, zero, negative, huge, NaN, infinity,
booleans, `None`, strings, bytes, lists, dicts, NumPy scalars, an arbitrary
object. The property:

- either the object is built, every drawn value is of a kind the argument
  can mean (no NaN or infinity, no boolean for a number, no number for a
  boolean, a whole number where a count is asked), and its config survives
  the `.keras` path (`serialize_keras_object` -> JSON -> deserialize) with
  an equal config;
- or a `ValueError`/`TypeError` says "Received an invalid value for argument
  `name`" for one of the arguments given, and shows that argument's value.

`docs/guides/bad_inputs.md` lists the kinds of values tried and what each
gives.
"""

import inspect
import json
import math
import re

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_memory import applications
from keras_memory import datasets
from keras_memory import layers

# Layers left out of the fuzzing (none today).
NOT_YET_FUZZED = set()

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure repeats
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# === Values of every kind ===

SPECIAL_NUMBERS = st.sampled_from(
    [0, -1, 1, 2, 2**40, -(2**40), 0.0, -0.0, 0.5, 1.0, 2.0, 2.5, -0.5, 1e-300,
     1e300, math.nan, math.inf, -math.inf]
)
NUMBERS = st.one_of(
    st.integers(-3, 12),
    SPECIAL_NUMBERS,
    st.floats(allow_nan=True, allow_infinity=True),
)
# Small numbers only, for functions that allocate what they are asked for.
SMALL_NUMBERS = st.one_of(
    st.integers(-3, 12),
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 2.5, -0.5, math.nan, math.inf, -math.inf]),
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=4),
    st.binary(max_size=2),
    st.lists(st.integers(-1, 4), max_size=3),
    st.tuples(st.integers(-1, 4), st.integers(-1, 4)),
    st.dictionaries(st.text(max_size=2), st.integers(-1, 2), max_size=1),
    st.builds(np.int64, st.integers(-2, 8)),
    st.builds(np.float32, st.floats(-2, 2, width=32)),
    st.builds(object),
)
ANYTHING = st.one_of(NUMBERS, WRONG_TYPES)
SMALL_ANYTHING = st.one_of(SMALL_NUMBERS, WRONG_TYPES)


def choices_and_junk(*valid):
    """One of `valid`, a near miss (other case, padded) or anything else."""
    near_misses = [v.upper() for v in valid if isinstance(v, str)] + [
        f" {v}" for v in valid if isinstance(v, str)
    ]
    return st.one_of(st.sampled_from(valid), st.sampled_from(near_misses or [""]), ANYTHING)


class Fresh:
    """A layer or Keras object to make in the test, not in the strategy.

    Hypothesis forbids randomness inside strategies, and Keras draws names
    and seeds when it makes a layer; and a layer must not be shared between
    examples.
    """

    def __init__(self, factory, text):
        self.factory, self.text = factory, text

    def __repr__(self):
        return self.text


def fresh(factory):
    """A strategy of `Fresh(factory)`, shown as the factory's source."""
    text = inspect.getsource(factory).strip().split("lambda: ", 1)[-1].rstrip("),")
    return st.just(Fresh(factory, text))


def made(values):
    """`values` with every `Fresh` made into its object."""
    return {k: v.factory() if isinstance(v, Fresh) else v for k, v in values.items()}


INITIALIZERS = st.one_of(
    st.sampled_from(["zeros", "ones", "glorot_uniform", "orthogonal", "Zeros",
                     {"class_name": "Ones", "config": {}}, "not_an_initializer",
                     {"class_name": "Nope", "config": {}}]),
    fresh(lambda: keras.initializers.Constant(0.5)),
    fresh(lambda: keras.initializers.RandomNormal(stddev=0.1, seed=1)),
    ANYTHING,
)
REGULARIZERS = st.one_of(
    st.sampled_from(["l2", "l1", "L1L2", None, "l3", {"class_name": "L2", "config": {}}]),
    fresh(lambda: keras.regularizers.L2(1e-3)),
    ANYTHING,
)
CONSTRAINTS = st.one_of(
    st.sampled_from(["non_neg", "unit_norm", None, "positive", "NonNeg"]),
    fresh(lambda: keras.constraints.MaxNorm(2.0)),
    ANYTHING,
)
ACTIVATIONS = st.one_of(st.sampled_from(["tanh", "relu", "sigmoid", None, "nope"]), ANYTHING)
CELLS = st.one_of(
    fresh(lambda: keras.layers.GRUCell(3)),
    fresh(lambda: keras.layers.LSTMCell(2)),
    fresh(lambda: keras.layers.SimpleRNNCell(2)),
    fresh(lambda: layers.ClockworkRNNCell(4, periods=[1, 2])),
    fresh(lambda: keras.layers.Dense(3)),
    fresh(lambda: keras.layers.GRU(3)),
    st.sampled_from(["gru", "lstm", 3, None]),
    ANYTHING,
)
CONTROLLERS = st.one_of(
    st.sampled_from([None, "feedforward", "lstm", 3]),
    fresh(lambda: keras.layers.LSTMCell(3)),
    fresh(lambda: keras.layers.GRUCell(2)),
    fresh(lambda: keras.layers.Dense(3, activation="relu")),
    fresh(lambda: keras.layers.Activation("relu")),  # no `units`: refused
    ANYTHING,
)
COUNTS = st.one_of(st.integers(1, 6), ANYTHING)
INT_LISTS = st.one_of(
    st.lists(st.integers(1, 6), min_size=1, max_size=4),
    st.lists(st.one_of(st.integers(-2, 6), SPECIAL_NUMBERS), max_size=4),
    ANYTHING,
)
FRACTIONS = st.one_of(st.floats(0.0, 1.0), ANYTHING)
SEEDS = st.one_of(st.none(), st.integers(0, 2**31), ANYTHING)
BOOLEANS = st.one_of(st.booleans(), ANYTHING)

# The argument kinds, by name, shared by every layer.
BOOLEAN_ARGUMENTS = {
    "input_feeding", "return_alignments",
    "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
    "use_bias", "unit_forget_bias", "return_boundaries", "return_access",
    "return_log_probs", "return_gates", "skip_inference_computation",
    "return_attention", "normalize", "scale", "temporal_encoding", "linear_start",
    "context_gate", "policy_gradient_to_core", "return_ponder", "return_nodes",
    "attend_empty_slots",
}
COUNT_ARGUMENTS = {
    "units", "num_modules", "output_module_units", "memory_size", "memory_width",
    "read_heads", "write_heads", "shift_range", "window", "attention_units", "hops",
    "vocab_size", "embedding_dim", "answer_length",
    "patch_size", "num_scales", "glimpse_units", "location_units", "glimpse_output_units",
    "core_units", "num_classes", "num_glimpses", "max_ponder_steps", "arity",
}
STRATEGIES_BY_NAME = {
    **{name: BOOLEANS for name in BOOLEAN_ARGUMENTS},
    **{name: COUNTS for name in COUNT_ARGUMENTS},
    "periods": INT_LISTS,
    "units_per_layer": INT_LISTS,
    "activation": ACTIVATIONS,
    "cell": CELLS,
    "controller": CONTROLLERS,
    "seed": SEEDS,
    "slope": st.one_of(st.floats(0.1, 10.0), ANYTHING),
    "clip_value": st.one_of(st.floats(0.1, 100.0), ANYTHING),
    "budget_weight": st.one_of(st.floats(0.0, 1.0), ANYTHING),
    "ponder_cost": st.one_of(st.floats(0.0, 1.0), ANYTHING),
    "max_levels": st.one_of(st.none(), COUNTS),
    "epsilon": FRACTIONS,
    "inference_threshold": FRACTIONS,
    "zoneout_h": FRACTIONS,
    "zoneout_c": FRACTIONS,
    "dropout": FRACTIONS,
    "random_noise": FRACTIONS,
    "addressing": choices_and_junk("content", "location"),
    "location_policy": choices_and_junk("gaussian", "uniform"),
    "reads": choices_and_junk("soft", "hard"),
    "writes": choices_and_junk("overwrite", "residual", "erase_add"),
    "memory_init": choices_and_junk("constant", "learned", "random"),
    "weight_tying": choices_and_junk("adjacent", "layerwise"),
    "encoding": choices_and_junk("bag_of_words", "position", "centered_position"),
    "sentence_size": st.one_of(st.none(), COUNTS),
    "nonlinearity": choices_and_junk(None, "relu"),
    "response_cell": choices_and_junk("gru", "lstm"),
    "score": choices_and_junk("additive", "dot", "general", "concat"),
    "query": choices_and_junk("input_and_state", "input", "state"),
    "attended_states": choices_and_junk("all", "first"),
    "attention_order": choices_and_junk("luong", "bahdanau"),
    "input_feeding": BOOLEANS,
    "return_alignments": BOOLEANS,
    "bridge": choices_and_junk("dense", "zeros"),
    "state_size": INT_LISTS,
    "scale_factor": st.one_of(st.integers(1, 4), st.floats(1.0, 4.0), ANYTHING),
    "std": st.one_of(st.floats(0.01, 1.0), ANYTHING),
    "location_std": st.one_of(st.floats(0.01, 1.0), ANYTHING),
    "core_cell": st.one_of(st.none(), CELLS),
    "read": choices_and_junk("soft", "hard"),
    "soft_read_probability": FRACTIONS,
    "attention": st.one_of(
        fresh(lambda: layers.LuongAttention("general")),
        fresh(lambda: layers.BahdanauAttention(4)),
        fresh(lambda: keras.layers.Attention()),
        st.sampled_from(["luong", "bahdanau", None]),
        ANYTHING,
    ),
}


def strategy_for(name):
    if name.endswith("_initializer"):
        return INITIALIZERS
    if name.endswith("_regularizer"):
        return REGULARIZERS
    if name.endswith("_constraint"):
        return CONSTRAINTS
    return STRATEGIES_BY_NAME[name]


# A small valid configuration of every public layer; the fuzzed arguments
# replace entries of it. Cells are made fresh for every example.
LAYER_BASES = {
    "RecursiveCell": lambda: {"units": 4},
    "ChildSumTreeLSTMCell": lambda: {"units": 4},
    "NaryTreeLSTMCell": lambda: {"units": 4},
    "TreeRNN": lambda: {"cell": layers.NaryTreeLSTMCell(3)},
    "ACT": lambda: {"cell": keras.layers.GRUCell(4), "max_ponder_steps": 3},
    "ACTCell": lambda: {"cell": keras.layers.GRUCell(4), "max_ponder_steps": 3},
    "BahdanauAttention": lambda: {"units": 6},
    "ClockworkRNN": lambda: {"units": 6, "periods": [1, 2, 3]},
    "ClockworkRNNCell": lambda: {"units": 6, "periods": [1, 2, 3]},
    "HMLSTM": lambda: {"units_per_layer": [4, 3]},
    "HMLSTMCell": lambda: {"units_per_layer": [4, 3]},
    "LuongAttention": dict,
    "MemoryCell": lambda: {"units": 4, "memory_size": 5, "memory_width": 3},
    "MemoryRNN": lambda: {"units": 4, "memory_size": 5, "memory_width": 3},
    "NTM": lambda: {"units": 4, "memory_size": 5, "memory_width": 3},
    "NTMCell": lambda: {"units": 4, "memory_size": 5, "memory_width": 3},
    "MemoryNetwork": lambda: {"vocab_size": 13, "embedding_dim": 6, "memory_size": 4},
    "MemoryNetworkResponse": lambda: {"vocab_size": 13, "embedding_dim": 6},
    "PreviousStateAttention": lambda: {"cell": keras.layers.GRUCell(4), "window": 3},
    "PreviousStateAttentionCell": lambda: {"cell": keras.layers.GRUCell(4), "window": 3},
    "SkipRNN": lambda: {"cell": keras.layers.GRUCell(4)},
    "SkipRNNCell": lambda: {"cell": keras.layers.GRUCell(4)},
    "ZoneoutCell": lambda: {"cell": keras.layers.LSTMCell(4)},
    "StackedAttention": lambda: {"units": 5},
    "StateBridge": lambda: {"state_size": 4},
    "GlimpseNetwork": lambda: {"patch_size": 4, "glimpse_units": 4, "location_units": 3,
                               "units": 5},
    "GaussianLocationPolicy": dict,
    "RecurrentAttentionModel": lambda: {"num_classes": 3, "num_glimpses": 2, "patch_size": 4,
                                        "glimpse_units": 4, "location_units": 3,
                                        "glimpse_output_units": 5, "core_units": 4},
    "AttentionDecoder": lambda: {
        "cell": keras.layers.GRUCell(4), "attention": layers.LuongAttention("general")
    },
}
# Keyword arguments that `MemoryNetworkResponse` forwards to `MemoryNetwork`.
EXTRA_ARGUMENTS = {"MemoryNetworkResponse": ("hops", "memory_size")}


def constructor_arguments(function):
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if name != "self"
        and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    ]


def test_every_public_layer_is_fuzzed():
    assert set(layers.__all__) - NOT_YET_FUZZED == set(LAYER_BASES)


# === The property ===


def shown(value):
    """The ways an error message may show `value` (a list or dict as a tuple)."""
    forms = {repr(value), str(value)}
    if isinstance(value, (list, tuple, dict)):
        forms.add(repr(tuple(value)))
    if isinstance(value, np.generic):  # Keras's own messages show the Python value
        forms |= {repr(value.item()), str(value.item())}
    return forms


def assert_names_an_argument(error, arguments, defaults=None):
    """The error names an argument and shows its value.

    The argument is one given in `arguments`, or one left at its default
    (in `defaults`) that a given one conflicts with. Our messages say
    "Received an invalid value for argument `x`, ... got 0."; Keras's own
    (for `name`) say "Argument `name` must be ... Received: name=0".
    """
    message = str(error)
    named = re.findall(r"[Aa]rgument `(\w+)`", message)
    assert named, f"{type(error).__name__} without the argument's name: {message}"
    name = named[0]
    values = {**(defaults or {}), **arguments}
    assert name in values, f"names `{name}`, not one of {sorted(values)}: {message}"
    assert any(form in message for form in shown(values[name])), (
        f"does not show the value of `{name}` ({values[name]!r}): {message}"
    )


def defaults_of(function):
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not parameter.empty
    }


def is_nonfinite_number(value):
    return (
        isinstance(value, (float, np.floating))
        and not math.isfinite(value)
    )


# Booleans whose `None` means "as the weights' metadata records"
# (`MemN2NbAbI`); the layers themselves refuse `None`.
NONE_READS_THE_METADATA = {"attend_empty_slots"}


def assert_value_is_meaningful(name, value):
    """What an accepted value must be, whatever the layer."""
    assert not is_nonfinite_number(value), f"`{name}` accepted {value!r}"
    if value is None and name in NONE_READS_THE_METADATA:
        return
    if name in BOOLEAN_ARGUMENTS:
        assert isinstance(value, (bool, np.bool_)), f"`{name}` accepted {value!r}"
    else:
        # No other argument means anything by a boolean (`units=True` is 1).
        assert not isinstance(value, (bool, np.bool_)), f"`{name}` accepted {value!r}"
    if name in COUNT_ARGUMENTS and value is not None:
        assert isinstance(value, (int, np.integer)), f"`{name}` accepted {value!r}"
        assert value >= 0, f"`{name}` accepted {value!r}"


def assert_config_round_trips(layer):
    """`from_config(get_config())` through JSON, as a `.keras` file stores it."""
    config = layer.get_config()
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    rebuilt = keras.saving.deserialize_keras_object(serialized)
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == config
    assert type(layer).from_config(config).get_config() == config


def draw_arguments(data, names, most=3):
    """1 to `most` distinct argument names of `names` and a value for each."""
    chosen = data.draw(
        st.lists(st.sampled_from(names), min_size=1, max_size=most, unique=True),
        label="arguments",
    )
    return {name: data.draw(strategy_for(name), label=name) for name in chosen}


@settings(FUZZ, max_examples=24 * len(LAYER_BASES))
@given(data=st.data())
def test_layer_builds_and_round_trips_or_names_the_argument(data):
    # One test over every layer (the layer drawn first): a test per layer
    # would pay Keras's clear_session between tests 18 times.
    layer_name = data.draw(st.sampled_from(sorted(LAYER_BASES)), label="layer")
    layer_class = getattr(layers, layer_name)
    names = constructor_arguments(layer_class.__init__)
    names += list(EXTRA_ARGUMENTS.get(layer_name, ()))
    drawn = made(draw_arguments(data, names))
    arguments = {**LAYER_BASES[layer_name](), **drawn}
    try:
        layer = layer_class(**arguments)
    except (ValueError, TypeError) as error:
        assert_names_an_argument(error, arguments, defaults_of(layer_class.__init__))
        return
    for name, value in drawn.items():
        assert_value_is_meaningful(name, value)
    assert_config_round_trips(layer)


# === Application builders ===

APPLICATION_ARGUMENTS = {
    "MemN2NbAbI": {
        "weights": st.one_of(st.sampled_from([None, "no-such-preset", "/no/such.weights.h5"]),
                             ANYTHING),
        "vocabulary": st.one_of(st.integers(2, 40), st.just({"<pad>": 0, "<unk>": 1, "a": 2}),
                                ANYTHING),
        "embedding_dim": COUNTS,
        "hops": COUNTS,
        "memory_size": COUNTS,
        "random_noise": FRACTIONS,
        "return_attention": BOOLEANS,
        "seed": SEEDS,
        "name": st.one_of(st.sampled_from(["m", "memn2n"]), ANYTHING),
        "encoding": choices_and_junk(None, "position", "centered_position"),
        "sentence_size": st.one_of(st.none(), COUNTS),
        "attend_empty_slots": st.one_of(st.none(), BOOLEANS),
    },
    "NTMCopy": {
        "weights": st.one_of(st.sampled_from([None, "copy", "no-such-preset"]), ANYTHING),
        "memory_size": COUNTS,
        "name": st.one_of(st.just("ntm"), ANYTHING),
    },
    "NTMRepeatCopy": {
        "weights": st.one_of(st.sampled_from([None, "copy", "no-such-preset"]), ANYTHING),
        "memory_size": COUNTS,
        "name": st.one_of(st.just("ntm"), ANYTHING),
    },
}
APPLICATION_ARGUMENTS["AttentionSeq2Seq"] = {
    "vocabulary_size": COUNTS,
    "target_vocabulary_size": st.one_of(st.none(), COUNTS),
    "embedding_dim": COUNTS,
    "encoder_units": COUNTS,
    "decoder_units": COUNTS,
    "cell": choices_and_junk("lstm", "gru"),
    "attention": choices_and_junk("luong", "bahdanau", "none"),
    "score": choices_and_junk("general", "dot", "concat"),
    "attention_units": COUNTS,
    "input_feeding": BOOLEANS,
    "bridge": choices_and_junk("dense", "zeros"),
    "name": st.one_of(st.just("s2s"), ANYTHING),
}
APPLICATION_ARGUMENTS["DateNormalizer"] = {
    "weights": st.one_of(st.sampled_from(["dates", "no-such-preset"]), ANYTHING),
    "beam_width": COUNTS,
    "batch_size": COUNTS,
}
APPLICATION_ARGUMENTS["GlimpseClassifier"] = {
    "image_shape": st.one_of(
        st.sampled_from([(28, 28, 1), (20, 20, 3), (20, 20), (0, 20, 1), (4, 4, 1)]), ANYTHING
    ),
    "num_classes": COUNTS,
    "num_glimpses": COUNTS,
    "patch_size": COUNTS,
    "num_scales": COUNTS,
    "scale_factor": STRATEGIES_BY_NAME["scale_factor"],
    "glimpse_units": COUNTS,
    "location_units": COUNTS,
    "glimpse_output_units": COUNTS,
    "core": choices_and_junk("rnn", "lstm"),
    "core_units": COUNTS,
    "location_std": STRATEGIES_BY_NAME["location_std"],
    "location_policy": STRATEGIES_BY_NAME["location_policy"],
    "policy_gradient_to_core": BOOLEANS,
    "reinforce_weight": st.one_of(st.floats(0.0, 2.0), ANYTHING),
    "baseline_weight": st.one_of(st.floats(0.0, 2.0), ANYTHING),
    "seed": SEEDS,
}
APPLICATION_ARGUMENTS["ShowAttendTell"] = {
    "vocabulary_size": COUNTS,
    "image_shape": APPLICATION_ARGUMENTS["GlimpseClassifier"]["image_shape"],
    "encoder": st.one_of(st.none(), ANYTHING),
    "embedding_dim": COUNTS,
    "decoder_units": COUNTS,
    "attention_units": COUNTS,
    "attention": choices_and_junk("soft", "hard", "none"),
    "context_gate": BOOLEANS,
    "seed": SEEDS,
    "name": st.one_of(st.just("captioner"), ANYTHING),
}
APPLICATION_BASES = {
    "AttentionSeq2Seq": {"vocabulary_size": 12, "embedding_dim": 4, "encoder_units": 4,
                         "decoder_units": 4, "attention_units": 4},
    "DateNormalizer": {},
    "GlimpseClassifier": {"image_shape": (20, 20, 1), "num_classes": 3, "num_glimpses": 2,
                          "patch_size": 4, "glimpse_units": 4, "location_units": 3,
                          "glimpse_output_units": 5, "core_units": 4},
    "ShowAttendTell": {"vocabulary_size": 9, "image_shape": (16, 16, 3), "embedding_dim": 4,
                       "decoder_units": 4, "attention_units": 4},
    "MemN2NbAbI": {"weights": None, "vocabulary": 20, "embedding_dim": 4, "hops": 1,
                   "memory_size": 3},
    "NTMCopy": {"weights": None, "memory_size": 8},
    "NTMRepeatCopy": {"weights": None, "memory_size": 8},
}


def test_every_application_is_fuzzed():
    assert set(applications.__all__) == set(APPLICATION_ARGUMENTS)
    for name, strategies in APPLICATION_ARGUMENTS.items():
        assert set(strategies) == set(constructor_arguments(getattr(applications, name)))


@settings(FUZZ, max_examples=5 * len(APPLICATION_ARGUMENTS))
@given(data=st.data())
def test_application_builds_or_names_the_argument(data):
    builder_name = data.draw(st.sampled_from(sorted(APPLICATION_ARGUMENTS)), label="builder")
    strategies = APPLICATION_ARGUMENTS[builder_name]
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(strategies)), min_size=1, max_size=2, unique=True)
    )
    drawn = {name: data.draw(strategies[name], label=name) for name in chosen}
    arguments = {**APPLICATION_BASES[builder_name], **drawn}
    try:
        model = getattr(applications, builder_name)(**arguments)
    except (ValueError, TypeError) as error:
        assert_names_an_argument(
            error, arguments, defaults_of(getattr(applications, builder_name))
        )
        return
    except FileNotFoundError as error:
        # A path that is not there: the error names it.
        assert str(arguments["weights"]) in str(error)
        return
    if builder_name != "DateNormalizer":  # a model with its tokenizer and sampler
        assert isinstance(model, keras.Model)
    for name, value in drawn.items():
        if name != "vocabulary":  # a vocabulary may be a dict
            assert_value_is_meaningful(name, value)


# === Dataset functions ===

SMALL_COUNTS = st.one_of(st.integers(1, 6), SMALL_ANYTHING)
SMALL_SEEDS = st.one_of(st.integers(0, 2**31), SMALL_ANYTHING)
DATASET_ARGUMENTS = {
    "adding_problem": ({"num_samples": 3, "length": 5},
                       {"num_samples": SMALL_COUNTS, "length": SMALL_COUNTS,
                        "seed": SMALL_SEEDS}),
    "parity": ({"num_samples": 3, "bits": 6},
               {"num_samples": SMALL_COUNTS, "bits": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "addition": ({"num_samples": 3, "max_numbers": 3, "digits": 2},
                 {"num_samples": SMALL_COUNTS, "max_numbers": SMALL_COUNTS,
                  "digits": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "expression_trees": ({"num_examples": 3, "max_depth": 3},
                         {"num_examples": SMALL_COUNTS, "min_depth": SMALL_COUNTS,
                          "max_depth": SMALL_COUNTS, "seed": SMALL_SEEDS,
                          "operators": st.one_of(
                              st.lists(st.sampled_from(["+", "-", "*", "max", "min", "/"]),
                                       max_size=3),
                              SMALL_ANYTHING),
                          "max_nodes": st.one_of(st.none(), st.integers(1, 40), SMALL_ANYTHING),
                          "max_length": st.one_of(st.none(), st.integers(1, 60),
                                                  SMALL_ANYTHING)}),
    "parse_bracketed": ({"text": "(S (NP a b) c)"},
                        {"text": st.one_of(st.text(alphabet="()ab ", max_size=12),
                                           SMALL_ANYTHING)}),
    "copy_task": ({"batch_size": 2, "max_length": 4},
                  {"batch_size": SMALL_COUNTS, "min_length": SMALL_COUNTS,
                   "max_length": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "repeat_copy_task": ({"batch_size": 2, "max_length": 3, "max_repeats": 3},
                         {"batch_size": SMALL_COUNTS, "min_length": SMALL_COUNTS,
                          "max_length": SMALL_COUNTS, "min_repeats": SMALL_COUNTS,
                          "max_repeats": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "associative_recall_task": ({"batch_size": 2, "max_items": 3},
                                {"batch_size": SMALL_COUNTS, "min_items": SMALL_COUNTS,
                                 "max_items": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "priority_sort_task": ({"batch_size": 2, "num_items": 4, "num_sorted": 3},
                           {"batch_size": SMALL_COUNTS, "num_items": SMALL_COUNTS,
                            "num_sorted": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "hierarchical_text": ({"num_sentences": 3},
                          {"num_sentences": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "sequence_generation": ({"length": 20, "component_periods": (3, 5)},
                            {"length": SMALL_COUNTS,
                             "component_periods": st.one_of(
                                 st.lists(st.integers(1, 6), min_size=1, max_size=3),
                                 SMALL_ANYTHING),
                             "seed": SMALL_SEEDS}),
    "shapes_vqa": ({"num_examples": 2},
                   {"num_examples": SMALL_COUNTS, "grid_size": SMALL_COUNTS,
                    "cell_size": SMALL_COUNTS, "min_objects": SMALL_COUNTS,
                    "max_objects": SMALL_COUNTS, "jitter": SMALL_COUNTS,
                    "question_types": st.one_of(
                        st.lists(st.sampled_from(["colour", "shape", "exists", "where",
                                                  "size"]), max_size=3),
                        SMALL_ANYTHING),
                    "seed": SMALL_SEEDS, "return_scenes": BOOLEANS}),
    "date_normalization": ({"num_examples": 3},
                           {"num_examples": SMALL_COUNTS,
                            "languages": st.one_of(
                                st.lists(st.sampled_from(["en", "fr", "de", "es"]),
                                         max_size=3),
                                SMALL_ANYTHING),
                            "seed": SMALL_SEEDS,
                            "split": choices_and_junk("train", "validation", "test"),
                            "min_year": st.one_of(st.integers(1500, 2500), SMALL_ANYTHING),
                            "max_year": st.one_of(st.integers(1500, 2500), SMALL_ANYTHING),
                            "validation_fraction": FRACTIONS,
                            "test_fraction": FRACTIONS}),
    "digit_reversal": ({"num_examples": 3, "max_length": 4},
                       {"num_examples": SMALL_COUNTS, "min_length": SMALL_COUNTS,
                        "max_length": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "digit_sorting": ({"num_examples": 3, "max_length": 4},
                      {"num_examples": SMALL_COUNTS, "min_length": SMALL_COUNTS,
                       "max_length": SMALL_COUNTS, "seed": SMALL_SEEDS}),
    "generate_babi_examples": ({"task": 1, "num_stories": 2},
                               {"task": SMALL_COUNTS, "num_stories": SMALL_COUNTS,
                                "seed": SMALL_SEEDS, "memory_size": SMALL_COUNTS}),
    "language_model_windows": ({"ids": np.arange(20), "sequence_length": 4},
                               {"ids": st.one_of(
                                   st.lists(st.integers(0, 9), max_size=12).map(np.array),
                                   SMALL_ANYTHING),
                                "sequence_length": SMALL_COUNTS}),
    "tokenize": ({"text": "Mary went home."}, {"text": st.one_of(st.text(), SMALL_ANYTHING)}),
    "answer_token": ({"answer": ("a", "b")},
                     {"answer": st.one_of(st.lists(st.text(max_size=3), max_size=2),
                                          SMALL_ANYTHING)}),
    "normalize_repeats": ({"num_repeats": 3}, {"num_repeats": SMALL_ANYTHING}),
    "Curriculum": ({}, {"start": SMALL_COUNTS, "stop": SMALL_COUNTS, "step": SMALL_COUNTS,
                        "every": SMALL_COUNTS}),
}


def same(first, second):
    """Equal results, NumPy arrays and NaN included (two draws of one seed)."""
    flat_first = keras.tree.flatten(first) if not isinstance(first, str) else [first]
    flat_second = keras.tree.flatten(second) if not isinstance(second, str) else [second]
    assert len(flat_first) == len(flat_second)
    for a, b in zip(flat_first, flat_second):
        if isinstance(a, np.ndarray) or isinstance(a, (float, np.floating)):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


@settings(FUZZ, max_examples=15 * len(DATASET_ARGUMENTS))
@given(data=st.data())
def test_dataset_function_returns_the_same_data_or_names_the_argument(data):
    function_name = data.draw(st.sampled_from(sorted(DATASET_ARGUMENTS)), label="function")
    base, strategies = DATASET_ARGUMENTS[function_name]
    function = getattr(datasets, function_name)
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(strategies)), min_size=1, max_size=2, unique=True)
    )
    drawn = {name: data.draw(strategies[name], label=name) for name in chosen}
    arguments = {**base, **drawn}
    try:
        result = function(**arguments)
    except (ValueError, TypeError) as error:
        assert_names_an_argument(error, arguments, defaults_of(function))
        return
    for name, value in drawn.items():
        assert not is_nonfinite_number(value), f"`{name}` accepted {value!r}"
        if name in ("return_scenes",):
            assert isinstance(value, bool), f"`{name}` accepted {value!r}"
    if function_name == "Curriculum":
        # Its config round-trips, and its values stay in [start, stop].
        assert datasets.Curriculum.from_config(result.get_config()).get_config() == (
            result.get_config()
        )
        values = [result(i) for i in (0, 10**6)]
        assert values == [result.start, result.stop]
        return
    # Seeded and deterministic: the same arguments give the same data.
    same(result, function(**arguments))


def test_dataset_pipelines_name_their_argument():
    # The tf.data builders share the task generators' checks.
    for function, name in (
        (datasets.copy_dataset, "batch_size"),
        (datasets.repeat_copy_dataset, "batch_size"),
        (datasets.associative_recall_dataset, "batch_size"),
        (datasets.priority_sort_dataset, "batch_size"),
        (datasets.adding_problem_dataset, "batch_size"),
        (datasets.parity_dataset, "batch_size"),
        (datasets.addition_dataset, "batch_size"),
    ):
        for value in (0, -1, 2.5, math.nan, True, "2", None):
            with pytest.raises((ValueError, TypeError)) as error:
                function(**{name: value})
            assert_names_an_argument(error.value, {name: value})


def test_resumable_stream_arguments_name_their_argument():
    # The arguments that start a stream at a batch or an epoch (resumed
    # runs) and make it endless: every bad value is named, none is taken.
    vocabulary = datasets.CharacterVocabulary(list("0123456789"))
    digits = np.zeros((2, 28, 28), "uint8")
    cases = (
        (datasets.shuffled_array_batches, {"arrays": np.zeros((3, 2)), "batch_size": 2},
         ("start", "seed", "batch_size")),
        (datasets.seq2seq_dataset, {"sources": ["1"], "targets": ["1"],
                                    "vocabulary": vocabulary, "batch_size": 2},
         ("start",)),
        (datasets.DigitCanvases, {"images": digits, "labels": np.array([0, 1])}, ("epoch",)),
    )
    for function, base, names in cases:
        for name in names:
            for value in (-1, 2.5, math.nan, math.inf, True, "2", None, [1]):
                with pytest.raises((ValueError, TypeError)) as error:
                    function(**{**base, name: value})
                assert_names_an_argument(error.value, {**base, name: value})
    for value in (1, 0, "yes", None, math.nan):
        with pytest.raises((ValueError, TypeError)) as error:
            datasets.seq2seq_dataset(["1"], ["1"], vocabulary, 2, repeat=value)
        assert_names_an_argument(error.value, {"repeat": value})
