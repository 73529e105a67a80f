"""NTMCopy and NTMRepeatCopy: the paper's architecture, arguments, transplant."""

import keras
import numpy as np
import pytest
from testing_utils import to_numpy

from keras_memory.applications import NTMCopy
from keras_memory.applications import NTMRepeatCopy
from keras_memory.applications import ntm_copy
from keras_memory.datasets import bit_errors_per_sequence
from keras_memory.datasets import copy_task
from keras_memory.datasets import repeat_copy_task


def test_architecture_is_the_papers():
    model = NTMCopy(weights=None)
    assert [t.name for t in model.inputs] == ["sequence"]
    assert model.get_layer("bits").activation is keras.activations.sigmoid
    cell = model.get_layer("ntm").cell
    assert (cell.units, cell.memory_size, cell.memory_width) == (100, 128, 20)
    assert (cell.read_heads, cell.write_heads) == (1, 1)
    inputs, _, _ = copy_task(2, 5, 5)
    outputs = to_numpy(model(inputs))
    assert outputs.shape == (2, 11, 8)
    assert outputs.min() >= 0.0 and outputs.max() <= 1.0


def test_memory_size_holds_no_weights():
    small, large = NTMCopy(weights=None), NTMCopy(weights=None, memory_size=256)
    unrelated = NTMCopy(weights=None)
    assert [w.shape for w in small.weights] == [w.shape for w in large.weights]
    large.set_weights(small.get_weights())
    inputs, _, _ = copy_task(1, 3, 3)
    # The same weights, a bigger memory: near-identical outputs on a short
    # sequence (the content softmax spreads over more 1e-6 rows; about 1e-3
    # apart), while other random weights are about 5e-2 apart.
    small_out, large_out = to_numpy(small(inputs)), to_numpy(large(inputs))
    np.testing.assert_allclose(small_out, large_out, atol=5e-3)
    assert np.abs(small_out - to_numpy(unrelated(inputs))).max() > 5e-3


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"weights": "imagenet"}, "weights"),
        ({"weights": 3}, "weights"),
        ({"weights": "/no/such/file.weights.h5"}, "weights"),
        ({"memory_size": 0}, "memory_size"),
    ],
)
@pytest.mark.parametrize("builder", [NTMCopy, NTMRepeatCopy])
def test_bad_arguments(builder, kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        builder(**kwargs)


def test_repeat_copy_starts_as_the_copy_model():
    copy_model = NTMCopy(weights="copy")
    repeat_model = NTMRepeatCopy(weights="copy")
    inputs, _, _ = copy_task(2, 6, 6, seed=5)
    # The repeat channel's kernel row is zero: with a 0 repeat count the
    # repeat-copy model is the copy model plus an end-marker output.
    padded = np.concatenate([inputs, np.zeros_like(inputs[..., :1])], axis=-1)
    np.testing.assert_allclose(
        to_numpy(repeat_model(padded))[..., :8], to_numpy(copy_model(inputs)), atol=1e-5
    )


def _bit_errors_after_fine_tuning(model, steps=40):
    ntm_copy.compile_for_copy(model)  # the paper's RMSProp, 1e-4
    for step in range(steps):
        inputs, targets, weights = repeat_copy_task(
            16, 4, 4, min_repeats=2, max_repeats=2, seed=(2, step)
        )
        model.train_on_batch(inputs, targets, sample_weight=weights)
    inputs, targets, weights = repeat_copy_task(
        64, 4, 4, min_repeats=2, max_repeats=2, seed=99
    )
    return bit_errors_per_sequence(targets, to_numpy(model(inputs)), weights)


def test_fine_tuning_from_copy_weights_beats_a_fresh_start():
    # Same data, same 40 steps: the copy machine already stores and replays
    # the sequence and only has to learn to replay it twice and stop.
    keras.utils.set_random_seed(0)
    fine_tuned = _bit_errors_after_fine_tuning(NTMRepeatCopy(weights="copy"))
    keras.utils.set_random_seed(0)
    fresh = _bit_errors_after_fine_tuning(NTMRepeatCopy(weights=None))
    assert fine_tuned < 0.5 * fresh, (fine_tuned, fresh)
