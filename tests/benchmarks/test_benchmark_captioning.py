"""`benchmarks/captioning.py`: soft, hard and no attention on captioned shapes.

The `--quick` run (64 training and 32 held-out scenes, one eager epoch of
each of the five models) is a smoke test of the whole pipeline, about 15 s
of CPU: its numbers only show that training, greedy decoding and the
metrics run. The default run (the lead's, on a quiet machine) is the
benchmark itself.
"""

import math

import pytest
from benchmark_utils import load_benchmark
from benchmark_utils import markdown_tables
from benchmark_utils import run_main
from benchmark_utils import table_columns

ROWS = [
    "soft attention",
    "soft attention, lambda = 0",
    "hard attention",
    "hard attention, lambda = 0",
    "no attention",
]
PERCENT_COLUMNS = [
    "Exact (%)",
    "Exact, 1 obj. (%)",
    "Exact, 2 obj. (%)",
    "Exact, 3 obj. (%)",
    "BLEU-1",
    "BLEU-2",
    "BLEU-3",
    "BLEU-4",
]


def test_quick_run_table_rows_columns_and_ranges(capsys):
    stdout = run_main(capsys, "captioning", "--quick", deterministic=False)
    (table,) = markdown_tables(stdout)
    columns = table_columns(table)
    assert table[0] == [
        "Model", "Parameters", "Examples", *PERCENT_COLUMNS, "Attention correct (%)",
        "Training s",
    ]  # fmt: skip
    assert columns["Model"] == ROWS
    assert columns["Examples"] == ["32"] * len(ROWS)
    for name in PERCENT_COLUMNS:
        for cell in columns[name]:
            assert 0.0 <= float(cell) <= 100.0, (name, cell)
    correctness = dict(zip(ROWS, columns["Attention correct (%)"]))
    assert correctness.pop("no attention") == "n/a"
    for cell in correctness.values():
        assert 0.0 <= float(cell) <= 100.0, correctness
    for cell in columns["Training s"]:
        assert float(cell) >= 0.0 and math.isfinite(float(cell))
    parameters = dict(zip(ROWS, (int(p) for p in columns["Parameters"])))
    script = load_benchmark("captioning")
    assert len(set(parameters[name] for name in ROWS[:4])) == 1, parameters
    assert parameters["soft attention"] - parameters["no attention"] == (
        script.attention_parameters()
    )


def test_parameter_counts_from_layer_sizes():
    script = load_benchmark("captioning")
    # f_att: W_h (decoder units x attention units), W_a (channels x attention
    # units) and v (attention units): 128 * 32 + 64 * 32 + 32.
    assert script.attention_parameters() == 128 * 32 + 64 * 32 + 32 == 6176
    soft, hard, none = (script.build(a, seed=0) for a in ("soft", "hard", "none"))
    attention = soft.get_layer("decoder").attention.count_params()
    assert attention == script.attention_parameters()
    assert script.used_parameters(soft) == soft.count_params()
    assert script.used_parameters(hard) == script.used_parameters(soft)
    # The no-attention model holds f_att too (the same code builds it), unused.
    assert none.count_params() == soft.count_params()
    assert script.used_parameters(none) == script.used_parameters(soft) - attention
    # 7 x 7 locations (one per object cell) of 64 channels for the 56 x 56 images.
    assert tuple(soft.output["alignments"].shape[1:]) == (None, 7 * 7)
    assert tuple(none.output["alignments"].shape[1:]) == (None, 1)


def test_learning_rate_decays_to_two_percent_over_the_run():
    import argparse

    script = load_benchmark("captioning")
    args = argparse.Namespace(learning_rate=3e-3, epochs=2, examples=100, batch_size=32)
    schedule = script.learning_rate(args)
    steps = 2 * 4  # ceil(100 / 32) steps an epoch
    assert float(schedule(0)) == pytest.approx(3e-3)
    assert float(schedule(steps)) == pytest.approx(3e-3 * 0.02)
    assert float(schedule(steps // 2)) == pytest.approx(3e-3 * (0.02 + 0.98 * 0.5))


def test_unknown_model_is_an_error(capsys):
    with pytest.raises(SystemExit) as error:
        load_benchmark("captioning").main(["--quick", "--models", "soft", "glimpse"])
    assert error.value.code == 2
    assert "invalid choice: 'glimpse'" in capsys.readouterr().err


def test_models_subset_keeps_the_table_order(capsys):
    stdout = run_main(
        capsys, "captioning", "--quick", "--models", "none", "soft",
        deterministic=False,
    )  # fmt: skip
    (table,) = markdown_tables(stdout)
    assert table_columns(table)["Model"] == ["soft attention", "no attention"]


def test_reinforce_weight_reaches_the_trainer(capsys, monkeypatch):
    script = load_benchmark("captioning")
    weights = []

    class Recording(script.CaptionTrainer):
        def __init__(self, captioner, **kwargs):
            super().__init__(captioner, **kwargs)
            weights.append(self.reinforce_weight)

    monkeypatch.setattr(script, "CaptionTrainer", Recording)
    script.main(["--quick", "--models", "hard", "--reinforce-weight", "0.01"], deterministic=False)
    assert weights == [0.01]
    assert "REINFORCE weight 0.01" in capsys.readouterr().out
