"""BeamSearch: hand-built searches, properties on a random GRU, XLA, JAX, serving."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf
from decoding_testing import AttentionGRU
from decoding_testing import log_table
from decoding_testing import table_next_fn
from keras import ops
from testing_utils import to_numpy

from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler
from keras_memory.decoding import gnmt_length_penalty
from keras_memory.export import predict_in_fresh_process

END = 3
TINY = 1e-6

# Greedy takes 1 (0.6) and ends with 0.5 (0.30 in all); 2 (0.4) ends with
# 0.9 (0.36): beam search finds the more probable output.
GREEDY_TRAP = log_table(
    [
        [TINY, 0.6, 0.4, TINY],
        [TINY, 0.3, 0.2, 0.5],
        [TINY, TINY, 0.1, 0.9],
        [TINY, TINY, TINY, 1.0],
    ]
)

# Ending at once has 0.4; "1, end" has 0.6 * 0.6 = 0.36.
SHORT_OR_LONG = log_table(
    [
        [TINY, 0.6, TINY, 0.4],
        [TINY, 0.2, 0.2, 0.6],
        [0.25, 0.25, 0.25, 0.25],
        [TINY, TINY, 0.1, 0.9],  # end -> end only 0.9: frozen beams ignore it
    ]
)


def search(table, start=(0,), attention=None, **kwargs):
    sampler_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k != "source_mask"}
    outputs = BeamSearch(**sampler_kwargs)(
        table_next_fn(table, attention), (), np.array(start), END, **kwargs
    )
    return to_numpy(outputs)


def test_beam_finds_the_more_probable_output_that_greedy_misses():
    greedy = to_numpy(GreedySampler(max_length=4)(table_next_fn(GREEDY_TRAP), (), [0], END))
    np.testing.assert_array_equal(greedy["tokens"][0, 0], [1, 3, 0, 0])
    beam = search(GREEDY_TRAP, beam_width=2, num_return=2, max_length=4)
    np.testing.assert_array_equal(beam["tokens"][0], [[2, 3, 0, 0], [1, 3, 0, 0]])
    np.testing.assert_array_equal(beam["lengths"], [[2, 2]])
    expected = [GREEDY_TRAP[0, 2] + GREEDY_TRAP[2, 3], GREEDY_TRAP[0, 1] + GREEDY_TRAP[1, 3]]
    np.testing.assert_allclose(beam["scores"][0], expected, rtol=1e-6)
    np.testing.assert_allclose(np.exp(beam["scores"][0]), [0.36, 0.30], atol=1e-5)
    np.testing.assert_allclose(greedy["log_probs"][0, 0], expected[1], rtol=1e-6)


def test_zero_length_penalty_ranks_by_raw_log_probability():
    beam = search(SHORT_OR_LONG, beam_width=2, num_return=2, max_length=4)
    np.testing.assert_array_equal(beam["tokens"][0], [[3, 0, 0, 0], [1, 3, 0, 0]])
    np.testing.assert_array_equal(beam["scores"], beam["log_probs"])
    np.testing.assert_allclose(np.exp(beam["log_probs"][0]), [0.4, 0.36], atol=1e-5)


def test_length_penalty_prefers_the_longer_output_as_computed_by_hand():
    beam = search(SHORT_OR_LONG, beam_width=2, num_return=2, max_length=4, length_penalty=1.0)
    np.testing.assert_array_equal(beam["tokens"][0], [[1, 3, 0, 0], [3, 0, 0, 0]])
    long_score = (SHORT_OR_LONG[0, 1] + SHORT_OR_LONG[1, 3]) / (7 / 6)  # lp(2) = 7/6
    short_score = SHORT_OR_LONG[0, 3] / 1.0  # lp(1) = 1
    np.testing.assert_allclose(beam["scores"][0], [long_score, short_score], rtol=1e-6)
    # The log-probabilities are the raw ones, whatever the ranking.
    np.testing.assert_allclose(
        beam["log_probs"][0], [long_score * 7 / 6, short_score], rtol=1e-6
    )
    np.testing.assert_allclose(to_numpy(gnmt_length_penalty([1, 2], 1.0)), [1.0, 7 / 6])


def test_finished_beams_stay_frozen_and_the_loop_stops_when_all_end():
    calls = []
    next_fn = table_next_fn(SHORT_OR_LONG)

    def counting_next_fn(tokens, state, index):
        calls.append(int(index))
        return next_fn(tokens, state, index)

    outputs = to_numpy(
        BeamSearch(beam_width=2, num_return=2, max_length=6)(
            counting_next_fn, (), np.array([0]), END
        )
    )
    # The short beam ended at step 0; the end -> end row (0.9) was not added
    # to it while the other beam went on, and it was not extended.
    np.testing.assert_array_equal(outputs["tokens"][0, 0], [3, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(outputs["lengths"], [[1, 2]])
    np.testing.assert_allclose(outputs["log_probs"][0, 0], SHORT_OR_LONG[0, 3], rtol=1e-7)
    # Both ended after step 1: two calls, not six.
    assert calls == [0, 1]


def test_min_length_is_honoured_by_every_hypothesis():
    beam = search(SHORT_OR_LONG, beam_width=3, num_return=3, max_length=5, min_length=3)
    assert beam["lengths"].min() >= 3
    for tokens, length in zip(beam["tokens"][0], beam["lengths"][0]):
        assert END not in tokens[: length - 1]


def test_first_token_end_ends_every_beam_at_once():
    table = log_table([[TINY, TINY, TINY, 1.0]] * 4)
    beam = search(table, start=(0, 1), beam_width=3, num_return=1, max_length=4)
    np.testing.assert_array_equal(beam["tokens"][:, 0], [[3, 0, 0, 0]] * 2)
    np.testing.assert_array_equal(beam["lengths"], [[1], [1]])


# Coverage: the attention of a step is a row chosen by the step's input
# token; from 0 (input) the model reads source position 0. Output "1, end"
# reads position 0 again (0.8) and covers position 1 with 0.2 only; "2, end"
# covers it fully. Without a coverage penalty "1, end" (0.55) is best.
COVERAGE_TABLE = log_table(
    [
        [TINY, 0.55, 0.45, TINY],
        [TINY, TINY, TINY, 1.0],
        [TINY, TINY, TINY, 1.0],
        [TINY, TINY, TINY, 1.0],
    ]
)
COVERAGE_ATTENTION = np.array(
    [[1.0, 0.0, 0.0], [0.8, 0.2, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], "float32"
)


def test_coverage_penalty_changes_the_ranking_as_computed_by_hand():
    mask = np.array([[True, True, False]])  # position 2 is padding
    kwargs = dict(beam_width=2, num_return=2, max_length=3, attention=COVERAGE_ATTENTION)
    plain = search(COVERAGE_TABLE, source_mask=mask, **kwargs)
    np.testing.assert_array_equal(plain["tokens"][0], [[1, 3, 0], [2, 3, 0]])
    covered = search(COVERAGE_TABLE, source_mask=mask, coverage_penalty=0.2, **kwargs)
    np.testing.assert_array_equal(covered["tokens"][0], [[2, 3, 0], [1, 3, 0]])
    # cp = beta * sum_i log(min(sum_t a_ti, 1)) over the unmasked positions:
    # "2, end": coverage (1, 1) -> 0; "1, end": coverage (1.8, 0.2) -> log 0.2.
    log_p_2 = COVERAGE_TABLE[0, 2] + COVERAGE_TABLE[2, 3]
    log_p_1 = COVERAGE_TABLE[0, 1] + COVERAGE_TABLE[1, 3]
    np.testing.assert_allclose(
        covered["scores"][0], [log_p_2, log_p_1 + 0.2 * np.log(0.2)], rtol=1e-5
    )
    np.testing.assert_allclose(covered["log_probs"][0], [log_p_2, log_p_1], rtol=1e-6)
    np.testing.assert_allclose(
        covered["alignments"][0, 1, :2], COVERAGE_ATTENTION[[0, 1]], rtol=1e-7
    )
    # Without the mask the padding counts as never covered: both outputs pay
    # beta * log(1e-10) once more and the ranking stays.
    unmasked = search(COVERAGE_TABLE, coverage_penalty=0.2, **kwargs)
    np.testing.assert_array_equal(unmasked["tokens"], covered["tokens"])
    np.testing.assert_allclose(
        unmasked["scores"], covered["scores"] + 0.2 * np.log(1e-10), rtol=1e-5
    )


# === Properties on a random GRU decoder with attention ===

MODEL = AttentionGRU(end_bias=2.0)
STATE = MODEL.initial_state(4)


def run(sampler, state=STATE, **kwargs):
    return to_numpy(sampler(MODEL.next_fn, state, 1, end_id=2, **kwargs))


def test_beam_width_one_equals_greedy_exactly():
    greedy = run(GreedySampler(max_length=8))
    for kwargs in ({}, {"length_penalty": 0.6, "coverage_penalty": 0.2}):
        beam = run(BeamSearch(beam_width=1, max_length=8, **kwargs))
        for key in ("tokens", "lengths", "log_probs", "alignments"):
            np.testing.assert_array_equal(beam[key], greedy[key], err_msg=key)
    assert len(set(greedy["lengths"].ravel())) > 1


def test_beam_batch_equals_one_example_at_a_time():
    sampler = BeamSearch(beam_width=3, num_return=3, max_length=8, length_penalty=0.6)
    batch = run(sampler)
    for b in range(4):
        single = run(sampler, {k: v[b : b + 1] for k, v in STATE.items()})
        for key in ("tokens", "lengths"):
            np.testing.assert_array_equal(single[key], batch[key][b : b + 1], err_msg=key)
        for key in ("scores", "log_probs", "alignments"):
            np.testing.assert_allclose(single[key], batch[key][b : b + 1], atol=1e-5)


@pytest.mark.parametrize("beam_width", [2, 4])
def test_best_beam_is_at_least_as_probable_as_greedy(beam_width):
    greedy = run(GreedySampler(max_length=8))
    beam = run(BeamSearch(beam_width=beam_width, max_length=8))
    assert np.all(beam["log_probs"][:, 0] >= greedy["log_probs"][:, 0] - 1e-5)
    # And strictly better somewhere: the search is not greedy in disguise.
    assert np.any(beam["log_probs"][:, 0] > greedy["log_probs"][:, 0] + 1e-3)


def test_n_best_is_sorted_and_scored_by_the_gnmt_formula():
    alpha, beta = 0.6, 0.2
    outputs = run(
        BeamSearch(4, length_penalty=alpha, coverage_penalty=beta, num_return=4, max_length=8),
        source_mask=STATE["mask"],
    )
    assert np.all(np.diff(outputs["scores"], axis=1) <= 0)
    coverage = outputs["alignments"].sum(axis=2)  # (B, N, S)
    log_coverage = np.log(np.clip(coverage, 1e-10, 1.0)) * STATE["mask"][:, None, :]
    expected = outputs["log_probs"] / ((5 + outputs["lengths"]) / 6) ** alpha
    expected = expected + beta * log_coverage.sum(-1)
    np.testing.assert_allclose(outputs["scores"], expected, rtol=1e-4, atol=1e-5)
    # Distinct hypotheses: no beam was returned twice.
    for example in outputs["tokens"]:
        assert len({tuple(row) for row in example}) == 4
    # Alignments are zero past each output's end.
    steps = np.arange(8)[None, None, :]
    past_end = steps >= outputs["lengths"][..., None]
    assert np.all(outputs["alignments"].sum(-1)[past_end] == 0)


def test_compiles_with_xla_and_equals_eager():
    sampler = BeamSearch(3, length_penalty=0.6, coverage_penalty=0.2, num_return=2, max_length=8)
    eager = run(sampler)
    compiled = tf.function(lambda state: sampler(MODEL.next_fn, state, 1, end_id=2),
                           jit_compile=True)
    xla = to_numpy(compiled(STATE))
    for key in ("tokens", "lengths"):
        np.testing.assert_array_equal(xla[key], eager[key], err_msg=key)
    for key in ("scores", "log_probs", "alignments"):
        np.testing.assert_allclose(xla[key], eager[key], atol=1e-4, err_msg=key)
    # Greedy shares the loop; a table "model" keeps this compilation small.
    greedy = GreedySampler(max_length=4)
    compiled = tf.function(
        lambda start: greedy(table_next_fn(GREEDY_TRAP), (), start, END), jit_compile=True
    )
    np.testing.assert_array_equal(
        to_numpy(compiled(tf.constant([0, 2])))["tokens"][:, 0], [[1, 3, 0, 0], [3, 0, 0, 0]]
    )


JAX_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    sys.path[:0] = sys.argv[1:3]
    import jax
    import keras
    from decoding_testing import AttentionGRU
    from keras_memory.decoding import BeamSearch
    assert keras.config.backend() == "jax"
    weights = np.load(sys.argv[3])
    model = AttentionGRU(end_bias=2.0, seed=None)
    for layer in (model.embedding, model.cell, model.output):
        layer.set_weights([weights[f"{layer.name}_{i}"] for i in range(len(layer.weights))])
    state = model.initial_state(4)
    sampler = BeamSearch(3, length_penalty=0.6, coverage_penalty=0.2, num_return=2,
                         max_length=8)
    decode = jax.jit(lambda state: sampler(model.next_fn, state, 1, end_id=2))
    outputs = decode(state)
    print(json.dumps({k: np.asarray(v).tolist() for k, v in outputs.items()}))
    """
)


def test_compiles_under_jax_jit_and_matches_tensorflow(tmp_path):
    weights = {}
    for layer in (MODEL.embedding, MODEL.cell, MODEL.output):
        for i, value in enumerate(layer.get_weights()):
            weights[f"{layer.name}_{i}"] = value
    np.savez(tmp_path / "weights.npz", **weights)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    here = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, root, here, str(tmp_path / "weights.npz")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env=dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3",
                 JAX_PLATFORMS="cpu"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jax_outputs = json.loads(result.stdout.strip().splitlines()[-1])
    expected = run(BeamSearch(3, length_penalty=0.6, coverage_penalty=0.2, num_return=2,
                              max_length=8))
    np.testing.assert_array_equal(jax_outputs["tokens"], expected["tokens"])
    np.testing.assert_array_equal(jax_outputs["lengths"], expected["lengths"])
    np.testing.assert_allclose(jax_outputs["scores"], expected["scores"], atol=1e-4)
    np.testing.assert_allclose(jax_outputs["alignments"], expected["alignments"], atol=1e-4)


def _op_types(graph_def):
    types = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        types |= {node.op for node in function.node_def}
    return types


def test_saved_model_runs_in_a_fresh_process_with_standard_ops_only(tmp_path):
    sampler = BeamSearch(3, length_penalty=0.6, num_return=2, max_length=8)
    module = tf.Module()
    module.layers = [MODEL.embedding, MODEL.cell, MODEL.output]

    @tf.function(
        input_signature=[
            tf.TensorSpec((None, 8), tf.float32, name="h"),
            tf.TensorSpec((None, 5, 8), tf.float32, name="memory"),
            tf.TensorSpec((None, 5), tf.bool, name="mask"),
        ]
    )
    def serve(h, memory, mask):
        state = {"h": h, "feed": tf.zeros_like(h), "memory": memory, "mask": mask}
        outputs = sampler(MODEL.next_fn, state, 1, end_id=2, source_mask=mask)
        return {k: outputs[k] for k in ("tokens", "lengths", "scores", "alignments")}

    module.serve = serve
    export_dir = str(tmp_path / "1")
    tf.saved_model.save(module, export_dir, signatures={"serving_default": serve})
    graph_def = serve.get_concrete_function().graph.as_graph_def()
    types = _op_types(graph_def)
    assert "While" in types or "StatelessWhile" in types
    assert {t for t in types if not hasattr(tf.raw_ops, t)} == set()
    inputs = {k: STATE[k] for k in ("h", "memory", "mask")}
    served = predict_in_fresh_process(export_dir, inputs)
    expected = run(sampler, source_mask=STATE["mask"])
    for key in ("tokens", "lengths"):
        np.testing.assert_array_equal(served[key], expected[key], err_msg=key)
    for key in ("scores", "alignments"):
        np.testing.assert_allclose(served[key], expected[key], atol=1e-5, err_msg=key)


def test_the_loop_works_on_tensors_of_unknown_batch_size():
    sampler = BeamSearch(2, max_length=4)
    spec = tf.TensorSpec((None,), tf.int32)
    decode = tf.function(
        lambda start: sampler(table_next_fn(GREEDY_TRAP), (), start, END), input_signature=[spec]
    )
    outputs = to_numpy(decode(tf.constant([0, 2, 0])))
    np.testing.assert_array_equal(
        outputs["tokens"][:, 0], [[2, 3, 0, 0], [3, 0, 0, 0], [2, 3, 0, 0]]
    )
    assert ops.shape(outputs["scores"]) == (3, 1)


def test_config_round_trip():
    sampler = BeamSearch(3, length_penalty=0.6, coverage_penalty=0.2, num_return=2,
                         min_length=2, max_length=9, pad_id=-1)
    config = sampler.get_config()
    assert config == {
        "beam_width": 3, "length_penalty": 0.6, "coverage_penalty": 0.2, "num_return": 2,
        "min_length": 2, "max_length": 9, "pad_id": -1,
    }
    assert BeamSearch.from_config(config).get_config() == config
    greedy = GreedySampler(max_length=5, min_length=2)
    assert GreedySampler.from_config(greedy.get_config()).get_config() == {
        "max_length": 5, "min_length": 2, "pad_id": 0,
    }
