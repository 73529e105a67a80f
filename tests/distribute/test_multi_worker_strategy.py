"""`tf.distribute.MultiWorkerMirroredStrategy`: two workers on 127.0.0.1.

`distributed_checks.py multi_worker` starts two worker processes (their
`TF_CONFIG` names both on free ports; they are killed if still running
after `WORKER_TIMEOUT` seconds), each training the NTM copy recipe, then
trains it in one process; the tests compare.
"""

import numpy as np
import pytest
from distributed_checks import WEIGHTS_ATOL
from distributed_checks import WORKERS
from distributed_checks import run_checks


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_checks("multi_worker", tmp_path_factory.mktemp("multi_worker"))


def test_workers_end_by_themselves(results):
    assert not results["timed_out"], results
    assert results["returncodes"] == [0] * WORKERS, results["workers"]
    ports = [address.split(":")[1] for address in results["cluster"]["worker"]]
    assert len(set(ports)) == WORKERS


def test_every_worker_is_one_replica_of_two(results):
    for index, worker in enumerate(results["workers"]):
        assert "error" not in worker, worker["error"]
        assert worker["task"] == {"type": "worker", "index": index}
        assert worker["replicas"] == WORKERS


def test_ntm_copy_weights_equal_one_process(results):
    one = results["one_device"]
    assert "error" not in one, one["error"]
    initial = [np.asarray(w) for w in one["initial"]]
    expected = [np.asarray(w) for w in one["weights"]]
    assert max(np.abs(a - b).max() for a, b in zip(expected, initial)) > 1e-4
    for worker in results["workers"]:
        # Both workers start from the weights of one process (same seed).
        for a, b in zip(worker["initial"], initial):
            np.testing.assert_array_equal(np.asarray(a), b)
        for a, b in zip(worker["weights"], expected):
            np.testing.assert_allclose(np.asarray(a), b, atol=WEIGHTS_ATOL, rtol=0)
        np.testing.assert_allclose(worker["loss"], one["loss"], rtol=1e-5)
