"""Glimpse evaluation: deterministic and Monte Carlo error rates; the export
serves probabilities and locations in a fresh process."""

import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications.glimpse import GlimpseClassifier
from keras_memory.applications.glimpse import error_rate
from keras_memory.applications.glimpse import export_glimpse_classifier
from keras_memory.applications.glimpse import monte_carlo_probabilities
from keras_memory.applications.glimpse import serving_model
from keras_memory.export import predict_in_fresh_process


@pytest.fixture(scope="module")
def model():
    return GlimpseClassifier(
        image_shape=(16, 16, 1),
        num_classes=3,
        num_glimpses=2,
        patch_size=4,
        glimpse_units=4,
        location_units=4,
        glimpse_output_units=6,
        core_units=6,
        location_std=0.3,
        seed=1,
    )


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((6, 16, 16, 1)).astype("float32"), np.array([0, 1, 2, 0, 1, 2])


def test_deterministic_error_rate(model, data):
    images, labels = data
    predicted = model.predict(images, verbose=0)["logits"].argmax(-1)
    expected = 100.0 * np.mean(predicted != labels)
    assert error_rate(model, images, labels) == pytest.approx(expected)
    assert error_rate(model, images, labels) == error_rate(model, images, labels)


def test_monte_carlo_averages_sampled_paths(model, data):
    images, labels = data
    probabilities = monte_carlo_probabilities(model, images, num_samples=8)
    assert probabilities.shape == (6, 3)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    # Each path samples its own l_0: one path differs from the mean path, and
    # averaging 8 paths lands between them.
    one = monte_carlo_probabilities(model, images, num_samples=1)
    deterministic = serving_model(model).predict(images, verbose=0)["probabilities"]
    assert not np.allclose(one, deterministic, atol=1e-6)
    mc = error_rate(model, images, labels, monte_carlo_samples=8)
    assert 0.0 <= mc <= 100.0 and (mc * 6 / 100) == pytest.approx(round(mc * 6 / 100))


def test_bad_arguments(model, data):
    images, labels = data
    assert_invalid_argument(monte_carlo_probabilities, "num_samples", 0, model, images, 0)
    assert_invalid_argument(error_rate, "labels", None, model, images, labels[:3])


def test_export_serves_probabilities_and_locations_in_a_fresh_process(model, data, tmp_path):
    images, _ = data
    path = export_glimpse_classifier(model, tmp_path, "glimpse")
    assert path.name == "1"
    served = predict_in_fresh_process(path, {"images": images})
    expected = serving_model(model).predict(images, verbose=0)
    assert set(served) == {"probabilities", "locations"}
    np.testing.assert_allclose(served["probabilities"], expected["probabilities"], atol=1e-5)
    np.testing.assert_allclose(served["locations"], expected["locations"], atol=1e-5)
    assert served["locations"].shape == (6, 2, 2)
    np.testing.assert_array_equal(served["locations"][:, 0], 0.0)  # from the centre
