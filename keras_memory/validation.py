"""Argument checks shared by every public class and function.

Each rule lives here once. Messages follow the Keras convention so that users
see the same wording from `keras_memory` as from `keras` itself:
"Received an invalid value for argument `units`, expected a positive integer,
got 0."

Every `check_*` function returns the value in its canonical Python type (an
`int`, a `float`, a tuple) or raises `ValueError` naming the argument and the
value.
"""

import math
import numbers

import numpy


def is_integer(value):
    """Whether `value` is an integer (NumPy's too), but not a boolean.

    `bool` is an `int` subclass, but `units=True` is always a mistake.
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value):
    """Whether `value` is a real number (NumPy's too), but not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def invalid_argument(name, expected, value):
    """Returns the ValueError raised for a bad argument."""
    return ValueError(
        f"Received an invalid value for argument `{name}`, expected "
        f"{expected}, got {value!r}."
    )


def check_positive_int(name, value):
    """Returns `value` as an `int`, or raises if it is not an integer >= 1."""
    if not is_integer(value) or value < 1:
        raise invalid_argument(name, "a positive integer", value)
    return int(value)


def check_int_at_least(name, value, lowest):
    """Returns `value` as an `int`, or raises unless it is an integer >= `lowest`."""
    if not is_integer(value) or value < lowest:
        if lowest == 1:
            expected = "a positive integer"
        elif lowest == 0:
            expected = "a non-negative integer"
        else:
            expected = f"an integer >= {lowest}"
        raise invalid_argument(name, expected, value)
    return int(value)


def check_optional_positive_int(name, value):
    """`None`, or `value` as an `int` >= 1; raises on anything else."""
    if value is None:
        return None
    if not is_integer(value) or value < 1:
        raise invalid_argument(name, "a positive integer or `None`", value)
    return int(value)


def check_positive_int_list(name, values, min_length=1):
    """Returns `values` as a tuple of ints, each >= 1; raises on anything else.

    A string, a sequence shorter than `min_length`, or any entry that is not
    an integer >= 1 (floats such as `2.0` included) is rejected.
    """
    if min_length == 1:
        expected = "a non-empty list of positive integers"
    else:
        expected = f"a list of at least {min_length} positive integers"
    # A dict or a set iterates without error but has no order of entries.
    if isinstance(values, (str, bytes, dict, set, frozenset)) or not hasattr(
        values, "__iter__"
    ):
        raise invalid_argument(name, expected, values)
    values = tuple(values)
    if len(values) < min_length or not all(is_integer(v) and v >= 1 for v in values):
        raise invalid_argument(name, expected, values)
    return tuple(int(v) for v in values)


def check_int_range(min_name, min_value, max_name, max_value, lowest=1):
    """Checks `lowest <= min_value <= max_value`, both integers; returns both."""
    min_value = check_int_at_least(min_name, min_value, lowest)
    if not is_integer(max_value) or max_value < min_value:
        raise invalid_argument(
            max_name, f"an integer >= `{min_name}` ({min_value})", max_value
        )
    return min_value, int(max_value)


def check_seed(value, name="seed", allow_none=False, allow_tuple=False):
    """A seed: a non-negative integer.

    Args:
        value: The seed.
        name: The argument's name in the error message.
        allow_none: Whether `None` (no fixed seed) is accepted.
        allow_tuple: Whether a non-empty tuple or list of non-negative
            integers is accepted (NumPy's `default_rng` takes one), returned
            as a tuple.

    Returns:
        `None`, an `int`, or a tuple of ints.
    """
    if value is None and allow_none:
        return None
    if is_integer(value) and value >= 0:
        return int(value)
    if allow_tuple and isinstance(value, (tuple, list)) and value:
        if all(is_integer(v) and v >= 0 for v in value):
            return tuple(int(v) for v in value)
    expected = "a non-negative integer"
    if allow_tuple:
        expected += " or a tuple of them"
    if allow_none:
        expected += " or `None`"
    raise invalid_argument(name, expected, value)


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`, else raises listing them."""
    # `value in choices` would accept True for 1 and 1.0 for 1: compare types.
    if not any(type(value) is type(c) and value == c for c in choices):
        raise invalid_argument(name, f"one of {tuple(choices)}", value)
    return value


def check_bool(name, value):
    """Returns `value` if it is a Python or NumPy boolean, else raises."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise invalid_argument(name, "a boolean", value)
    return bool(value)


def check_finite(name, value):
    """Returns `value` as a `float`, or raises unless it is a finite number."""
    if not is_real(value) or not math.isfinite(value):
        raise invalid_argument(name, "a finite number", value)
    return float(value)


def check_number_in(name, value, low, high, low_open=False, high_open=False):
    """Returns `value` as a `float` in the interval, or raises.

    Args:
        name: The argument's name.
        value: The number.
        low, high: The bounds (`math.inf` for none).
        low_open, high_open: Whether the bound itself is excluded.
    """
    ok = is_real(value) and not math.isnan(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise invalid_argument(
            name, f"a number in {left}{_bound(low)}, {_bound(high)}{right}", value
        )
    return float(value)


def check_probability(name, value):
    """Returns `value` as a float in `[0, 1]`, or raises."""
    return check_number_in(name, value, 0.0, 1.0)


def check_fraction(name, value):
    """Returns `value` as a float in `[0, 1)`, or raises."""
    return check_number_in(name, value, 0.0, 1.0, high_open=True)


def check_non_negative_finite(name, value):
    """Returns `value` as a float, or raises unless it is finite and >= 0."""
    return check_number_in(name, value, 0.0, math.inf, high_open=True)


def _bound(bound):
    if math.isinf(bound):
        return "inf" if bound > 0 else "-inf"
    return f"{bound:g}"


def check_index(name, value, size):
    """Returns `value` as an `int`, or raises unless `0 <= value < size`.

    For an id into a table of `size` entries (a token id and its vocabulary).
    """
    if not is_integer(value) or not 0 <= value < size:
        raise invalid_argument(name, f"an integer in [0, {size})", value)
    return int(value)


# The largest float32: a hyperparameter that the layers cast to float32
# (a slope variable, a loss weight) must not become infinite there.
FLOAT32_MAX = float(numpy.finfo(numpy.float32).max)


def check_float32_number_in(name, value, low, low_open=False):
    """Returns `value` as a float in `[low, FLOAT32_MAX]`, or raises.

    For a number that a layer casts to float32: 1e300 passes `math.isfinite`
    but is infinite in float32.
    """
    return check_number_in(name, value, low, FLOAT32_MAX, low_open=low_open)


def check_positive_number(name, value):
    """Returns `value` as a float, or raises unless it is a finite number > 0."""
    return check_number_in(name, value, 0.0, math.inf, low_open=True, high_open=True)


def _get_keras_object(module, kind, name, value):
    """`module.get(value)`, or the Keras-style error naming `name`.

    Keras's own `get` says "Could not interpret initializer identifier: 0.5",
    which names neither the argument nor what would do. A boolean and a
    NumPy scalar (which Keras takes as a constant initializer, but which
    matches no weight's shape and cannot be serialized) are refused too.
    """
    expected = (
        f"a Keras {kind} (a name, a config dict, an instance, a callable or `None`)"
    )
    if isinstance(value, (bool, numpy.generic)):
        raise invalid_argument(name, expected, value)
    try:
        return module.get(value)
    except (ValueError, TypeError, AttributeError, KeyError):
        raise invalid_argument(name, expected, value) from None


def get_initializer(name, value):
    """`keras.initializers.get(value)`, or raises naming the argument."""
    import keras

    return _get_keras_object(keras.initializers, "initializer", name, value)


def get_regularizer(name, value):
    """`keras.regularizers.get(value)`, or raises naming the argument."""
    import keras

    return _get_keras_object(keras.regularizers, "regularizer", name, value)


def get_constraint(name, value):
    """`keras.constraints.get(value)`, or raises naming the argument."""
    import keras

    return _get_keras_object(keras.constraints, "constraint", name, value)


def get_activation(name, value):
    """`keras.activations.get(value)`, or raises naming the argument."""
    import keras

    return _get_keras_object(keras.activations, "activation", name, value)


def cast_inputs(inputs, dtype, name="inputs"):
    """`inputs` cast to a layer's compute `dtype`, or raises if not numeric.

    Keras casts floating inputs to the compute dtype but passes integers and
    booleans through; concatenated with a float state (`[x_t, r_{t-1}]`), an
    int32 `x_t` would cast the state to int32 and silently give a wrong
    answer. Integers and booleans are cast as `keras.layers.Dense` casts
    them; a string tensor, which TensorFlow would fail on deep inside the
    layer ("Cast string to float is not supported"), is refused here.
    """
    import keras

    given = keras.backend.standardize_dtype(inputs.dtype)
    if not (given == "bool" or given.startswith(("int", "uint", "float", "bfloat"))):
        raise TypeError(
            f"Received an invalid value for argument `{name}`, expected a "
            f"numeric tensor (floating, integer or boolean), got a tensor of "
            f"dtype {given!r}."
        )
    if given == dtype:
        return inputs
    return keras.ops.cast(inputs, dtype)
