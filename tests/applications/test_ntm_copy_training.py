"""Training the copy NTM: train_copy lowers the errors, CopyProgress checkpoints."""

import json

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications import NTMCopy
from keras_memory.applications import ntm_copy


def test_training_lowers_the_bit_errors():
    # 20 steps on sequences of one or two vectors, at a learning rate 100
    # times the paper's so that a few seconds show it.
    keras.utils.set_random_seed(0)
    model = ntm_copy.compile_for_copy(NTMCopy(weights=None), learning_rate=1e-2)
    before = ntm_copy.evaluate_copy(model, lengths=[1, 2])
    progress = ntm_copy.train_copy(
        model, 320, batch_size=16, min_length=1, max_length=2, verbose=0
    )
    after = ntm_copy.evaluate_copy(model, lengths=[1, 2])
    assert [row["sequences"] for row in progress.history] == [320]
    assert before[1] > 3.0  # about half of the 8 bits wrong
    assert after[1] < 0.5 * before[1], (before, after)
    assert after[2] < before[2], (before, after)


def test_copy_progress_checkpoints_the_best_weights(tmp_path):
    model = ntm_copy.compile_for_copy(NTMCopy(weights=None))
    checkpoint = tmp_path / "best.weights.h5"
    progress = ntm_copy.train_copy(
        model, 64, batch_size=16, every=2, checkpoint=checkpoint, verbose=0
    )
    assert [row["sequences"] for row in progress.history] == [32, 64]
    assert checkpoint.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.h5"]  # no partial file
    best_errors = min(row["mean_bit_errors"] for row in progress.history)
    assert progress.best["mean_bit_errors"] == best_errors
    assert json.loads(json.dumps(progress.history)) == progress.history
    # The checkpoint holds the best evaluation's weights: evaluating it
    # again (same sequences) gives that evaluation's score.
    restored = NTMCopy(weights=checkpoint)
    errors = ntm_copy.evaluate_copy(restored)
    assert np.mean(list(errors.values())) == pytest.approx(best_errors, abs=1e-6)


def test_a_padded_batch_has_the_loss_metric_and_update_of_the_unpadded_one():
    # Padding a batch to a length bucket (copy_dataset(buckets=...)) adds
    # zero steps of weight 0 after the answer: the loss (a mean over the
    # scored bits), the bit errors and the gradient step are unchanged.
    from keras_memory.datasets.algorithmic import copy_task
    from keras_memory.datasets.algorithmic import pad_to_bucket

    batch = copy_task(4, 6, 6, seed=3)  # 13 steps
    padded = pad_to_bucket(*batch, (31,))
    results = []
    for inputs, targets, weights in (batch, padded):
        keras.utils.set_random_seed(0)
        model = ntm_copy.compile_for_copy(
            NTMCopy(weights=None, memory_size=16), learning_rate=1e-3, jit_compile=False
        )
        evaluated = model.evaluate(inputs, targets, sample_weight=weights, verbose=0)
        model.train_on_batch(inputs, targets, sample_weight=weights)
        results.append((evaluated, model.get_weights()))
    (loss, errors), weights = results[0]
    (padded_loss, padded_errors), padded_weights = results[1]
    assert padded_loss == pytest.approx(loss, rel=1e-6)
    assert padded_errors == errors
    # The loss is the mean cross-entropy per scored bit: an untrained model
    # predicts about 0.5 everywhere, so about log 2.
    assert loss == pytest.approx(np.log(2.0), rel=0.05)
    for after, padded_after in zip(weights, padded_weights):
        np.testing.assert_allclose(padded_after, after, atol=1e-6)


def test_compile_for_copy_uses_xla_by_default():
    # The package's "auto": XLA on, on this CPU too (Keras's "auto" is off).
    model = ntm_copy.compile_for_copy(NTMCopy(weights=None, memory_size=8))
    assert model.jit_compile is True
    # Evaluating on 20 lengths does not compile an XLA predict step per
    # length: the forward pass runs traced without XLA, with the same
    # numbers as the uncompiled model's predict.
    errors = ntm_copy.evaluate_copy(model, lengths=[1, 2, 3])
    assert model.predict_function is None
    plain = NTMCopy(weights=None, memory_size=8)
    plain.set_weights(model.get_weights())
    assert ntm_copy.evaluate_copy(plain, lengths=[1, 2, 3]) == pytest.approx(errors)
    assert ntm_copy.compile_for_copy(model, jit_compile=False).jit_compile is False


def test_bad_training_arguments(tmp_path):
    model = NTMCopy(weights=None)
    assert_invalid_argument(ntm_copy.train_copy, "sequences", 0, model, 0)
    assert_invalid_argument(ntm_copy.train_copy, "buckets", 0, model, 16, buckets=0)
    assert_invalid_argument(
        ntm_copy.train_copy, "buckets", (11, 21), model, 16, buckets=(11, 21)
    )
    assert_invalid_argument(ntm_copy.CopyProgress, "every", 0, 16, every=0)
    assert_invalid_argument(
        ntm_copy.CopyProgress, "checkpoint", "best.h5", 16, checkpoint="best.h5"
    )
