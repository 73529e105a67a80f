"""Smoke tests of `benchmarks/seq2seq.py`: its pieces on tiny sizes, its tables."""

import math

import keras
import numpy as np
import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_benchmark
from benchmark_utils import run_main
from benchmark_utils import table_columns

from keras_memory.applications.seq2seq import generate
from keras_memory.datasets import digit_tasks
from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler


def _number(cell):
    value = float(cell.replace(",", ""))
    assert math.isfinite(value), cell
    return value


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("seq2seq")


@pytest.fixture(scope="module")
def tiny(bench):
    args = bench.parse_args(["--quick"])
    vocabulary = digit_tasks.digit_vocabulary()
    keras.utils.set_random_seed(0)
    model = bench.attention_model(vocabulary, args)
    rng = np.random.default_rng(0)
    # Peaked next-token distributions: no answer hangs on a float near-tie.
    model.set_weights([rng.normal(0, 1.5, w.shape).astype("float32") for w in model.get_weights()])
    sources, _ = digit_tasks.digit_reversal(5, 2, 6, seed=3)
    ids, _ = vocabulary.encode(sources, 7)
    return args, vocabulary, model, ids


def test_quick_flags(bench):
    args = bench.parse_args(["--quick", "--decode-batch", "3"])
    assert args.decode_batch == 3  # a flag given wins over the quick size
    assert args.decoder_units == 16 and args.train_jit is False
    assert bench.parse_args([]).decode_batch == 64


def test_unknown_parts_are_refused(bench, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--parts", "speed"])
    assert exit_info.value.code == 2
    assert "unknown parts ['speed']" in capsys.readouterr().err


def test_baseline_has_the_attention_models_parameters(bench, tiny):
    args, vocabulary, model, _ = tiny
    units = bench.baseline_units(vocabulary, args)
    assert units > args.decoder_units  # without attention's weights, a wider decoder

    def count(u):
        return bench.attention_model(
            vocabulary, args, attention="none", decoder_units=u
        ).count_params()

    target = model.count_params()
    # The closest count there is: one unit more or less is further away.
    assert abs(count(units) - target) <= abs(count(units + 1) - target)
    assert abs(count(units) - target) <= abs(count(units - 1) - target)


def test_python_loops_decode_as_the_samplers(bench, tiny):
    _, _, model, ids = tiny
    greedy = bench.python_loop_greedy(model, ids, 6)
    expected = keras.ops.convert_to_numpy(
        generate(model, ids, GreedySampler(max_length=6))["tokens"]
    )[:, 0]
    greedy = keras.ops.convert_to_numpy(greedy)
    np.testing.assert_array_equal(greedy, expected[:, : greedy.shape[1]])
    assert not expected[:, greedy.shape[1]:].any()  # only padding after the loop stopped
    tokens, log_probs = bench.python_loop_beam(model, ids, 6)
    outputs = generate(model, ids, BeamSearch(bench.BEAM_WIDTH, max_length=6))
    expected = keras.ops.convert_to_numpy(outputs["tokens"])[:, 0]
    tokens = keras.ops.convert_to_numpy(tokens)
    np.testing.assert_array_equal(tokens, expected[:, : tokens.shape[1]])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(log_probs),
        keras.ops.convert_to_numpy(outputs["log_probs"])[:, 0],
        rtol=1e-5,
    )


def test_length_groups_and_exact_match(bench):
    groups = bench.length_groups([1, 5, 6, 11, 3], 5, 11)
    assert [label for label, _ in groups] == ["1-5", "6-10", "11"]
    assert [mask.tolist() for _, mask in groups] == [
        [True, True, False, False, True],
        [False, False, True, False, False],
        [False, False, False, True, False],
    ]
    assert bench.exact_match(["ab", "c", "d"], ["ab", "x", "d"]) == pytest.approx(2 / 3)
    assert bench.exact_match([], []) == 0.0


def test_translate_answers_in_source_order(bench, tiny):
    args, vocabulary, model, ids = tiny
    sources = ["12", "9", "12345", "0"]
    answers = bench.translate(model, vocabulary, sources, 6, batch_size=2)
    for source, answer in zip(sources, answers):
        source_ids, _ = vocabulary.encode([source], 8)
        tokens = generate(model, source_ids, GreedySampler(max_length=6))["tokens"]
        assert answer == vocabulary.decode(keras.ops.convert_to_numpy(tokens)[0, 0])


def test_quick_speed_parts_in_process(capsys):
    stdout = run_main(
        capsys, "seq2seq", "--quick", "--parts", "decoding,training", "--format",
        "markdown", "--repeats", "1", "--decode-batch", "2", "--decode-length", "3",
        "--train-batch", "2",
    )
    assert "(decoding: " in stdout and "(training: " in stdout
    decoding, training = markdown_tables(stdout)
    columns = table_columns(decoding)
    assert columns["strategy"] == ["greedy"] * 3 + ["beam 4"] * 3
    assert columns["method"][:3] == [
        "Python step loop (eager)", "generate, tf.function", "generate, tf.function + XLA",
    ]
    assert [columns["x Python loop"][i] for i in (0, 3)] == ["1.00", "1.00"]
    assert all(_number(cell) > 0 for cell in columns["sequences/s"] + columns["x Python loop"])
    columns = table_columns(training)
    assert columns["jit_compile"] == ["False", "True"]
    assert all(_number(cell) > 0 for cell in columns["steps/s"])
    assert columns["ratio to no XLA"][0] == "1.00"


@pytest.mark.slow  # fast: the tests of the pieces above
def test_quick_run_prints_every_table():
    result = run_benchmark("seq2seq.py", "--quick", "--format", "markdown")
    assert result.returncode == 0, result.stderr[-4000:]
    tables = markdown_tables(result.stdout)
    assert len(tables) == 4  # dates, reversal, decoding, training
    dates = table_columns(tables[0])
    assert dates["group"][-1] == "all"
    assert {"language en", "language fr", "language de"} <= set(dates["group"])
    for table in tables[:2]:
        columns = table_columns(table)
        for cell in columns["attention % exact"] + columns["no attention % exact"]:
            assert 0 <= _number(cell) <= 100
    reversal = table_columns(tables[1])
    assert reversal["length"] == ["1-4", "5-8"] and reversal["in 1-4"] == ["yes", "no"]
