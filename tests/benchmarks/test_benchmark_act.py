"""`benchmarks/act.py`: parity with ACT, Repeat-RNN and the one-step RNN.

The fast tests check the pieces the tables are made of (models of equal
cell, Repeat-RNN's input, the ponder times read back); the `--quick` run
of the whole script (about 30 s of CPU: seven XLA models) is `slow`.
"""

import keras
import numpy as np
import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns

from keras_memory.datasets import parity


def test_models_share_the_cell_and_differ_by_the_flag_and_the_halting_unit():
    act = load_benchmark("act")
    units, bits = 8, 6
    counts = {
        kind: act.build(kind, bits, units, max_ponder_steps=4, ponder_cost=1e-3,
                        halting_bias=-3.0, repeats=3).count_params()
        for kind in ("one-step", "repeat", "act")
    }
    cell = bits * units + units * units + units  # SimpleRNN: W, U, b
    head = units + 1
    assert counts["one-step"] == cell + head
    assert counts["repeat"] == counts["one-step"] + units  # the flag's column of W
    assert counts["act"] == counts["repeat"] + units + 1  # W_h, b_h


def test_repeat_input_flags_the_first_of_each_steps_copies():
    act = load_benchmark("act")
    x = np.arange(12, dtype="float32").reshape(2, 2, 3)
    repeated = keras.ops.convert_to_numpy(act.RepeatWithFlag(3)(x))
    assert repeated.shape == (2, 6, 4)
    np.testing.assert_array_equal(repeated[0, :, :3], np.repeat(x[0], 3, axis=0))
    np.testing.assert_array_equal(repeated[:, :, 3], [[1, 0, 0, 1, 0, 0]] * 2)


def test_ponder_times_are_those_of_the_trained_layer():
    act = load_benchmark("act")
    model = act.build("act", 6, 8, max_ponder_steps=5, ponder_cost=1e-3, halting_bias=-1.0)
    inputs, _ = parity(16, bits=6, seed=0)
    ponder = act.ponder_times(model, inputs)
    layer = model.get_layer("recurrent")
    cell_outputs = keras.layers.RNN(layer.cell, return_sequences=True)(inputs)
    np.testing.assert_allclose(ponder, keras.ops.convert_to_numpy(cell_outputs)[:, 0, -1],
                               rtol=1e-6)
    assert ((ponder > 1.0) & (ponder < 6.0)).all()


@pytest.mark.slow
def test_quick_run_prints_both_tables(capsys):
    stdout = run_main(capsys, "act", "--quick")
    parity_table, inference = (table_columns(t) for t in markdown_tables(stdout))
    assert parity_table["model"][:3] == ["one-step RNN", "Repeat-RNN, K=5", "Repeat-RNN, K=10"]
    assert parity_table["cell steps"][:3] == ["1.00", "5.00", "10.00"]
    for steps, ponder in zip(parity_table["cell steps"][3:], parity_table["mean ρ"][3:]):
        # ρ = N + R with 0 < R <= 1, and N <= M = 4 in the quick run.
        assert float(steps) < float(ponder) <= float(steps) + 1 and float(steps) <= 4
    assert inference["batch"] == ["1", "128"] * 4
    for early, full, ratio in zip(
        inference["stop early ms"], inference["all M steps ms"], inference["ratio"]
    ):
        assert abs(float(ratio) - float(early) / float(full)) < 0.01 + 0.001 / float(full)


def test_addition_models_share_the_lstm_and_differ_by_the_flag_and_the_halting_unit():
    addition = load_benchmark("act_addition")
    units, digits = 8, 2
    lstm = addition.build(5, digits, units).count_params()
    act = addition.build(5, digits, units, ponder_cost=1e-3, max_ponder_steps=3).count_params()
    # The flag's row of the LSTM kernel (4 gates), and W_h over [h, c] plus b_h.
    assert act - lstm == 4 * units + 2 * units + 1


def test_addition_errors_count_digits_and_whole_sequences():
    addition = load_benchmark("act_addition")
    targets = np.zeros((2, 3, 2), "int32")
    weights = np.array([[0, 1, 1], [0, 1, 0]], "float32")

    class Fixed:
        def predict(self, inputs, **kwargs):
            logits = np.zeros((2, 3, 2, 11))
            logits[..., 0] = 1.0  # predicts digit 0 everywhere
            logits[0, 2, 1] = [0, 5] + [0] * 9  # one wrong digit in sequence 0
            logits[1, 2] = 0.0
            logits[1, 2, :, 3] = 1.0  # wrong, but at a step without a target
            return logits

    digit_error, sequence_error = addition.errors(Fixed(), None, targets, weights)
    assert digit_error == 1 / 6  # 3 target steps of 2 digits, one wrong
    assert sequence_error == 0.5


@pytest.mark.slow
def test_addition_quick_run_prints_the_table(capsys):
    stdout = run_main(capsys, "act_addition", "--quick")
    (table,) = (table_columns(t) for t in markdown_tables(stdout))
    assert table["model"] == ["LSTM", "ACT LSTM, τ=0.001", "ACT LSTM, τ=0.01"]
    assert table["ρ step 1"][0] == "1.00"
    for value in table["ρ step 1"][1:]:
        assert 1.0 < float(value) <= 4.0  # N + R with M = 3
