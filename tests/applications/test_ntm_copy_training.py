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


def test_bad_training_arguments(tmp_path):
    model = NTMCopy(weights=None)
    assert_invalid_argument(ntm_copy.train_copy, "sequences", 0, model, 0)
    assert_invalid_argument(ntm_copy.CopyProgress, "every", 0, 16, every=0)
    assert_invalid_argument(
        ntm_copy.CopyProgress, "checkpoint", "best.h5", 16, checkpoint="best.h5"
    )
