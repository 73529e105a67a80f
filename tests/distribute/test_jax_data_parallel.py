"""JAX backend: `keras.distribution.DataParallel` over two host devices.

`distributed_checks.py jax_data_parallel`, run with `KERAS_BACKEND=jax` and
`XLA_FLAGS=--xla_force_host_platform_device_count=2`, trains the recurrent
conformance specs on one device and with the batch sharded over two.
"""

import pytest
from conformance_specs import SPECS
from distributed_checks import JAX_SUBSET
from distributed_checks import WEIGHTS_ATOL
from distributed_checks import run_checks

RECURRENT_IDS = [spec.test_id for spec in SPECS if spec.recurrent]
ENV = {
    "KERAS_BACKEND": "jax",
    "JAX_PLATFORMS": "cpu",
    "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_checks("jax_data_parallel", tmp_path_factory.mktemp("jax"), env=ENV)


@pytest.fixture(scope="module")
def full_results(tmp_path_factory):
    return run_checks(
        "jax_data_parallel_full", tmp_path_factory.mktemp("jax_full"), timeout=3000, env=ENV
    )


def _assert_data_parallel_run(results, test_ids):
    assert results["devices"] == 2
    assert results["ids"] == test_ids
    run = results["data_parallel"]
    assert "error" not in run, run["error"]
    # The variables are replicated over the two-device batch mesh.
    assert "'batch': 2" in run["kernel_sharding"], run["kernel_sharding"]
    assert "P(None, None)" in run["kernel_sharding"], run["kernel_sharding"]


def _assert_equal_to_one_device(results, test_id):
    record = results["data_parallel"]["table"][test_id]
    assert record["finite"]
    assert record["moved"] > 1e-3, record
    if test_id in results["stochastic"]:
        # A step's key hashes the bits of its inputs and states
        # (`layers/_utils/random.py`): float sums in another order across
        # the devices may change a bit, and then the draws. Training moves.
        return
    assert record["difference"] < WEIGHTS_ATOL, record


def test_two_host_devices(results):
    _assert_data_parallel_run(results, [i for i in RECURRENT_IDS if i in JAX_SUBSET])


@pytest.mark.parametrize("test_id", [i for i in RECURRENT_IDS if i in JAX_SUBSET])
def test_weights_equal_one_device(results, test_id):
    _assert_equal_to_one_device(results, test_id)


@pytest.mark.slow
def test_every_recurrent_layer_on_two_host_devices(full_results):
    _assert_data_parallel_run(full_results, RECURRENT_IDS)


@pytest.mark.slow
@pytest.mark.parametrize("test_id", RECURRENT_IDS)
def test_every_recurrent_layer_equals_one_device(full_results, test_id):
    """About 4 minutes of CPU; the default run has `JAX_SUBSET`."""
    _assert_equal_to_one_device(full_results, test_id)
