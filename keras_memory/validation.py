"""Argument checks shared by every public class.

Messages follow the Keras convention so that users see the same wording from
`keras_memory` as from `keras` itself: "Received an invalid value for argument
`units`, expected a positive integer, got 0."
"""

import numbers


def _is_integer(value):
    # `bool` is an `int` subclass, but `units=True` is always a mistake.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def invalid_argument(name, expected, value):
    """Returns the ValueError raised for a bad constructor argument."""
    return ValueError(
        f"Received an invalid value for argument `{name}`, expected "
        f"{expected}, got {value!r}."
    )


def check_positive_int(name, value):
    """Returns `value` as an `int`, or raises if it is not an integer >= 1."""
    if not _is_integer(value) or value < 1:
        raise invalid_argument(name, "a positive integer", value)
    return int(value)


def check_positive_int_list(name, values):
    """Returns `values` as a tuple of ints, each >= 1; raises on anything else.

    An empty sequence, a string, or any entry that is not an integer >= 1
    (floats such as `2.0` included) is rejected.
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise invalid_argument(
            name, "a non-empty list of positive integers", values
        )
    values = tuple(values)
    if not values or not all(_is_integer(v) and v >= 1 for v in values):
        raise invalid_argument(
            name, "a non-empty list of positive integers", values
        )
    return tuple(int(v) for v in values)
