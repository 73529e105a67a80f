"""`tf.distribute.MirroredStrategy` over two logical CPU devices.

One subprocess (`distributed_checks.py mirrored`) trains every conformance
spec and writes JSON; the tests below read it. The recipes, losses and
metrics are in `test_mirrored_recipes.py`. See `distributed_checks.py` for
how each run is made.
"""

import pytest
from conformance_specs import SPECS
from distributed_checks import WEIGHTS_ATOL
from distributed_checks import XLA_SUBSET
from distributed_checks import run_checks

IDS = [spec.test_id for spec in SPECS]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_checks("mirrored", tmp_path_factory.mktemp("mirrored"))


def _no_error(record):
    assert "error" not in record, record["error"]


def _assert_equal_to_one_device(sweep, check, test_id):
    _no_error(sweep[check])
    record = sweep[check][test_id]
    assert record["finite"]
    # The layer trained at all (else equality would say nothing).
    assert record["moved"] > 1e-3, record
    assert record["difference"] < WEIGHTS_ATOL, record


def test_two_replicas(results):
    assert results["replicas"] == 2
    assert results["layers"]["ids"] == IDS
    assert sorted(results["xla_subset"]["ids"]) == sorted(XLA_SUBSET)


@pytest.mark.parametrize("test_id", IDS)
def test_weights_equal_one_device(results, test_id):
    """After the steps (Keras `fit` under the strategy, run eagerly) every
    layer's weights are the one-device run's."""
    _assert_equal_to_one_device(results["layers"], "fit", test_id)


@pytest.mark.parametrize("check", ["fit", "per_replica_xla"])
@pytest.mark.parametrize("test_id", XLA_SUBSET)
def test_traced_and_xla_steps_equal_one_device(results, check, test_id):
    """The traced `fit` step and the per-replica XLA step, on a few layers
    (every layer: the slow `test_every_layer_traced_and_xla`)."""
    _assert_equal_to_one_device(results["xla_subset"], check, test_id)


@pytest.fixture(scope="module")
def full_results(tmp_path_factory):
    return run_checks("mirrored_full", tmp_path_factory.mktemp("mirrored_full"), timeout=3000)


@pytest.mark.slow
@pytest.mark.parametrize("check", ["fit", "per_replica_xla"])
@pytest.mark.parametrize("test_id", IDS)
def test_every_layer_traced_and_xla(full_results, check, test_id):
    """Every layer with the traced `fit` step and the per-replica XLA step
    (about 6 minutes of CPU: the default run covers the layers eagerly and
    these two steps on `XLA_SUBSET`)."""
    _assert_equal_to_one_device(full_results["layers"], check, test_id)


def test_stochastic_layers_are_the_seeded_ones(results):
    """The layers that draw in training are compared on equal halves."""
    expected = {
        spec.test_id
        for spec in SPECS
        if spec.test_id.startswith("ZoneoutCell")
        or spec.test_id in ("MemoryNetwork-layerwise", "MemoryCell-hard")
    }
    assert expected <= set(results["layers"]["stochastic"])


def test_keras_fit_with_jit_compile_fails_under_the_strategy(results):
    """Keras 3.15 XLA-compiles the cross-replica step, which XLA cannot
    place on two devices (Keras issue 19005; `jit_compile="auto"` is off
    under tf.distribute for this reason). When this starts to pass, the
    guide's advice (the per-replica XLA step) can go."""
    error = results["keras_jit_error"]
    assert error is not None
    assert "Trying to access resource" in error
