"""No two weights of a layer start with the same values (every conformance spec).

A Keras initializer object draws the same values at every call, so a layer
that hands one `kernel_initializer` to several weights starts them equal
(StateBridge's maps of an LSTM's h and c, Bahdanau's W and U). The check
runs over every registered spec, so a new layer cannot bring the bug back.
"""

import itertools

import numpy as np
import pytest
from conformance_specs import SPECS


def _random_weights(layer):
    """The layer's weights whose initial values are not all one constant."""
    weights = []
    for weight in layer.weights:
        values = np.asarray(weight.numpy()).ravel()
        if values.size > 1 and np.ptp(values) > 0:
            weights.append((weight.path, values))
    return weights


# StackedAttention's W_{I,A}, W_{Q,A} and W_P share their start for now: the
# two-hop SAN learns much faster from it (0.77 against 0.58 validation
# accuracy at 8 epochs, benchmarks/stacked_attention.py); asserted here so
# that the choice stays visible until it is studied or made an option.
SHARED_START = {"StackedAttention": {"image_kernel", "question_kernel", "attention_kernel"}}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.test_id)
def test_weights_start_with_distinct_values(spec):
    layer = spec.model().get_layer("under_test")
    shared = SHARED_START.get(spec.test_id)
    for (name_a, a), (name_b, b) in itertools.combinations(_random_weights(layer), 2):
        prefix = min(a.size, b.size)
        names = {name_a.split("/")[-1], name_b.split("/")[-1]}
        if shared and names <= shared:
            if a.size == b.size:  # same shape, same fans: the same values
                np.testing.assert_array_equal(a, b)
            continue
        assert not np.array_equal(a[:prefix], b[:prefix]), f"{name_a} starts as {name_b}"
