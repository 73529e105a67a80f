"""Exports under concurrency: threads sharing a SavedModel, processes sharing a name."""

import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_memory.export import export_for_serving
from keras_memory.layers import NTM
from keras_memory.layers import SkipRNN

REPO = pathlib.Path(__file__).resolve().parents[2]


def _model():
    sequence = keras.Input((None, 3), name="sequence")
    memory = NTM(units=4, memory_size=6, memory_width=3, seed=2, name="ntm")(sequence)
    skip = SkipRNN(keras.layers.GRUCell(3), name="skip")(sequence)
    joined = keras.layers.Concatenate()([memory, skip])
    return keras.Model(sequence, keras.layers.Dense(2, name="scores")(joined))


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(5)
    return _model()


def test_eight_threads_on_one_loaded_model_equal_sequential_calls(model, tmp_path):
    path = export_for_serving(model, tmp_path, "shared")
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    rng = np.random.default_rng(3)
    # Different batch sizes and lengths per thread, so that no two calls are
    # alike and a mix-up between threads would show.
    inputs = [
        rng.normal(size=(1 + index % 3, 4 + index, 3)).astype("float32") for index in range(8)
    ]
    sequential = [serve(sequence=tf.constant(x))["scores"].numpy() for x in inputs]
    for x, expected in zip(inputs, sequential):
        np.testing.assert_allclose(
            expected, keras.ops.convert_to_numpy(model(x)), atol=1e-5
        )

    barrier = threading.Barrier(len(inputs))
    results = [[] for _ in inputs]
    errors = []

    def call(index):
        try:
            barrier.wait(timeout=60)  # all eight start together
            for _ in range(5):
                reply = serve(sequence=tf.constant(inputs[index]))
                results[index].append(reply["scores"].numpy())
        except Exception as error:  # reported below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=call, args=(index,)) for index in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    for index, expected in enumerate(sequential):
        assert len(results[index]) == 5
        for got in results[index]:
            np.testing.assert_allclose(got, expected, atol=1e-6, err_msg=str(index))


# Each exporter process loads the model, says it is ready, waits for the
# common start, then exports. With "kill" it stops after the SavedModel is
# written into its staging directory and before the rename (the moment a
# partial version could leak), says so, and waits to be killed.
_EXPORTER = r"""
import os, pathlib, sys, time
model_path, base_dir, ready, go, mode = sys.argv[1:6]
import keras
import keras_memory  # noqa: F401  (registers the layers)
from keras_memory.export import export_for_serving
model = keras.saving.load_model(model_path)
if mode == "kill":
    # ExportArchive() returns the backend's subclass: patch that one.
    archive_class = type(keras.export.ExportArchive())
    write_out = archive_class.write_out
    def write_then_hang(self, filepath, **kwargs):
        write_out(self, filepath, **kwargs)
        pathlib.Path(ready + ".written").write_text(filepath)
        time.sleep(600)
    archive_class.write_out = write_then_hang
pathlib.Path(ready).touch()
while not os.path.exists(go):
    time.sleep(0.01)
print(export_for_serving(model, base_dir, "shared").name)
"""


def _complete(version_dir):
    return (version_dir / "saved_model.pb").is_file() and (
        version_dir / "variables" / "variables.index"
    ).is_file()


def test_concurrent_exporters_get_distinct_versions_and_a_killed_one_leaves_none(
    model, tmp_path
):
    model_path = tmp_path / "model.keras"
    model.save(model_path)
    base_dir, go = tmp_path / "serving", tmp_path / "go"
    model_dir = base_dir / "shared"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(REPO))
    # Two exporting processes: a child and this one (in a thread, while the
    # main thread watches the directory); a third is killed midway.
    modes = ["export", "kill"]
    ready = [tmp_path / f"ready-{index}" for index in range(len(modes))]
    # Files, not pipes: a child that logs much must never block on a full pipe.
    logs = [
        (open(f"{flag}.out", "w+"), open(f"{flag}.err", "w+")) for flag in ready
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _EXPORTER, str(model_path), str(base_dir),
             str(flag), str(go), mode],
            stdout=out, stderr=err, env=env, cwd=tmp_path,
        )
        for flag, mode, (out, err) in zip(ready, modes, logs)
    ]
    killer = processes[-1]
    try:
        deadline = time.monotonic() + 300
        while not all(flag.exists() for flag in ready):
            assert all(p.poll() is None for p in processes), [
                pathlib.Path(f"{flag}.err").read_text()[-3000:]
                for p, flag in zip(processes, ready) if p.poll() is not None
            ]
            assert time.monotonic() < deadline, "exporters never became ready"
            time.sleep(0.05)
        ours = []
        exporter = threading.Thread(
            target=lambda: ours.append(export_for_serving(model, base_dir, "shared").name)
        )
        go.touch()
        exporter.start()

        # Watch the directory as TF Serving does, until every exporter is done:
        # a numeric entry must be a complete SavedModel whenever it is seen.
        seen = set()
        written = pathlib.Path(f"{ready[-1]}.written")
        while processes[0].poll() is None or killer.poll() is None or exporter.is_alive():
            if model_dir.is_dir():
                for entry in model_dir.iterdir():
                    if entry.name.isdigit() and entry.name not in seen:
                        assert _complete(entry), f"partial version visible: {entry}"
                        seen.add(entry.name)
            if written.exists() and killer.poll() is None:
                os.kill(killer.pid, signal.SIGKILL)
            assert time.monotonic() < deadline, "exporters did not finish"
            time.sleep(0.005)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process in processes:
        process.wait(timeout=60)
    outcomes = []
    for out, err in logs:
        out.seek(0), err.seek(0)
        outcomes.append((out.read(), err.read()))
        out.close(), err.close()
    assert processes[0].returncode == 0, outcomes[0][1][-3000:]
    assert killer.returncode == -signal.SIGKILL
    versions = [outcomes[0][0].strip(), *ours]
    assert len(set(versions)) == 2, versions

    # The killed export claimed a version that never appeared: it left only
    # hidden entries, which TF Serving ignores.
    lock = next(
        path for path in model_dir.glob(".version-*.lock")
        if path.read_text().strip() == str(killer.pid)
    )
    killed_version = lock.name.split("-")[1].split(".")[0]
    assert killed_version not in versions
    staging = pathlib.Path(written.read_text())  # killed after writing it, before the rename
    assert staging.parent == model_dir and staging.name.startswith(f".staging-{killed_version}-")
    assert _complete(staging)
    numeric = sorted(p.name for p in model_dir.iterdir() if p.name.isdigit())
    assert numeric == sorted(versions)
    assert all(p.name.startswith(".") for p in model_dir.iterdir() if p.name not in numeric)
    assert seen <= set(numeric)

    # A later export takes a fresh version, and every version serves the model.
    later = export_for_serving(model, base_dir, "shared")
    assert later.name not in versions + [killed_version]
    x = np.random.default_rng(4).normal(size=(2, 5, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(model(x))
    for version in versions + [later.name]:
        serve = tf.saved_model.load(str(model_dir / version)).signatures["serving_default"]
        np.testing.assert_allclose(
            serve(sequence=tf.constant(x))["scores"].numpy(), expected, atol=1e-5
        )
