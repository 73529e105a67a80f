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

from keras_memory.export import describe_signature
from keras_memory.export import export_for_serving
from keras_memory.export import named_outputs
from keras_memory.export import output_keys
from keras_memory.export import predict_in_fresh_process
from keras_memory.layers import HMLSTM
from keras_memory.layers import NTM
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


def _assert_served_like_in_process(path, model, named, structured, atol=1e-5):
    served = predict_in_fresh_process(path, named)
    expected = {
        key: keras.ops.convert_to_numpy(value)
        for key, value in named_outputs(model, model(structured)).items()
    }
    assert sorted(served) == sorted(expected)
    for key, value in expected.items():
        assert served[key].shape == value.shape, key
        np.testing.assert_allclose(served[key], value, atol=atol, err_msg=key)
    return served


def test_sequential_model_is_exported(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((6, 1), name="clock"),
            ClockworkRNN(4, periods=[1, 2], return_sequences=True),
            keras.layers.Dense(1, name="waveform"),
        ]
    )
    path = export_for_serving(model, tmp_path, "sequential")
    assert describe_signature(path) == {
        "inputs": {"clock": {"shape": [None, 6, 1], "dtype": "float32"}},
        "outputs": {"waveform": {"shape": [None, 6, 1], "dtype": "float32"}},
    }
    _assert_served_like_in_process(path, model, {"clock": _inputs()}, _inputs())


def test_sequential_model_built_by_a_call_serves_any_batch_size(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, name="scores")])
    model(np.ones((1, 3), "float32"))  # records a batch of one
    path = export_for_serving(model, tmp_path, "called")
    (key,) = describe_signature(path)["inputs"]
    assert describe_signature(path)["inputs"][key]["shape"] == [None, 3]
    x = np.arange(12, dtype="float32").reshape(4, 3)
    _assert_served_like_in_process(path, model, {key: x}, x)


def test_dict_inputs_are_passed_as_a_dict(tmp_path):
    story = keras.Input((5, 3), name="story")
    question = keras.Input((4,), name="question")
    encoded = ClockworkRNN(4, periods=[1, 2])(story)
    joined = keras.layers.Concatenate()([encoded, question])
    # Keys in another order than the sorted one, to catch positional mix-ups.
    model = keras.Model(
        {"story": story, "question": question},
        keras.layers.Dense(3, name="answer")(joined),
    )
    named = {
        "story": np.linspace(-1, 1, 30, dtype="float32").reshape(2, 5, 3),
        "question": np.array([[1, 0, 2, 0], [0, 3, 0, 1]], "float32"),
    }
    path = export_for_serving(model, tmp_path, "qa")
    assert sorted(describe_signature(path)["inputs"]) == ["question", "story"]
    _assert_served_like_in_process(path, model, named, named)


def test_every_output_of_a_multi_output_layer_is_served(tmp_path):
    sequence = keras.Input((7, 3), name="sequence")
    features, boundaries = HMLSTM([4, 3], return_sequences=True, return_boundaries=True)(
        sequence
    )
    model = keras.Model(sequence, [features, boundaries])
    assert output_keys(model) == ["hmlstm", "hmlstm_1"]
    x = np.random.default_rng(0).normal(size=(2, 7, 3)).astype("float32")
    path = export_for_serving(model, tmp_path, "hmlstm")
    assert describe_signature(path)["outputs"] == {
        "hmlstm": {"shape": [None, 7, 7], "dtype": "float32"},
        "hmlstm_1": {"shape": [None, 7, 1], "dtype": "float32"},
    }
    served = _assert_served_like_in_process(path, model, {"sequence": x}, x)
    assert set(np.unique(served["hmlstm_1"])) <= {0.0, 1.0}


def test_ntm_access_weightings_are_served(tmp_path):
    sequence = keras.Input((5, 3), name="sequence")
    outputs = NTM(
        units=6, memory_size=8, memory_width=4, read_heads=2,
        return_sequences=True, return_access=True, name="ntm", seed=1,
    )(sequence)
    head = keras.layers.Dense(2, name="ntm_1")(outputs[0])  # takes a made-up name
    model = keras.Model(sequence, [head, *outputs])
    assert output_keys(model) == ["ntm_1", "ntm", "ntm_2", "ntm_3"]
    x = np.random.default_rng(1).normal(size=(3, 5, 3)).astype("float32")
    path = export_for_serving(model, tmp_path, "ntm")
    shapes = {
        key: spec["shape"] for key, spec in describe_signature(path)["outputs"].items()
    }
    assert shapes == {
        "ntm_1": [None, 5, 2],
        "ntm": [None, 5, 14],
        "ntm_2": [None, 5, 2, 8],
        "ntm_3": [None, 5, 1, 8],
    }
    served = _assert_served_like_in_process(path, model, {"sequence": x}, x)
    np.testing.assert_allclose(served["ntm_2"].sum(-1), 1.0, atol=1e-5)


def test_colliding_output_keys_are_refused(tmp_path):
    clock = keras.Input((6, 1), name="clock")
    hidden = ClockworkRNN(4, periods=[1, 2])(clock)
    model = keras.Model(
        clock,
        {
            "a_b": keras.layers.Dense(1)(hidden),
            "a": {"b": keras.layers.Dense(1)(hidden)},
        },
    )
    with pytest.raises(ValueError, match=r"argument `model`.*\['a_b', 'a_b'\]"):
        export_for_serving(model, tmp_path, "collide")
    assert not (tmp_path / "collide").exists()


def test_variable_length_inputs_and_batches_of_zero_and_one(tmp_path):
    clock = keras.Input((None, 1), name="clock")
    hidden = ClockworkRNN(4, periods=[1, 2], return_sequences=True)(clock)
    model = keras.Model(clock, keras.layers.Dense(1, name="waveform")(hidden))
    path = export_for_serving(model, tmp_path, "clockwork")
    assert describe_signature(path)["inputs"] == {
        "clock": {"shape": [None, None, 1], "dtype": "float32"}
    }
    rng = np.random.default_rng(2)
    for batch, steps in [(2, 3), (2, 9), (1, 5), (0, 4)]:
        x = rng.normal(size=(batch, steps, 1)).astype("float32")
        served = _assert_served_like_in_process(path, model, {"clock": x}, x)
        assert served["waveform"].shape == (batch, steps, 1)
