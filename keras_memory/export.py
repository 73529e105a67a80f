"""Export Keras models for TensorFlow Serving.

TF Serving watches a base directory laid out as
`<base_dir>/<model_name>/<version>/saved_model.pb` and serves the highest
integer version. `export_for_serving` writes that layout with one
`serving_default` signature whose input keys are the model's input names and
whose output keys are `output_keys(model)` (a dict output's keys, else the
output layers' names, made distinct), so REST clients send
`{"inputs": {"clock": [...]}}` and read `{"outputs": ...}`: the bare tensor
for a model with one output, a dict keyed by output key for several. Every
output of the model is in the signature.

The export is traced without XLA (`jit_compile` is never baked in: TF
Serving's GPU build cannot find an XLA compiler at load time) and on the CPU,
so that no cuDNN-only kernel enters the graph. This module needs the
TensorFlow package; the model may have been built on any Keras backend that
`keras.export.ExportArchive` supports.

`predict_in_fresh_process` loads an export in a new Python process in which
`keras_memory` cannot be imported: what a serving host sees.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import keras
import numpy as np

from keras_memory import validation

SIGNATURE_KEY = "serving_default"

# Model names become directory names and URL path segments in TF Serving's
# REST API (/v1/models/<name>:predict).
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _existing_versions(model_dir):
    if not model_dir.is_dir():
        return []
    return sorted(
        int(entry.name)
        for entry in model_dir.iterdir()
        if entry.is_dir() and entry.name.isdigit()
    )


def _structures(model):
    """`model`'s symbolic input and output structures, as it was built.

    A functional model keeps the nesting it was built with (a dict of
    inputs is called with a dict); a `keras.Sequential` model has one input
    and its last layer's outputs.
    """
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            "Received an invalid value for argument `model`: it has no "
            "defined inputs. Build it from `keras.Input` (functional API) or "
            f"call it on data before exporting. Got {model!r}."
        )
    if isinstance(model, keras.Sequential):
        outputs = model.outputs
        return inputs[0], outputs[0] if len(outputs) == 1 else list(outputs)
    return model.input, model.output


def _input_specs(model):
    import tensorflow as tf

    inputs = keras.tree.flatten(_structures(model)[0])
    names = [tensor.name for tensor in inputs]
    if len(set(names)) != len(names):
        raise ValueError(
            "Received an invalid value for argument `model`: its input names "
            f"must be unique to become signature keys, got {names}."
        )
    # A Sequential model built by calling it on data records that batch's
    # size; serve any batch size, as `keras.Model.export` does.
    relax_batch = isinstance(model, keras.Sequential)
    return [
        tf.TensorSpec(
            (None, *tensor.shape[1:]) if relax_batch and tensor.shape else tensor.shape,
            tensor.dtype,
            name=tensor.name,
        )
        for tensor in inputs
    ]


def _layer_name(tensor):
    history = getattr(tensor, "_keras_history", None)
    operation = getattr(history, "operation", None)
    return getattr(operation, "name", None) or tensor.name


def output_keys(model):
    """The signature's output keys of `model`, one per output, in flat order.

    Dict outputs are keyed by their own keys (nested dicts by the keys on the
    path, joined with `_`). Otherwise each output is keyed by the name of the
    layer that produced it; the outputs of a layer with several (such as
    `HMLSTM(return_boundaries=True)` or `NTM(return_access=True)`) become
    `name`, `name_1`, `name_2`, ... skipping names that other outputs use.

    Raises:
        ValueError: when two outputs would get the same key.
    """
    structure = _structures(model)[1]
    if isinstance(structure, dict):
        keys = [
            "_".join(str(part) for part in path)
            for path, _ in keras.tree.flatten_with_path(structure)
        ]
        if len(set(keys)) != len(keys):
            raise ValueError(
                "Received an invalid value for argument `model`: its output "
                "keys must name each output once to become signature keys, "
                f"got {keys}. Rename the outputs so that no two collide."
            )
        return keys
    names = [_layer_name(tensor) for tensor in keras.tree.flatten(structure)]
    taken = set(names)
    keys, seen = [], set()
    for name in names:
        key, suffix = name, 0
        while key in seen or (key != name and key in taken):
            suffix += 1
            key = f"{name}_{suffix}"
        seen.add(key)
        keys.append(key)
    return keys


def named_outputs(model, outputs):
    """`model`'s outputs as a dict keyed by the signature's output keys.

    `outputs` is what calling `model` (or `model.predict`) returned; the keys
    are `output_keys(model)`. The export's signature and callers comparing
    with it use this one rule.
    """
    keys = output_keys(model)
    values = keras.tree.flatten(outputs)
    if len(values) != len(keys):
        raise ValueError(
            "Received an invalid value for argument `outputs`, expected the "
            f"{len(keys)} outputs of the model ({keys}), got {len(values)}."
        )
    return dict(zip(keys, values))


def _claim_version(model_dir, version):
    """Claims `version` for this process, or returns False if it is taken.

    The claim is a lock file that TF Serving ignores (its name is not a
    number), created with O_EXCL so that two exporters never both win.
    """
    if (model_dir / str(version)).exists():
        return False
    try:
        lock = os.open(
            model_dir / f".version-{version}.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY
        )
    except FileExistsError:
        return False
    try:  # who holds the claim, for whoever finds a lock left by a killed export
        os.write(lock, f"{os.getpid()}\n".encode())
    finally:
        os.close(lock)
    if (model_dir / str(version)).exists():  # finished just before our claim
        os.remove(model_dir / f".version-{version}.lock")
        return False
    return True


def _readable_like_a_new_directory(path):
    # mkdtemp makes 0700 directories; a server running as another user must
    # be able to read the version, as with any directory we create.
    umask = os.umask(0)
    os.umask(umask)
    for directory, _, files in os.walk(path):
        os.chmod(directory, 0o777 & ~umask)
        for file in files:
            os.chmod(os.path.join(directory, file), 0o666 & ~umask)


def _check_name_and_version(name, version):
    if not isinstance(name, str) or not _MODEL_NAME.match(name):
        raise validation.invalid_argument(
            "name",
            "a model name of letters, digits, '_', '.' and '-'",
            name,
        )
    if version is not None:
        version = validation.check_positive_int("version", version)
    return version


def _write_version(archive, base_dir, name, version):
    """Writes `archive` as `<base_dir>/<name>/<version>`, atomically.

    `version=None` takes the next free version. Another process exporting
    the same name at the same time gets another version (the claim is a
    lock file created with O_EXCL); a process killed midway leaves only
    hidden entries (`.staging-*`, `.version-*.lock`), which TF Serving
    ignores, and never a numeric directory.
    """
    import tensorflow as tf

    model_dir = pathlib.Path(base_dir) / name
    model_dir.mkdir(parents=True, exist_ok=True)
    if version is None:
        version = max(_existing_versions(model_dir), default=0) + 1
        while not _claim_version(model_dir, version):
            version += 1
    elif not _claim_version(model_dir, version):
        raise FileExistsError(
            f"Version {version} of model {name!r} already exists at "
            f"{model_dir / str(version)} (or is being written). Served "
            "versions must not change: export under a new version, or "
            "remove this one first."
        )
    export_dir = model_dir / str(version)

    # TF Serving polls the model directory and loads a numeric directory as
    # soon as it appears, so write under a hidden name and rename.
    staging_dir = pathlib.Path(
        tempfile.mkdtemp(prefix=f".staging-{version}-", dir=model_dir)
    )
    try:
        with tf.device("/CPU:0"):
            archive.write_out(str(staging_dir), verbose=False)
        _readable_like_a_new_directory(staging_dir)
        os.rename(staging_dir, export_dir)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
        os.remove(model_dir / f".version-{version}.lock")
    return export_dir


def export_for_serving(model, base_dir, name, version=None):
    """Writes `model` as a SavedModel in TF Serving's directory layout.

    Args:
        model: A built Keras model (functional or `keras.Sequential`) with
            named inputs (`keras.Input(..., name=...)`), which become the
            input keys; `output_keys(model)` gives the output keys, one for
            every output.
        base_dir: The serving base directory (`--model_base_path`'s parent).
        name: The model name, TF Serving's `--model_name`: letters, digits,
            `_`, `.` and `-`.
        version: Positive integer version. Default: `None`, one more than
            the highest version already in `<base_dir>/<name>`, or 1.

    Returns:
        The `pathlib.Path` of the written `<base_dir>/<name>/<version>`.

    Raises:
        ValueError: for a bad `name`, `version` or `model`.
        FileExistsError: when that version already exists. Versions are
            immutable once served; pick a new one.

    Example:

    ```python
    path = export_for_serving(model, "serving", "clockwork")
    # serving/clockwork/1, then serving/clockwork/2 on the next call
    ```
    """
    version = _check_name_and_version(name, version)
    specs = _input_specs(model)

    import tensorflow as tf

    input_structure = _structures(model)[0]
    keys = output_keys(model)

    def serve(*tensors):
        # Call the model the way it was built: a dict of inputs as a dict.
        outputs = model(
            keras.tree.pack_sequence_as(input_structure, list(tensors)),
            training=False,
        )
        return dict(zip(keys, keras.tree.flatten(outputs)))

    archive = keras.export.ExportArchive()
    archive.track(model)
    with tf.device("/CPU:0"):
        # The first endpoint is also written as `serving_default`.
        archive.add_endpoint("serve", serve, input_signature=specs)

    return _write_version(archive, base_dir, name, version)


# Signature names of a streaming export.
STEP_SIGNATURE_KEY = "step"
INITIAL_STATE_SIGNATURE_KEY = "initial_state"

# Step input and state keys must not collide with each other (the state keys
# are `state_0`, `state_1`, ...); they become REST JSON keys.
_INPUT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _state_sizes(rnn_layer):
    sizes = rnn_layer.cell.state_size
    sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
    if not all(isinstance(size, int) for size in sizes):
        raise ValueError(
            "Received an invalid value for argument `rnn_layer`: streaming "
            "needs a cell whose `state_size` is an integer or a flat list of "
            f"integers, got {rnn_layer.cell.state_size!r}."
        )
    return sizes


def streaming_keys(rnn_layer):
    """The step signature's output keys and state keys of `rnn_layer`.

    The outputs are what the layer returns at one step, in its own order,
    without the states: `["output"]` for `keras.layers.RNN`, `ClockworkRNN`
    and `SkipRNN` (plus `"output_1"`, the gate `u_t`, with
    `return_gates=True`), `["output", "output_1"]` (features, boundaries)
    for `HMLSTM(return_boundaries=True)`, `["output", "output_1",
    "output_2"]` (outputs, read and write weightings) for
    `NTM(return_access=True)`. The states are `state_0`, `state_1`, ... in
    the order of `rnn_layer.cell.state_size`.

    Returns:
        `(output_keys, state_keys)`, two lists of strings.
    """
    return _twin_keys(_one_step_twin(rnn_layer))


def _twin_keys(twin):
    count = len(_state_sizes(twin))
    # A `return_state=True` layer returns a list: its outputs, then the states.
    shapes = twin.compute_output_shape(twin.get_build_config()["input_shape"])
    output_keys = ["output"] + [f"output_{index}" for index in range(1, len(shapes) - count)]
    return output_keys, [f"state_{index}" for index in range(count)]


def _one_step_twin(rnn_layer):
    """A copy of `rnn_layer` that runs one step from given states.

    Same class, config and weights, with `return_sequences=True`,
    `return_state=True` and `stateful=False`: the user's layer is left as it
    is, and the serving graph assigns none of its state variables.
    """
    if not isinstance(rnn_layer, keras.layers.RNN):
        raise validation.invalid_argument(
            "rnn_layer", "a `keras.layers.RNN` (or a subclass such as `SkipRNN`)", rnn_layer
        )
    if not rnn_layer.built:
        raise ValueError(
            "Received an invalid value for argument `rnn_layer`: it is not "
            "built. Call it on a sequence (or a `keras.Input`) first. Got "
            f"{rnn_layer!r}."
        )
    if rnn_layer.go_backwards:
        raise ValueError(
            "Received an invalid value for argument `rnn_layer`: a layer "
            "with `go_backwards=True` reads the sequence from its end and "
            "cannot process a stream step by step."
        )
    config = dict(
        rnn_layer.get_config(), return_sequences=True, return_state=True, stateful=False
    )
    twin = type(rnn_layer).from_config(config)
    twin.build_from_config(rnn_layer.get_build_config())
    twin.set_weights(rnn_layer.get_weights())
    return twin


def export_streaming(rnn_layer, base_dir, name, version=None, input_name="inputs"):
    """Exports one step of a recurrent layer, for serving a stream.

    A server holds each stream's state and calls the `step` signature once
    per arriving element `x_t`:

    ```
    (outputs_t, s_t) = step(x_t, s_{t-1}),   s_0 = initial_state(batch_size)
    ```

    Running the steps of a sequence one after the other gives what the
    layer gives over the whole sequence (with `return_sequences=True`) at
    every step, and its final states. For a `SkipRNN` at batch size one
    a skipped step runs neither the inner cell nor `W_p` (see
    `SkipRNNCell`): the saving that a whole-sequence call at a larger batch
    rarely gets.

    The export is TF Serving's layout, `<base_dir>/<name>/<version>/`, as
    `export_for_serving` writes it (atomic, never overwriting a version),
    with two signatures:

    - `step` (also `serving_default`): inputs `input_name`
      `(batch, features)` and `state_0, state_1, ...` (`(batch, size)` in
      the order of `rnn_layer.cell.state_size`); outputs the layer's outputs
      at this step, keyed `output`, `output_1`, ... (see `streaming_keys`;
      the time axis removed), and the new `state_0, state_1, ...`.
    - `initial_state`: input `batch_size` (int32 scalar); outputs the
      states `s_0`, keyed `state_0, state_1, ...`.

    Args:
        rnn_layer: A built `keras.layers.RNN` or subclass (`ClockworkRNN`,
            `SkipRNN`, `HMLSTM`, `NTM`, `MemoryRNN`, ...), not
            `go_backwards`. Its `return_sequences`, `return_state` and
            `stateful` do not matter: a copy with its weights is exported.
        base_dir: The serving base directory.
        name: The model name (TF Serving's `--model_name`).
        version: Positive integer version. Default: `None`, the next one.
        input_name: Key of the step input: a letter, then letters, digits
            and `_`, not of the form `state_<i>`. Default: `"inputs"`.

    Returns:
        The `pathlib.Path` of the written `<base_dir>/<name>/<version>`.

    Raises:
        ValueError: for a bad `rnn_layer`, `name`, `version` or
            `input_name`.
        FileExistsError: when that version already exists.

    Example:

    ```python
    layer = SkipRNN(keras.layers.LSTMCell(32))
    layer(keras.Input((None, 3)))  # built
    path = export_streaming(layer, "serving", "skip-stream")
    # served: POST /v1/models/skip-stream:predict with
    # {"signature_name": "initial_state", "inputs": {"batch_size": 1}}, then
    # {"signature_name": "step", "inputs": {"inputs": [[...]], "state_0": ...}}
    ```
    """
    version = _check_name_and_version(name, version)
    if (
        not isinstance(input_name, str)
        or not _INPUT_NAME.match(input_name)
        or re.fullmatch(r"state_\d+", input_name)
        or input_name == "batch_size"
    ):
        raise validation.invalid_argument(
            "input_name",
            "a name of letters, digits and '_' starting with a letter, not "
            "'batch_size' or 'state_<i>'",
            input_name,
        )
    twin = _one_step_twin(rnn_layer)
    output_keys, state_keys = _twin_keys(twin)
    sizes = _state_sizes(rnn_layer)

    import tensorflow as tf

    features = rnn_layer.get_build_config()["input_shape"][-1]
    input_dtype = getattr(getattr(rnn_layer, "input", None), "dtype", None)
    state_dtype = twin.cell.compute_dtype
    step_specs = {
        input_name: tf.TensorSpec((None, features), input_dtype or "float32", name=input_name),
        **{
            key: tf.TensorSpec((None, size), state_dtype, name=key)
            for key, size in zip(state_keys, sizes)
        },
    }

    def step(inputs):
        states = [inputs[key] for key in state_keys]
        results = twin(inputs[input_name][:, None], initial_state=states, training=False)
        outputs, new_states = results[: len(output_keys)], results[len(output_keys) :]
        # Every output of a `return_sequences=True` layer has time at axis 1.
        served = {key: value[:, 0] for key, value in zip(output_keys, outputs)}
        served.update(zip(state_keys, new_states))
        return served

    def initial_state(batch_size):
        states = twin.get_initial_state(batch_size)
        return {
            key: keras.ops.cast(value, state_dtype) for key, value in zip(state_keys, states)
        }

    archive = keras.export.ExportArchive()
    archive.track(twin)
    with tf.device("/CPU:0"):
        # The first endpoint is also written as `serving_default`.
        archive.add_endpoint(STEP_SIGNATURE_KEY, step, input_signature=[step_specs])
        archive.add_endpoint(
            INITIAL_STATE_SIGNATURE_KEY,
            initial_state,
            input_signature=[tf.TensorSpec((), "int32", name="batch_size")],
        )
    return _write_version(archive, base_dir, name, version)


# Run by `predict_in_fresh_process`. `sys.modules[...] = None` makes any
# `import keras_memory` fail, as on a serving host without the package.
_FRESH_PROCESS_SCRIPT = r"""
import json, sys
sys.modules["keras_memory"] = None
export_dir, inputs_path, outputs_path = sys.argv[1:4]
import numpy as np
import tensorflow as tf
try:
    import keras_memory  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("keras_memory must not be importable here")
signature = tf.saved_model.load(export_dir).signatures["serving_default"]
with np.load(inputs_path) as inputs:
    feed = {key: tf.constant(inputs[key]) for key in inputs.files}
outputs = {key: value.numpy() for key, value in signature(**feed).items()}
# String tensors come back as arrays of bytes objects, which np.savez can only
# pickle: hand them over as unicode arrays.
outputs = {
    key: np.char.decode(value.astype(bytes), "utf-8") if value.dtype == object else value
    for key, value in outputs.items()
}
np.savez(outputs_path, **outputs)
"""


def predict_in_fresh_process(export_dir, inputs, timeout=600):
    """Calls an export's `serving_default` in a new process without us.

    The child process imports only NumPy and TensorFlow; `keras_memory` is
    made unimportable there, so a success shows that the SavedModel needs
    nothing from this package at serving time.

    Args:
        export_dir: A versioned export directory (as returned by
            `export_for_serving`).
        inputs: Dict mapping signature input keys to NumPy arrays (string
            inputs as arrays of `str`).
        timeout: Seconds to wait for the child process.

    Returns:
        Dict mapping signature output keys to NumPy arrays; string outputs
        come back as arrays of `str`.

    Raises:
        RuntimeError: with the child's stderr when it fails.
    """
    if not isinstance(inputs, dict):
        raise validation.invalid_argument(
            "inputs", "a dict of signature input name to array", type(inputs)
        )
    with tempfile.TemporaryDirectory() as scratch:
        inputs_path = os.path.join(scratch, "inputs.npz")
        outputs_path = os.path.join(scratch, "outputs.npz")
        np.savez(inputs_path, **{k: np.asarray(v) for k, v in inputs.items()})
        run_in_fresh_process(
            _FRESH_PROCESS_SCRIPT,
            # The child runs in a scratch directory: pass an absolute path.
            [str(pathlib.Path(export_dir).resolve()), inputs_path, outputs_path],
            scratch,
            timeout,
            f"Loading {export_dir} in a fresh process",
        )
        with np.load(outputs_path) as outputs:
            return {key: outputs[key] for key in outputs.files}


def run_in_fresh_process(script, args, scratch, timeout, what):
    """Runs `python -c script *args` in `scratch`; raises with its stderr on failure.

    The child starts in the scratch directory, so the project checkout is not
    on its `sys.path` (a process that cannot import `keras_memory` unless it
    is installed), with TensorFlow's start-up logging silenced.
    """
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=scratch,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result


# Run by `stream_in_fresh_process`: each stream starts from `initial_state`
# and is fed one step at a time through `step`, as a server would.
_STREAM_SCRIPT = r"""
import json, sys
sys.modules["keras_memory"] = None
manifest_path, inputs_path, outputs_path = sys.argv[1:4]
import numpy as np
import tensorflow as tf
try:
    import keras_memory  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("keras_memory must not be importable here")
with open(manifest_path) as f:
    manifest = json.load(f)
results = {}
with np.load(inputs_path) as inputs:
    for label, export_dir, input_name in manifest:
        loaded = tf.saved_model.load(export_dir)
        step = loaded.signatures["step"]
        sequence = inputs[label]
        state = loaded.signatures["initial_state"](
            batch_size=tf.constant(sequence.shape[0], tf.int32)
        )
        state_keys = sorted(state)
        steps = []
        for t in range(sequence.shape[1]):
            reply = step(**{input_name: tf.constant(sequence[:, t])}, **state)
            state = {key: reply[key] for key in state_keys}
            steps.append({k: v.numpy() for k, v in reply.items() if k not in state})
        for key in steps[0] if steps else []:
            results[f"{label}/{key}"] = np.stack([s[key] for s in steps], axis=1)
        for key, value in state.items():
            results[f"{label}/{key}"] = value.numpy()
np.savez(outputs_path, **results)
"""


def stream_in_fresh_process(streams, timeout=600):
    """Feeds sequences step by step to streaming exports, in a new process.

    The child process imports only NumPy and TensorFlow (`keras_memory` is
    unimportable there, as in `predict_in_fresh_process`). For each stream
    it calls `initial_state` with the batch size, then `step` once per time
    step, passing the returned states back in.

    Args:
        streams: Dict mapping a label to `(export_dir, sequence)` or
            `(export_dir, sequence, input_name)`, where `export_dir` was
            written by `export_streaming`, `sequence` is a NumPy array
            `(batch, timesteps, features)` and `input_name` is the step
            input's key (default `"inputs"`).
        timeout: Seconds to wait for the child process.

    Returns:
        Dict mapping each label to a dict: every step output stacked over
        time (`(batch, timesteps, ...)`, keyed as the `step` signature keys
        it) and the final states (`state_0`, ...).

    Raises:
        RuntimeError: with the child's stderr when it fails.
    """
    if not isinstance(streams, dict):
        raise validation.invalid_argument(
            "streams", "a dict of label to (export_dir, sequence)", type(streams)
        )
    with tempfile.TemporaryDirectory() as scratch:
        manifest, sequences = [], {}
        for index, (label, stream) in enumerate(streams.items()):
            export_dir, sequence, *rest = stream
            key = f"stream_{index}"
            manifest.append(
                [key, str(pathlib.Path(export_dir).resolve()), rest[0] if rest else "inputs"]
            )
            sequences[key] = np.asarray(sequence)
        manifest_path = os.path.join(scratch, "manifest.json")
        with open(manifest_path, "w") as f:
            json.dump(manifest, f)
        inputs_path = os.path.join(scratch, "inputs.npz")
        outputs_path = os.path.join(scratch, "outputs.npz")
        np.savez(inputs_path, **sequences)
        run_in_fresh_process(
            _STREAM_SCRIPT,
            [manifest_path, inputs_path, outputs_path],
            scratch,
            timeout,
            "Streaming in a fresh process",
        )
        results = {label: {} for label in streams}
        labels = {f"stream_{index}": label for index, label in enumerate(streams)}
        with np.load(outputs_path) as outputs:
            for key in outputs.files:
                stream, name = key.split("/", 1)
                results[labels[stream]][name] = outputs[key]
        return results


def describe_signature(export_dir):
    """Input and output keys, shapes and dtypes of `serving_default`.

    Returns:
        A JSON-serializable dict `{"inputs": {...}, "outputs": {...}}`.
    """
    import tensorflow as tf

    signature = tf.saved_model.load(str(export_dir)).signatures[SIGNATURE_KEY]

    def describe(specs):
        return {
            key: {"shape": spec.shape.as_list(), "dtype": spec.dtype.name}
            for key, spec in specs.items()
        }

    return {
        "inputs": describe(signature.structured_input_signature[1]),
        "outputs": describe(signature.structured_outputs),
    }


__all__ = [
    "INITIAL_STATE_SIGNATURE_KEY",
    "SIGNATURE_KEY",
    "STEP_SIGNATURE_KEY",
    "describe_signature",
    "export_for_serving",
    "export_streaming",
    "named_outputs",
    "output_keys",
    "predict_in_fresh_process",
    "stream_in_fresh_process",
    "streaming_keys",
]

