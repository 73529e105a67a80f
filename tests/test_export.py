"""keras_memory.export: TF Serving layout, signatures, and loading elsewhere."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import keras
import numpy as np
import pytest

from keras_memory.export import (
    describe_signature,
    export_for_serving,
    predict_in_fresh_process,
)
from keras_memory.layers import ClockworkRNN


def _clockwork_model():
    clock = keras.Input((6, 1), name="clock")
    hidden = ClockworkRNN(4, periods=[1, 2], return_sequences=True)(clock)
    return keras.Model(clock, keras.layers.Dense(1, name="waveform")(hidden))


def _inputs():
    return np.linspace(-1, 1, 12, dtype="float32").reshape(2, 6, 1)


def _saved_model_cli():
    # Ships with TensorFlow, beside the interpreter that runs the tests.
    path = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    return path if os.path.exists(path) else shutil.which("saved_model_cli")


def test_versions_count_up_in_serving_layout(tmp_path):
    model = _clockwork_model()
    first = export_for_serving(model, tmp_path, "clockwork")
    second = export_for_serving(model, tmp_path, "clockwork")
    chosen = export_for_serving(model, tmp_path, "clockwork", version=7)
    after_chosen = export_for_serving(model, tmp_path, "clockwork")
    assert [first, second, chosen, after_chosen] == [
        tmp_path / "clockwork" / v for v in ("1", "2", "7", "8")
    ]
    for path in (first, second, chosen, after_chosen):
        assert (path / "saved_model.pb").is_file()
        assert (path / "variables").is_dir()
    # No staging directories are left for TF Serving to trip over.
    assert sorted(p.name for p in (tmp_path / "clockwork").iterdir()) == [
        "1", "2", "7", "8"
    ]


def test_an_existing_version_is_never_overwritten(tmp_path):
    model = _clockwork_model()
    path = export_for_serving(model, tmp_path, "clockwork", version=3)
    stamp = (path / "saved_model.pb").stat().st_mtime_ns
    with pytest.raises(FileExistsError, match="Version 3 of model 'clockwork'"):
        export_for_serving(model, tmp_path, "clockwork", version=3)
    assert (path / "saved_model.pb").stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"version": 0}, "version"),
        ({"version": -2}, "version"),
        ({"version": "3"}, "version"),
        ({"version": 1.5}, "version"),
        ({"name": ""}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "../up"}, "name"),
        ({"name": 5}, "name"),
    ],
)
def test_bad_name_or_version_is_refused(tmp_path, kwargs, argument):
    arguments = {"name": "clockwork", **kwargs}
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        export_for_serving(_clockwork_model(), tmp_path, **arguments)
    assert not any(tmp_path.iterdir())


def test_a_model_without_inputs_is_refused(tmp_path):
    class Unbuilt(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="argument `model`.*no defined inputs"):
        export_for_serving(Unbuilt(), tmp_path, "unbuilt")


def test_signature_keys_are_the_model_input_and_output_names(tmp_path):
    story = keras.Input((5, 3), name="story")
    question = keras.Input((4,), name="question", dtype="int32")
    encoded = ClockworkRNN(4, periods=[1, 2], name="reader")(story)
    joined = keras.layers.Concatenate()(
        [encoded, keras.ops.cast(question, "float32")]
    )
    answer = keras.layers.Dense(3, name="answer")(joined)
    confidence = keras.layers.Dense(1, name="confidence")(joined)
    model = keras.Model([story, question], [answer, confidence])

    signature = describe_signature(export_for_serving(model, tmp_path, "qa"))
    assert signature == {
        "inputs": {
            "story": {"shape": [None, 5, 3], "dtype": "float32"},
            "question": {"shape": [None, 4], "dtype": "int32"},
        },
        "outputs": {
            "answer": {"shape": [None, 3], "dtype": "float32"},
            "confidence": {"shape": [None, 1], "dtype": "float32"},
        },
    }


def test_no_xla_compilation_is_baked_into_the_export(tmp_path):
    model = _clockwork_model()
    model.compile(optimizer="adam", loss="mse", jit_compile=True)
    model.fit(_inputs(), np.zeros((2, 6, 1), "float32"), verbose=0)
    path = export_for_serving(model, tmp_path, "clockwork")
    graph = (path / "saved_model.pb").read_bytes()
    assert b"_XlaMustCompile" not in graph


def test_fresh_process_without_keras_memory_gives_the_same_outputs(
    tmp_path, monkeypatch
):
    model = _clockwork_model()
    path = export_for_serving(model, tmp_path, "clockwork")
    # A relative path works too (the child process runs elsewhere).
    monkeypatch.chdir(tmp_path)
    served = predict_in_fresh_process(
        os.path.relpath(path, tmp_path), {"clock": _inputs()}
    )
    np.testing.assert_allclose(
        served["waveform"], keras.ops.convert_to_numpy(model(_inputs())), atol=1e-6
    )


def test_fresh_process_failure_reports_the_child_error(tmp_path):
    with pytest.raises(RuntimeError, match="SavedModel file does not exist"):
        predict_in_fresh_process(tmp_path / "missing", {"clock": _inputs()})
    with pytest.raises(ValueError, match="argument `inputs`"):
        predict_in_fresh_process(tmp_path, _inputs())


def test_saved_model_cli_show_and_run(tmp_path):
    cli = _saved_model_cli()
    assert cli, "saved_model_cli ships with TensorFlow and must be on hand"
    model = _clockwork_model()
    path = export_for_serving(model, tmp_path / "serving", "clockwork")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")

    shown = subprocess.run(
        [cli, "show", "--dir", str(path), "--tag_set", "serve",
         "--signature_def", "serving_default"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert shown.returncode == 0, shown.stderr
    assert "inputs['clock'] tensor_info" in shown.stdout
    assert "outputs['waveform'] tensor_info" in shown.stdout
    assert "shape: (-1, 6, 1)" in shown.stdout

    np.save(tmp_path / "clock.npy", _inputs())
    ran = subprocess.run(
        [cli, "run", "--dir", str(path), "--tag_set", "serve",
         "--signature_def", "serving_default",
         "--inputs", f"clock={tmp_path / 'clock.npy'}",
         "--outdir", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    np.testing.assert_allclose(
        np.load(tmp_path / "out" / "waveform.npy"),
        keras.ops.convert_to_numpy(model(_inputs())),
        atol=1e-6,
    )


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(
    shutil.which("tensorflow_model_server") is None,
    reason="the tensorflow_model_server binary is not on PATH",
)
def test_tensorflow_model_server_rest_predict(tmp_path):
    model = _clockwork_model()
    export_for_serving(model, tmp_path, "clockwork")
    rest_port, grpc_port = _free_port(), _free_port()
    server = subprocess.Popen(
        [
            "tensorflow_model_server",
            f"--port={grpc_port}",
            f"--rest_api_port={rest_port}",
            "--rest_api_timeout_in_ms=30000",
            "--model_name=clockwork",
            f"--model_base_path={tmp_path / 'clockwork'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{rest_port}/v1/models/clockwork"
    try:
        deadline = time.monotonic() + 60
        while True:  # bounded wait for the model to become AVAILABLE
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    status = json.load(reply)["model_version_status"][0]["state"]
                if status == "AVAILABLE":
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server never became ready"
            assert server.poll() is None, "tensorflow_model_server exited"
            time.sleep(0.5)
        request = json.dumps({"inputs": {"clock": _inputs().tolist()}}).encode()
        with urllib.request.urlopen(
            urllib.request.Request(f"{url}:predict", data=request), timeout=30
        ) as reply:
            outputs = json.load(reply)["outputs"]
        np.testing.assert_allclose(
            np.array(outputs, "float32"),
            keras.ops.convert_to_numpy(model(_inputs())),
            atol=1e-5,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_exported_files_are_readable_by_another_user(tmp_path):
    previous = os.umask(0o022)
    try:
        path = export_for_serving(_clockwork_model(), tmp_path, "clockwork")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o755
    assert (path / "saved_model.pb").stat().st_mode & 0o777 == 0o644


def test_a_version_being_written_elsewhere_is_not_taken(tmp_path):
    # Another exporter holds the claim on version 1 and has not finished.
    (tmp_path / "clockwork").mkdir()
    (tmp_path / "clockwork" / ".version-1.lock").touch()
    with pytest.raises(FileExistsError, match="being written"):
        export_for_serving(_clockwork_model(), tmp_path, "clockwork", version=1)
    path = export_for_serving(_clockwork_model(), tmp_path, "clockwork")
    assert path == tmp_path / "clockwork" / "2"


def test_dict_outputs_are_served_under_their_own_keys(tmp_path):
    clock = keras.Input((6, 1), name="clock")
    hidden = ClockworkRNN(4, periods=[1, 2])(clock)
    model = keras.Model(
        clock,
        {
            "zeta": keras.layers.Dense(1, name="zeta_head")(hidden),
            "alpha": keras.layers.Dense(2, name="alpha_head")(hidden),
        },
    )
    path = export_for_serving(model, tmp_path, "heads")
    served = predict_in_fresh_process(path, {"clock": _inputs()})
    expected = model(_inputs())
    assert sorted(served) == ["alpha", "zeta"]
    for key in ("alpha", "zeta"):
        np.testing.assert_allclose(
            served[key], keras.ops.convert_to_numpy(expected[key]), atol=1e-6
        )
