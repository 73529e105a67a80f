import numpy as np
import pytest
from keras import ops

from keras_memory.ops.attention_regularizers import attention_entropy
from keras_memory.ops.attention_regularizers import doubly_stochastic_penalty


def _numpy_penalty(alignments, target_mask, memory_mask):
    batch, steps, locations = alignments.shape
    result = np.zeros(batch)
    for b in range(batch):
        for i in range(locations):
            if not memory_mask[b, i]:
                continue
            total = sum(alignments[b, t, i] for t in range(steps) if target_mask[b, t])
            result[b] += (1.0 - total) ** 2
    return result


def _random_alignments(rng, batch=3, steps=5, locations=4):
    scores = rng.normal(size=(batch, steps, locations))
    return (np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)).astype("float32")


def test_penalty_matches_numpy_loops():
    rng = np.random.default_rng(0)
    alignments = _random_alignments(rng)
    target_mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0]], bool)
    memory_mask = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 0, 1, 1]], bool)
    actual = ops.convert_to_numpy(doubly_stochastic_penalty(alignments, target_mask, memory_mask))
    expected = _numpy_penalty(alignments, target_mask, memory_mask)
    np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_defaults_count_every_step_and_location():
    rng = np.random.default_rng(1)
    alignments = _random_alignments(rng)
    actual = ops.convert_to_numpy(doubly_stochastic_penalty(alignments))
    expected = ((1.0 - alignments.sum(1)) ** 2).sum(-1)
    np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_padding_steps_do_not_count():
    # The same caption, once alone and once padded with steps that attend
    # (as a decoder without masking would): the penalty is the same.
    rng = np.random.default_rng(2)
    caption = _random_alignments(rng, batch=1, steps=3)
    padding = _random_alignments(rng, batch=1, steps=4)
    padded = np.concatenate([caption, padding], axis=1)
    mask = np.array([[True] * 3 + [False] * 4])
    alone = ops.convert_to_numpy(doubly_stochastic_penalty(caption))
    with_padding = ops.convert_to_numpy(doubly_stochastic_penalty(padded, mask))
    np.testing.assert_allclose(with_padding, alone, rtol=1e-6)
    # Unmasked, the padding changes the penalty: the bug of arctic-captions #33.
    unmasked = ops.convert_to_numpy(doubly_stochastic_penalty(padded))
    assert abs(float(unmasked[0] - alone[0])) > 1e-3


def test_perfect_coverage_has_zero_penalty():
    alignments = np.eye(3, dtype="float32")[None]  # each location once
    np.testing.assert_allclose(ops.convert_to_numpy(doubly_stochastic_penalty(alignments)), [0.0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(alignments=np.zeros((2, 3))), "`alignments`, expected a rank-3"),
        (dict(alignments=np.zeros((2, 3, 4)), target_mask=np.ones((2, 4))), "`target_mask`"),
        (dict(alignments=np.zeros((2, 3, 4)), target_mask=np.ones((2,))), "`target_mask`"),
        (dict(alignments=np.zeros((2, 3, 4)), memory_mask=np.ones((2, 3))), "`memory_mask`"),
    ],
)
def test_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        doubly_stochastic_penalty(**kwargs)


def test_entropy_matches_numpy_and_masks_steps():
    rng = np.random.default_rng(3)
    alignments = _random_alignments(rng)
    alignments[0, 0] = [1.0, 0.0, 0.0, 0.0]  # 0 log 0 = 0
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0]], bool)
    logs = np.log(np.where(alignments > 0, alignments, 1.0))
    expected = (-(alignments * logs).sum(-1) * mask).sum(-1)
    actual = ops.convert_to_numpy(attention_entropy(alignments, mask))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="`target_mask`"):
        attention_entropy(alignments, mask[:, :2])
