"""The layers on the JAX backend: `fit` and the TF Serving export.

Each test saves a model here (TensorFlow backend), runs the JAX side in a
subprocess with `KERAS_BACKEND=jax` (a process has one backend), and compares
with the same work done here.
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

from keras_memory.export import export_for_serving
from keras_memory.export import predict_in_fresh_process
from keras_memory.layers import NTM
from keras_memory.layers import SkipRNN


def _run_on_jax(script, tmp_path, *args):
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-4000:]


_FIT_SCRIPT = """
    import json, sys
    import numpy as np
    import keras
    import keras_memory  # registers the layers
    assert keras.backend.backend() == "jax"
    model_path, data_path, out_dir = sys.argv[1:4]
    model = keras.saving.load_model(model_path)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    with np.load(data_path) as data:
        history = model.fit(data["x"], data["y"], batch_size=4, epochs=2,
                            shuffle=False, verbose=0)
    with open(f"{out_dir}/history.json", "w") as file:
        json.dump(history.history, file)
    np.savez(f"{out_dir}/weights.npz", *model.get_weights())
"""


def test_skip_rnn_fits_on_jax_like_on_tensorflow(tmp_path):
    sequences = keras.Input((6, 3))
    features = SkipRNN(
        keras.layers.GRUCell(4),
        budget_weight=0.01,
        # b_p = -1: the gate skips some steps, so the rate is not trivial.
        update_bias_initializer=keras.initializers.Constant(-1.0),
    )(sequences)
    model = keras.Model(sequences, keras.layers.Dense(2, name="prediction")(features))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 6, 3)).astype("float32")  # a partial last batch
    y = rng.normal(size=(5, 2)).astype("float32")
    model.save(tmp_path / "model.keras")
    np.savez(tmp_path / "data.npz", x=x, y=y)

    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    _run_on_jax(_FIT_SCRIPT, tmp_path, tmp_path / "model.keras", tmp_path / "data.npz", tmp_path)

    jax_history = json.loads((tmp_path / "history.json").read_text())
    assert sorted(jax_history) == ["loss", "update_rate"]
    assert 0.0 < history["update_rate"][0] < 1.0
    np.testing.assert_allclose(jax_history["update_rate"], history["update_rate"], atol=1e-6)
    np.testing.assert_allclose(jax_history["loss"], history["loss"], rtol=1e-5)
    with np.load(tmp_path / "weights.npz") as jax_weights:
        for index, weight in enumerate(model.get_weights()):
            np.testing.assert_allclose(jax_weights[f"arr_{index}"], weight, atol=1e-5)


_EXPORT_SCRIPT = """
    import sys
    import keras
    import keras_memory  # registers the layers
    from keras_memory.export import export_for_serving
    assert keras.backend.backend() == "jax"
    model_path, base_dir = sys.argv[1:3]
    model = keras.saving.load_model(model_path)
    export_for_serving(model, base_dir, "ntm", version=1)
"""


def test_ntm_exports_from_jax(tmp_path):
    sequences = keras.Input((5, 3), name="sequence")
    features = NTM(units=4, memory_size=6, memory_width=3, write_heads=2)(sequences)
    model = keras.Model(sequences, keras.layers.Dense(2, name="prediction")(features))
    model.save(tmp_path / "model.keras")
    _run_on_jax(_EXPORT_SCRIPT, tmp_path, tmp_path / "model.keras", tmp_path / "serving")

    x = np.random.default_rng(1).normal(size=(3, 5, 3)).astype("float32")
    served = predict_in_fresh_process(tmp_path / "serving" / "ntm" / "1", {"sequence": x})
    np.testing.assert_allclose(
        served["prediction"], keras.ops.convert_to_numpy(model(x)), atol=1e-5
    )
    # The same model exported here serves the same answers.
    here = export_for_serving(model, tmp_path / "serving", "ntm")
    np.testing.assert_allclose(
        predict_in_fresh_process(here, {"sequence": x})["prediction"],
        served["prediction"],
        atol=1e-5,
    )
