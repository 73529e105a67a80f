"""GreedySampler, the shared decoding loop, `tile_beams` and bad input."""

import doctest

import numpy as np
import pytest
from decoding_testing import AttentionGRU
from decoding_testing import log_table
from decoding_testing import table_next_fn
from keras import ops
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler
from keras_memory.decoding import beam_search as beam_search_module
from keras_memory.decoding import sampler as sampler_module
from keras_memory.decoding import tile_beams

END = 3

# Next-token probabilities by previous token (rows) over tokens 0..3; 3 ends.
CHAIN = log_table(
    [
        [0.01, 0.90, 0.04, 0.05],  # 0 -> 1
        [0.01, 0.04, 0.90, 0.05],  # 1 -> 2
        [0.01, 0.04, 0.05, 0.90],  # 2 -> end
        [0.01, 0.01, 0.01, 0.97],  # end -> end
    ]
)


def decode(sampler, start, table=CHAIN, **kwargs):
    outputs = sampler(table_next_fn(table), (), np.array(start), END, **kwargs)
    return to_numpy(outputs)


def test_greedy_follows_the_most_probable_token():
    outputs = decode(GreedySampler(max_length=6), [0, 1, 2])
    np.testing.assert_array_equal(
        outputs["tokens"][:, 0],
        [[1, 2, 3, 0, 0, 0], [2, 3, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0]],
    )
    np.testing.assert_array_equal(outputs["lengths"], [[3], [2], [1]])
    expected = [
        CHAIN[0, 1] + CHAIN[1, 2] + CHAIN[2, 3],
        CHAIN[1, 2] + CHAIN[2, 3],
        CHAIN[2, 3],
    ]
    np.testing.assert_allclose(outputs["log_probs"][:, 0], expected, rtol=1e-6)
    np.testing.assert_array_equal(outputs["scores"], outputs["log_probs"])
    assert set(outputs) == {"tokens", "lengths", "scores", "log_probs"}


def test_first_token_end_stops_at_once():
    calls = []

    def next_fn(tokens, state, index):
        calls.append(index)
        return ops.take(ops.convert_to_tensor(CHAIN), tokens, axis=0), state, None

    outputs = to_numpy(GreedySampler(max_length=5)(next_fn, (), np.array([2, 2]), END))
    np.testing.assert_array_equal(outputs["tokens"][:, 0], [[3, 0, 0, 0, 0]] * 2)
    np.testing.assert_array_equal(outputs["lengths"], [[1], [1]])
    # Eagerly, the loop body never ran: step 0 and done.
    assert len(calls) == 1


def test_max_length_cuts_an_output_that_never_ends():
    table = log_table([[0.1, 0.8, 0.05, 0.05], [0.8, 0.1, 0.05, 0.05]] + [[0.25] * 4] * 2)
    outputs = decode(GreedySampler(max_length=4), [0], table=table)
    np.testing.assert_array_equal(outputs["tokens"][0, 0], [1, 0, 1, 0])
    np.testing.assert_array_equal(outputs["lengths"], [[4]])


def test_min_length_masks_the_end_token():
    outputs = decode(GreedySampler(max_length=6, min_length=3), [2])
    # From 2 the end (0.9) is masked twice: 2 -> 2 (0.05) -> 3? no, masked
    # again; 2 is the best of the rest, then the end at the third token.
    np.testing.assert_array_equal(outputs["tokens"][0, 0], [2, 2, 3, 0, 0, 0])
    np.testing.assert_array_equal(outputs["lengths"], [[3]])
    np.testing.assert_allclose(
        outputs["log_probs"][0, 0], 2 * CHAIN[2, 2] + CHAIN[2, 3], rtol=1e-6
    )


def test_pad_id_and_integer_start_id():
    def next_fn(tokens, state, index):
        return ops.take(ops.convert_to_tensor(CHAIN), tokens, axis=0), state, None

    state = {"h": np.zeros((2, 3), "float32")}
    outputs = to_numpy(GreedySampler(max_length=5, pad_id=-1)(next_fn, state, 1, END))
    np.testing.assert_array_equal(outputs["tokens"][:, 0], [[2, 3, -1, -1, -1]] * 2)


def test_alignments_are_each_steps_attention_and_zero_after_the_end():
    attention = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.3, 0.7]], "float32")
    outputs = GreedySampler(max_length=5)(
        table_next_fn(CHAIN, attention), (), np.array([0]), END
    )
    outputs = to_numpy(outputs)
    # Attention is a function of the step's input token: 0, 1, 2, then stop.
    expected = np.zeros((5, 2), "float32")
    expected[:3] = attention[[0, 1, 2]]
    np.testing.assert_array_equal(outputs["alignments"][0, 0], expected)


def test_tile_beams_repeats_each_example_contiguously():
    state = {"h": np.arange(6).reshape(3, 2), "mask": np.array([[1], [0], [1]]) > 0}
    tiled = to_numpy(tile_beams(state, 2))
    np.testing.assert_array_equal(
        tiled["h"], [[0, 1], [0, 1], [2, 3], [2, 3], [4, 5], [4, 5]]
    )
    np.testing.assert_array_equal(tiled["mask"][:, 0], [1, 1, 0, 0, 1, 1])
    # The reshape back is (B, K, ...): example b's beams are row b.
    np.testing.assert_array_equal(
        np.reshape(tiled["h"], (3, 2, 2))[:, 0], state["h"]
    )


def test_greedy_batch_equals_one_example_at_a_time():
    model = AttentionGRU(end_bias=2.0)
    state = model.initial_state(4)
    sampler = GreedySampler(max_length=8)
    batch = to_numpy(sampler(model.next_fn, state, 1, end_id=2))
    for b in range(4):
        single = to_numpy(
            sampler(model.next_fn, {k: v[b : b + 1] for k, v in state.items()}, 1, end_id=2)
        )
        np.testing.assert_array_equal(single["tokens"], batch["tokens"][b : b + 1])
        np.testing.assert_array_equal(single["lengths"], batch["lengths"][b : b + 1])
        np.testing.assert_allclose(single["log_probs"], batch["log_probs"][b : b + 1], atol=1e-5)
        np.testing.assert_allclose(
            single["alignments"], batch["alignments"][b : b + 1], atol=1e-5
        )
    # Outputs end at different lengths: the test covers frozen rows.
    assert len(set(batch["lengths"].ravel())) > 1


@pytest.mark.parametrize(
    "make, name, value",
    [
        (lambda: GreedySampler(max_length=0), "max_length", 0),
        (lambda: GreedySampler(min_length=0), "min_length", 0),
        (lambda: GreedySampler(max_length=3, min_length=4), "max_length", 3),
        (lambda: GreedySampler(pad_id=1.5), "pad_id", 1.5),
        (lambda: BeamSearch(beam_width=0), "beam_width", 0),
        (lambda: BeamSearch(beam_width=2, num_return=3), "num_return", 3),
        (lambda: BeamSearch(num_return=0), "num_return", 0),
        (lambda: BeamSearch(length_penalty=-0.5), "length_penalty", -0.5),
        (lambda: BeamSearch(coverage_penalty=float("nan")), "coverage_penalty", None),
        (lambda: tile_beams(np.zeros((2, 1)), 0), "beam_width", 0),
    ],
)
def test_bad_arguments_are_named(make, name, value):
    assert_invalid_argument(make, name, value)


@pytest.mark.parametrize("sampler", [GreedySampler(max_length=4), BeamSearch(2, max_length=4)])
def test_ids_outside_the_vocabulary_are_named(sampler):
    next_fn = table_next_fn(CHAIN)
    assert_invalid_argument(sampler, "end_id", 4, next_fn, (), np.array([0]), 4)
    assert_invalid_argument(sampler, "end_id", -1, next_fn, (), np.array([0]), -1)
    state = {"h": np.zeros((1, 2), "float32")}
    assert_invalid_argument(
        sampler, "start_tokens", 9, next_fn, state, 9, END, vocabulary_size=4
    )
    assert_invalid_argument(
        sampler, "start_tokens", 4, next_fn, (), np.array([0, 4]), END, vocabulary_size=4
    )
    assert_invalid_argument(sampler, "start_tokens", -2, next_fn, (), [-2], END)
    assert_invalid_argument(sampler, "end_id", 5, next_fn, (), [0], 5, vocabulary_size=4)
    assert_invalid_argument(
        BeamSearch(5, max_length=3), "beam_width", 5, next_fn, (), [0], END
    )
    assert_invalid_argument(
        sampler, "vocabulary_size", 0, next_fn, (), [0], END, vocabulary_size=0
    )
    assert_invalid_argument(sampler, "max_length", 0, next_fn, (), np.array([0]), END,
                            max_length=0)


@pytest.mark.parametrize("module", [sampler_module, beam_search_module])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
