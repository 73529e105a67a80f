"""The applications' recipes, losses and metrics under `MirroredStrategy`.

Two logical CPU devices; one subprocess (`distributed_checks.py
mirrored_recipes`, apart from the layers' run of `test_mirrored_strategy.py`
so that the two can run on two pytest workers) trains each recipe on one
device and under the strategy, and writes JSON; the tests below read it.
"""

import numpy as np
import pytest
from distributed_checks import WEIGHTS_ATOL
from distributed_checks import run_checks


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_checks("mirrored_recipes", tmp_path_factory.mktemp("mirrored_recipes"))


def _no_error(record):
    assert "error" not in record, record["error"]


def test_two_replicas(results):
    assert results["replicas"] == 2


def _arrays(values):
    return [np.asarray(value, "float32") for value in values]


def _assert_weights_equal(actual, expected, initial):
    actual, expected, initial = _arrays(actual), _arrays(expected), _arrays(initial)
    assert max(np.abs(e - i).max() for e, i in zip(expected, initial)) > 1e-4, "no training"
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, atol=WEIGHTS_ATOL, rtol=0)


# --- Losses and metrics across replicas ---------------------------------------


@pytest.fixture(scope="module")
def skip_rnn(results):
    record = results["skip_rnn_reductions"]
    _no_error(record)
    x = np.asarray(record["x"])
    gates = np.asarray(record["gates"])
    valid = (x != 0).any(-1)
    return record, gates, valid


def test_skip_rnn_gates_take_both_values(skip_rnn):
    _, gates, valid = skip_rnn
    assert set(np.unique(gates[valid])) == {0.0, 1.0}
    np.testing.assert_array_equal(gates[~valid], 0.0)  # padding is no update


@pytest.mark.parametrize("run", ["one_device", "mirrored"])
def test_skip_rnn_budget_loss_is_reduced_over_the_global_batch(skip_rnn, run):
    """`L_budget = lambda mean_b sum_t u_t` (lambda = 1) over all 4 examples,
    though each replica adds the term of its 2."""
    record, gates, _ = skip_rnn
    expected = gates.sum(axis=1).mean()
    np.testing.assert_allclose(record[run]["loss"], expected, rtol=1e-6)


@pytest.mark.parametrize("run", ["one_device", "mirrored"])
def test_skip_rnn_update_rate_is_reduced_over_the_global_batch(skip_rnn, run):
    """Updates over valid steps (both replicas hold as many valid steps)."""
    record, gates, valid = skip_rnn
    np.testing.assert_allclose(
        record[run]["update_rate"], gates.sum() / valid.sum(), rtol=1e-6
    )


def test_skip_rnn_budget_gradient_equals_one_device(skip_rnn):
    """The step of the budget term alone: each replica's gradient of its
    own term, all-reduced (before the fix, half of it was lost)."""
    record, _, _ = skip_rnn
    _assert_weights_equal(
        record["mirrored"]["weights"], record["one_device"]["weights"], record["initial"]
    )


# --- Models whose loss is their own `compute_loss` ------------------------------


@pytest.mark.parametrize("kind", ["soft", "hard", "glimpse"])
def test_own_compute_loss_is_the_global_mean(results, kind):
    """`CaptionTrainer` (soft, hard attention) and `GlimpseClassifier` train
    under the strategy as on one device, and report one device's loss.

    Keras scales only its compiled losses for the replicas; these models'
    `compute_loss` returned each share's mean, so the replicas' gradients
    summed to twice one device's, and the loss was reported doubled (soft
    attention: 24.63 for 12.33, weights 0.05 away after 2 SGD steps)."""
    record = results["own_loss_models"]
    _no_error(record)
    runs = record[kind]
    _assert_weights_equal(
        runs["mirrored"]["weights"], runs["one_device"]["weights"], runs["initial"]
    )
    np.testing.assert_allclose(runs["mirrored"]["loss"], runs["one_device"]["loss"], rtol=1e-5)


# --- The applications' recipes ------------------------------------------------


def test_ntm_copy_recipe_weights_equal_one_device(results):
    one, two = results["ntm_copy/one_device"], results["ntm_copy/mirrored"]
    _no_error(one)
    _no_error(two)
    _assert_weights_equal(two["weights"], one["weights"], one["initial"])
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)


@pytest.fixture(scope="module")
def babi(results):
    one, two = results["babi/one_device"], results["babi/mirrored"]
    _no_error(one)
    _no_error(two)
    assert one["examples"] > 0
    return one, two


def test_babi_recipe_trains_under_the_strategy(babi):
    """`train_babi` runs its epoch, validation and evaluation under the
    strategy; its mean loss is the one-device loss."""
    one, two = babi
    assert all(np.isfinite(w).all() for w in _arrays(two["weights"]))
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)


def test_babi_recipe_weights_equal_one_device(babi):
    """The recipe's weights end where one device's do, as every layer's.

    They ended 5e-3 apart while the recipe's stream was a one-pass dataset
    repeated: Keras reads a batch from an iterator that it drops before
    training under a strategy, which drew the first pass's shuffles, so
    training began at the second pass. The endless stream
    (`bucketed_dataset(repeat=True)`) starts every iterator at `start`."""
    one, two = babi
    for a, b in zip(_arrays(two["weights"]), _arrays(one["weights"])):
        np.testing.assert_allclose(a, b, atol=WEIGHTS_ATOL, rtol=0)


def test_dates_recipe_weights_and_losses_equal_one_device(results):
    """`train_dates` (2 epochs, validation) under the strategy ends where
    one device does.

    Before its stream was the endless `date_dataset(repeat=True)`, the
    dropped iterator of Keras (see the bAbI test above) took the first
    reshuffled pass: the mirrored weights ended 0.09 away."""
    one, two = results["dates/one_device"], results["dates/mirrored"]
    _no_error(one)
    _no_error(two)
    assert one["steps"] == two["steps"] == 8  # 2 epochs of 4 batches
    _assert_weights_equal(two["weights"], one["weights"], one["initial"])
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(two[key], one[key], rtol=1e-5)


def test_captioning_recipe_equals_one_device(results):
    """`train_on_shapes` (its endless stream, `CaptionTrainer`'s global-batch
    loss) and its held-out evaluation under the strategy: one device's."""
    one, two = results["captioning/one_device"], results["captioning/mirrored"]
    _no_error(one)
    _no_error(two)
    for a, b in zip(_arrays(two["weights"]), _arrays(one["weights"])):
        np.testing.assert_allclose(a, b, atol=WEIGHTS_ATOL, rtol=0)
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)
    assert two["validation"] == one["validation"]
    assert one["validation"]["examples"] == 8


def test_glimpse_recipe_trains_and_evaluates_under_the_strategy(results):
    """`train_on_mnist` under the strategy. Its sampled glimpse locations
    are drawn alike by both replicas (`draws_in_training`), so the run is
    not one device's (the classifier's loss itself is: see
    `test_own_compute_loss_is_the_global_mean`); it must train, and its
    validation must measure 1,000 canvases, as on one device."""
    one, two = results["glimpse/one_device"], results["glimpse/mirrored"]
    _no_error(one)
    _no_error(two)
    weights = _arrays(two["weights"])
    assert all(np.isfinite(w).all() for w in weights)
    assert two["validation"]["digits"] == one["validation"]["digits"] == 1000
    # The reported loss is a mean, not a sum over the replicas.
    assert two["loss"][0] < 1.5 * one["loss"][0]
    for key in ("error_percent_mean_path", "error_percent_monte_carlo_2"):
        assert 0.0 <= two["validation"][key] <= 100.0


@pytest.mark.parametrize("run", ["one_device", "mirrored"])
def test_bit_errors_metric_is_reduced_over_the_global_batch(results, run):
    """`evaluate`'s `BitErrorsPerSequence` equals the NumPy cost of the
    model's own predictions (each replica counts its 2 sequences)."""
    from keras_memory.datasets.algorithmic import bit_errors_per_sequence

    record = results[f"ntm_copy/{run}"]
    _no_error(record)
    expected = bit_errors_per_sequence(
        np.asarray(record["targets"]),
        np.asarray(record["predictions"]),
        np.asarray(record["sample_weights"]),
    )
    assert expected > 0  # an untrained model errs: the count is not trivially 0
    np.testing.assert_allclose(record["evaluated_bit_errors"], expected, rtol=1e-6)


def test_predict_on_batch_repeats_the_batch_under_the_strategy(results):
    """Keras 3.15's `predict_on_batch` under MirroredStrategy gives every
    replica the whole batch and concatenates: 8 rows for 4 (upstream;
    `predict` is right). When this fails, Keras has fixed it: update the
    guide."""
    assert results["ntm_copy/one_device"]["predict_on_batch_rows"] == 4
    assert results["ntm_copy/mirrored"]["predict_on_batch_rows"] == 8


def test_copy_evaluation_runs_under_the_strategy(results):
    """`evaluate_copy` (`CopyProgress` of `train_copy`) predicts with
    `predict` under a strategy: the errors of one device's weights. On
    `predict_on_batch` every replica's rows came twice."""
    one, two = results["ntm_copy/one_device"], results["ntm_copy/mirrored"]
    assert set(one["copy_errors"]) == {"1", "2"}
    for length, errors in one["copy_errors"].items():
        assert two["copy_errors"][length] == pytest.approx(errors, abs=1e-6)
