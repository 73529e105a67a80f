"""Training the date normaliser: the model, the one-bucket data, the loss, the budget."""

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications.seq2seq import training
from keras_memory.datasets import dates
from keras_memory.datasets.text import teacher_forcing_arrays

TINY = {"embedding_dim": 4, "encoder_units": 4, "decoder_units": 6, "attention_units": 5,
        "cell": "gru"}


def _tiny_model(jit_compile=False, **kwargs):
    return training.compile_for_dates(
        training.build_date_model(architecture=TINY), jit_compile=jit_compile, **kwargs
    )


def test_build_date_model_shapes_and_default_architecture():
    vocabulary = dates.date_vocabulary()
    model = training.build_date_model(architecture=TINY)
    logits = model({"source_ids": np.full((2, training.SOURCE_LENGTH), 5, "int32"),
                    "decoder_input_ids": np.ones((2, training.TARGET_LENGTH), "int32")})
    assert tuple(logits.shape) == (2, training.TARGET_LENGTH, vocabulary.size)
    assert model.get_layer("encoder").forward_layer.cell.units == 4
    shipped = training.build_date_model()
    assert shipped.get_layer("decoder").cell.units == training.ARCHITECTURE["decoder_units"]
    assert training.TARGET_LENGTH == len("1999-05-04") + 1


def test_date_dataset_has_one_shape_and_teacher_forcing_rows():
    examples = dates.date_normalization(40, seed=3)
    batches = list(training.date_dataset(examples, batch_size=16, shuffle=False))
    assert [len(targets) for _, targets in batches] == [16, 16, 8]
    assert int(training.date_dataset(examples, batch_size=16).cardinality()) == 3
    for inputs, targets in batches:
        assert tuple(inputs["source_ids"].shape[1:]) == (training.SOURCE_LENGTH,)
        assert tuple(targets.shape[1:]) == (training.TARGET_LENGTH,)
    (source, decoder_input), target = teacher_forcing_arrays(
        examples.sources[:16], examples.targets[:16], dates.date_vocabulary(),
        training.SOURCE_LENGTH, training.TARGET_LENGTH,
    )
    inputs, targets = batches[0]
    np.testing.assert_array_equal(inputs["source_ids"], source)
    np.testing.assert_array_equal(inputs["decoder_input_ids"], decoder_input)
    np.testing.assert_array_equal(targets, target)


def test_training_steps_counts_the_partial_batch():
    assert training.training_steps(2, 100, 32) == 8  # 4 batches (32, 32, 32, 4) per epoch
    assert training.training_steps(4) == 4 * 391  # the shipped run: 50,000 / 128


def test_loss_is_the_cross_entropy_of_real_target_ids():
    keras.utils.set_random_seed(1)
    model = _tiny_model()
    examples = dates.date_normalization(8, seed=5)
    inputs, targets = next(iter(training.date_dataset(examples, 8, shuffle=False)))
    targets = np.asarray(targets)
    logits = np.asarray(model(inputs), "float64")
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], -1)[..., 0]
    real = targets != 0
    expected = -picked[real].mean()
    got = model.evaluate(inputs, targets, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_cosine_decay_ends_at_alpha_times_the_rate():
    model = _tiny_model(learning_rate=0.01, decay_steps=10)
    schedule = model.optimizer.learning_rate if callable(
        model.optimizer.learning_rate) else model.optimizer._learning_rate
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(5)) == pytest.approx(0.01 * (training.DECAY_ALPHA + (
        1 - training.DECAY_ALPHA) * 0.5 * (1 + np.cos(np.pi * 0.5))))
    assert float(schedule(10)) == pytest.approx(0.01 * training.DECAY_ALPHA)


@pytest.fixture(scope="module")
def two_seeded_runs():
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(0)
        model = _tiny_model(decay_steps=training.training_steps(2, 48, 16))
        history = training.train_dates(
            model, epochs=2, num_examples=48, batch_size=16, validation_examples=16, verbose=0
        )
        runs.append((model, history))
    return runs


def test_train_dates_runs_its_epoch_budget(two_seeded_runs):
    model, history = two_seeded_runs[0]
    assert len(history.history["loss"]) == 2
    assert len(history.history["val_loss"]) == 2
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 6
    assert history.seconds > 0
    assert all(np.isfinite(history.history["loss"]))


def test_train_dates_repeats_with_the_seed(two_seeded_runs):
    (first, first_history), (second, second_history) = two_seeded_runs
    assert first_history.history["loss"] == second_history.history["loss"]
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_bad_training_arguments_name_the_argument():
    model = training.build_date_model(architecture=TINY)
    assert_invalid_argument(training.compile_for_dates, "learning_rate", None, model,
                            learning_rate=0)
    assert_invalid_argument(training.compile_for_dates, "clipnorm", None, model, clipnorm=-1)
    assert_invalid_argument(training.compile_for_dates, "decay_steps", 0, model, decay_steps=0)
    assert_invalid_argument(training.compile_for_dates, "jit_compile", "yes", model,
                            jit_compile="yes")
    compiled = _tiny_model()
    assert_invalid_argument(training.train_dates, "epochs", 0, compiled, epochs=0)
    assert_invalid_argument(training.train_dates, "num_examples", -1, compiled, num_examples=-1)
    assert_invalid_argument(training.train_dates, "batch_size", 0, compiled, batch_size=0)
    assert_invalid_argument(training.train_dates, "validation_examples", -2, compiled,
                            validation_examples=-2)
