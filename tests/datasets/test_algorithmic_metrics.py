"""The algorithmic tasks' cost: wrong bits per sequence, NumPy and Keras."""

import doctest
import json
import zipfile

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.datasets.algorithmic import BitErrorsPerSequence
from keras_memory.datasets.algorithmic import bit_errors_per_sequence
from keras_memory.datasets.algorithmic import copy_task
from keras_memory.datasets.algorithmic import metrics


def test_bit_errors_per_sequence_by_hand():
    targets = np.zeros((2, 4, 3), "float32")
    targets[1, 3] = 1.0
    predictions = np.zeros((2, 4, 3), "float32")
    predictions[1, 3] = 0.9  # right
    predictions[0, 3] = [0.7, 0.6, 0.9]  # 3 wrong bits, scored
    predictions[1, 0] = 0.9  # 3 wrong bits, not scored
    weights = np.array([[0, 0, 1, 1], [0, 0, 1, 1]], "float32")
    assert bit_errors_per_sequence(targets, predictions, weights) == 1.5
    assert bit_errors_per_sequence(targets, predictions) == 3.0  # all steps
    # 0.5 is not above the threshold: it reads as 0.
    assert bit_errors_per_sequence(targets, np.full_like(targets, 0.5)) == 1.5
    # Per-sequence weights (B,) broadcast over the steps.
    assert bit_errors_per_sequence(targets, predictions, [1.0, 0.0]) == 1.5
    logits = predictions - 0.5
    assert bit_errors_per_sequence(targets, logits, threshold=0.0) == 3.0


def test_keras_metric_equals_numpy_and_survives_its_config():
    batches = [copy_task(4, 2, 6, seed=s) for s in range(3)]
    rng = np.random.default_rng(0)
    metric = BitErrorsPerSequence()
    errors = sequences = 0.0
    for _, targets, weights in batches:
        predictions = rng.uniform(0, 1, targets.shape).astype("float32")
        metric.update_state(targets, predictions, weights)
        errors += 4 * bit_errors_per_sequence(targets, predictions, weights)
        sequences += 4
    assert float(metric.result()) == pytest.approx(errors / sequences)

    clone = BitErrorsPerSequence.from_config(
        BitErrorsPerSequence(threshold=0.25, name="bits").get_config()
    )
    assert (clone.threshold, clone.name) == (0.25, "bits")
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(clone)
    )
    assert isinstance(restored, BitErrorsPerSequence)
    assert restored.get_config() == clone.get_config()
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_keras_metric_in_compile_is_weighted_only_as_a_weighted_metric():
    inputs, targets, weights = copy_task(6, 3, 3, seed=1)
    model = keras.Sequential(
        [keras.Input((7, 9)), keras.layers.Dense(8, activation="sigmoid")]
    )
    model.compile(
        loss="binary_crossentropy",
        metrics=[BitErrorsPerSequence(name="all_steps")],
        weighted_metrics=[BitErrorsPerSequence(name="scored_steps")],
    )
    results = model.evaluate(
        inputs, targets, sample_weight=weights, batch_size=4, verbose=0,
        return_dict=True,
    )
    predictions = model.predict(inputs, verbose=0)
    assert results["scored_steps"] == pytest.approx(
        bit_errors_per_sequence(targets, predictions, weights)
    )
    assert results["all_steps"] == pytest.approx(
        bit_errors_per_sequence(targets, predictions)
    )
    assert results["all_steps"] > results["scored_steps"]


# As `keras.saving.serialize_keras_object` wrote the metric before the
# module became a package (recorded from `keras_memory.datasets.algorithmic`).
SERIALIZED_BEFORE_THE_MOVE = {
    "module": "keras_memory.datasets.algorithmic",
    "class_name": "BitErrorsPerSequence",
    "config": {"name": "bits", "dtype": "float32", "threshold": 0.25},
    "registered_name": "keras_memory>BitErrorsPerSequence",
}


def test_the_registered_name_is_unchanged_so_old_configs_load():
    assert keras.saving.get_registered_name(BitErrorsPerSequence) == (
        "keras_memory>BitErrorsPerSequence"
    )
    restored = keras.saving.deserialize_keras_object(SERIALIZED_BEFORE_THE_MOVE)
    assert type(restored) is BitErrorsPerSequence
    assert (restored.threshold, restored.name) == (0.25, "bits")


def test_a_keras_file_written_with_the_former_module_path_loads(tmp_path):
    # Every prediction is 0.4: all ones at the threshold 0.25, zeros at 0.5.
    model = keras.Sequential(
        [
            keras.Input((3, 2)),
            keras.layers.Dense(
                2,
                activation="sigmoid",
                kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant(np.log(0.4 / 0.6)),
            ),
        ]
    )
    model.compile(
        loss="binary_crossentropy",
        weighted_metrics=[BitErrorsPerSequence(threshold=0.25, name="bits")],
    )
    model.optimizer.build(model.trainable_variables)
    model.save(tmp_path / "new.keras")
    # The same file as the former module wrote it: only the module differs.
    old_path = tmp_path / "old.keras"
    with zipfile.ZipFile(tmp_path / "new.keras") as new, zipfile.ZipFile(
        old_path, "w"
    ) as old:
        for item in new.infolist():
            data = new.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                (metric,) = config["compile_config"]["weighted_metrics"]
                assert metric["module"] == "keras_memory.datasets.algorithmic.metrics"
                metric["module"] = SERIALIZED_BEFORE_THE_MOVE["module"]
                assert metric == SERIALIZED_BEFORE_THE_MOVE
                data = json.dumps(config)
            old.writestr(item, data)
    loaded = keras.saving.load_model(old_path)
    inputs, targets, weights = copy_task(4, 3, 3, seed=0)
    inputs, targets = inputs[..., :2], targets[..., :2]
    results = loaded.evaluate(
        inputs, targets, sample_weight=weights, verbose=0, return_dict=True
    )
    # The metric came back with its name and its threshold of 0.25: every
    # scored bit is predicted 1, so the errors are the scored zeros.
    wrong_at_025 = float(((targets == 0) * weights[..., None]).sum() / 4)
    wrong_at_05 = float(((targets == 1) * weights[..., None]).sum() / 4)
    assert wrong_at_025 != wrong_at_05
    assert results["bits"] == pytest.approx(wrong_at_025)


def test_bad_threshold():
    for bad in ("half", float("nan"), float("inf"), True):
        assert_invalid_argument(BitErrorsPerSequence, "threshold", bad, threshold=bad)
        assert_invalid_argument(
            bit_errors_per_sequence, "threshold", bad, np.zeros((1, 2, 2)),
            np.zeros((1, 2, 2)), threshold=bad,
        )


def test_docstring_examples_run():
    result = doctest.testmod(metrics, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
