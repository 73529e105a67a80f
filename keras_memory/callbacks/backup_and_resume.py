"""Backups from which a killed training run resumes as if never stopped."""

import json
import os
import pathlib

import keras
import numpy as np

from keras_memory import validation

# Keras's name for the file that says which epoch the backup holds. Here it
# is the commit point of a backup: written last, renamed into place, and it
# names the weights and arrays files of its epoch.
METADATA_FILE = "training_metadata.json"
_ARRAY_KEY = "__array__"


def backup_epoch(backup_dir):
    """The epoch a run restarted on `backup_dir` begins with (from 0).

    The number of epochs finished when the backup in `backup_dir` was
    written, or 0 when there is none. Call it before building a generated
    stream, to start the stream at batch `backup_epoch(dir) * steps_per_epoch`.

    Example:

    >>> backup_epoch("/no/such/folder")
    0
    """
    metadata = _read_metadata(pathlib.Path(backup_dir))
    return 0 if metadata is None else int(metadata["epoch"])


def _read_metadata(directory):
    path = directory / METADATA_FILE
    if not path.is_file():
        return None
    try:
        metadata = json.loads(path.read_text())
        int(metadata["epoch"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"The backup file {str(path)!r} is not a BackupAndResume backup "
            f"({error}); point `backup_dir` at a folder of its own."
        ) from None
    return metadata


def _replace_atomically(path, write):
    """`write(file)` into a hidden partial file, synced, then renamed to `path`."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as file:
        write(file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _sync(path):
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _encode(value, arrays):
    """`value` with every NumPy array moved into `arrays`, for JSON."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {_ARRAY_KEY: key}
    if isinstance(value, dict):
        return {str(k): _encode(v, arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value, arrays):
    if isinstance(value, dict):
        if set(value) == {_ARRAY_KEY}:
            return arrays[value[_ARRAY_KEY]]
        return {k: _decode(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    return value


def _json_logs(logs):
    return {key: float(value) for key, value in (logs or {}).items()}


def add_backup(callbacks, backup_dir, run_config):
    """Appends the `BackupAndResume` of a training function's run to `callbacks`.

    The shared step of the training functions that take `backup_dir`: the
    backup goes last in `callbacks` (a list, changed in place), so that the
    end-of-epoch state of every callback with `backup_state` in it (which it
    backs up) is in that epoch's backup.

    Args:
        callbacks: The list of callbacks given to `fit`.
        backup_dir: The backup folder, or `None` for no backup.
        run_config: Dict of JSON values that defines the run.

    Returns:
        `(backup, first_epoch)`: the callback (`None` without `backup_dir`)
        and the epoch the run begins with (`backup_epoch(backup_dir)`, or 0),
        at which the training function starts its stream.

    Example:

    >>> callbacks = []
    >>> add_backup(callbacks, None, {"seed": 0}), callbacks
    ((None, 0), [])
    """
    if backup_dir is None:
        return None, 0
    stateful = [c for c in callbacks if hasattr(c, "backup_state")]
    backup = BackupAndResume(backup_dir, stateful=stateful, run_config=run_config)
    callbacks.append(backup)
    return backup, backup_epoch(backup_dir)


class BackupAndResume(keras.callbacks.BackupAndRestore):
    """A `keras.callbacks.BackupAndRestore` that restores the whole run.

    Keras's `BackupAndRestore` restores the weights (with the optimizer's
    variables) and the epoch. A run killed and restarted with the same
    command ends with the same weights as one never stopped only if the
    rest of its state comes back too; this callback also backs up, at the
    end of every epoch:

    - the state of the random seed generators of the model's layers
      (`keras.random.SeedGenerator`, e.g. the random empty memories of
      `MemoryNetwork`), which `save_weights` leaves out;
    - the state of the callbacks given as `stateful`: any object with
      `backup_state() -> dict` (JSON values and NumPy arrays) and
      `restore_state(state)` (`LinearStart`, `SlopeAnnealing`, the
      applications' `CopyProgress` and `PaperSchedule`);
    - the logs of every epoch finished (`history`), so that a resumed run
      reports the whole run;
    - `run_config`: what defines the run (epochs, seed, batch size ...).
      A restart with another configuration is refused with a ValueError
      instead of mixing two runs.

    A backup is written atomically: the weights and arrays go to new files
    named by the epoch, then `training_metadata.json`, which names them, is
    renamed into place; a run killed at any moment (even with SIGKILL while
    writing) leaves the previous complete backup. A run killed in the middle
    of an epoch resumes at the start of that epoch (the weights at its
    start, `model.fit` starting at that epoch); a generated stream must then
    start at that epoch's first batch: build it with
    `backup_epoch(backup_dir) * steps_per_epoch` as its first batch index.
    Put this callback after the `stateful` ones, so that their decisions at
    the end of an epoch are in that epoch's backup.

    At the end of a completed `fit` the backup is deleted (its own files
    only, then the folder if empty) unless `delete_checkpoint=False`.

    Args:
        backup_dir: Path of a folder for the backup, used by one run only.
        stateful: Callbacks whose state is backed up. Default: `()`.
        run_config: Optional dict of JSON values that defines the run.
            Default: `None`.
        delete_checkpoint: Boolean, delete the backup when `fit` ends.
            Default: `True`.

    Attributes:
        history: Dict of the logs of every epoch of the run, restored ones
            included (Keras's `History` keeps those of one `fit` only).
        restored_epoch: The epoch the run resumed at, or `None` when it
            started afresh.

    Example:

    >>> import tempfile
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> folder = tempfile.mkdtemp()
    >>> backup = BackupAndResume(folder, delete_checkpoint=False)
    >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2,
    ...                     verbose=0, callbacks=[backup])
    >>> backup_epoch(folder), len(backup.history["loss"])
    (2, 2)

    Reference:
        `keras.callbacks.BackupAndRestore`, which this extends.
    """

    def __init__(self, backup_dir, stateful=(), run_config=None, delete_checkpoint=True):
        if not isinstance(backup_dir, (str, os.PathLike)) or not str(backup_dir):
            raise validation.invalid_argument("backup_dir", "a folder path", backup_dir)
        super().__init__(
            str(backup_dir), save_freq="epoch", delete_checkpoint=delete_checkpoint
        )
        self.directory = pathlib.Path(backup_dir)
        stateful = tuple(stateful)
        for callback in stateful:
            if not (hasattr(callback, "backup_state") and hasattr(callback, "restore_state")):
                raise validation.invalid_argument(
                    "stateful",
                    "callbacks with `backup_state()` and `restore_state(state)`",
                    callback,
                )
        self.stateful = stateful
        if run_config is not None:
            if not isinstance(run_config, dict):
                raise validation.invalid_argument("run_config", "None or a dict", run_config)
            # Through JSON once, as it will be compared with a loaded backup.
            run_config = json.loads(json.dumps(run_config))
        self.run_config = run_config
        self.history = {}
        self.restored_epoch = None

    # === Restore ===

    def _state_keys(self):
        return [f"{i}:{type(callback).__name__}" for i, callback in enumerate(self.stateful)]

    def _seed_states(self):
        """The seed generators' state variables, which `save_weights` skips."""
        saved = {id(v) for v in self.model.weights}
        return [v for v in self.model.variables if id(v) not in saved]

    def _load_model(self):
        metadata = _read_metadata(self.directory)
        if metadata is None:
            return
        if self.run_config is not None and metadata.get("run_config") != self.run_config:
            stored = metadata.get("run_config") or {}
            different = sorted(
                key
                for key in set(stored) | set(self.run_config)
                if stored.get(key) != self.run_config.get(key)
            )
            raise ValueError(
                f"The backup in {str(self.directory)!r} is of another run "
                f"(it differs in {different}: {[stored.get(k) for k in different]} "
                f"there, {[self.run_config.get(k) for k in different]} now). "
                "Restart with the same arguments, or use another backup folder."
            )
        if sorted(metadata.get("callbacks", {})) != sorted(self._state_keys()):
            raise ValueError(
                f"The backup in {str(self.directory)!r} holds the state of the "
                f"callbacks {sorted(metadata.get('callbacks', {}))}, this run "
                f"has {self._state_keys()}."
            )
        if not self.model.built:
            raise ValueError(
                "BackupAndResume needs a built model before `fit`: call it on "
                f"a batch first (model {self.model.name!r})."
            )
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(self.directory / metadata["weights"])
        with np.load(self.directory / metadata["arrays"]) as stored:
            arrays = {key: stored[key] for key in stored.files}
        seeds, values = self._seed_states(), _decode(metadata["seeds"], arrays)
        if len(seeds) != len(values):
            raise ValueError(
                f"The backup in {str(self.directory)!r} holds {len(values)} seed "
                f"generator states, the model {self.model.name!r} has {len(seeds)}: "
                "it is another model's backup."
            )
        for variable, value in zip(seeds, values):
            variable.assign(value)
        states = _decode(metadata["callbacks"], arrays)
        for key, callback in zip(self._state_keys(), self.stateful):
            callback.restore_state(states[key])
        self.history = metadata.get("history", {})
        epoch = int(metadata["epoch"])
        self._current_epoch = epoch
        self.restored_epoch = epoch
        self.model._initial_epoch = epoch  # how Keras's own callback resumes

    def on_train_begin(self, logs=None):
        self._load_model()

    # === Back up ===

    def on_epoch_end(self, epoch, logs=None):
        for key, value in _json_logs(logs).items():
            self.history.setdefault(key, []).append(value)
        super().on_epoch_end(epoch, logs)

    def _save_model(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        epoch = self._current_epoch
        weights = f"epoch-{epoch}.weights.h5"
        arrays_file = f"epoch-{epoch}.state.npz"
        arrays = {}
        states = {
            key: callback.backup_state()
            for key, callback in zip(self._state_keys(), self.stateful)
        }
        metadata = {
            "epoch": epoch,
            "batch": 0,
            "weights": weights,
            "arrays": arrays_file,
            "seeds": _encode(
                [keras.ops.convert_to_numpy(v) for v in self._seed_states()], arrays
            ),
            "callbacks": _encode(states, arrays),
            "history": self.history,
            "run_config": self.run_config,
        }
        self.model.save_weights(self.directory / weights, overwrite=True)
        _sync(self.directory / weights)
        _replace_atomically(self.directory / arrays_file, lambda f: np.savez(f, **arrays))
        text = json.dumps(metadata).encode()
        _replace_atomically(self.directory / METADATA_FILE, lambda f: f.write(text))
        self._remove_files(keep=(weights, arrays_file, METADATA_FILE))

    def _remove_files(self, keep=()):
        for path in self.directory.glob("epoch-*"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
        for pattern in (".epoch-*.partial", f".{METADATA_FILE}.partial"):
            for path in self.directory.glob(pattern):
                path.unlink(missing_ok=True)

    def on_train_end(self, logs=None):
        self.model._initial_epoch = None  # a later `fit` starts where asked
        if self.delete_checkpoint and self.directory.is_dir():
            self._remove_files()
            (self.directory / METADATA_FILE).unlink(missing_ok=True)
            if not any(self.directory.iterdir()):
                self.directory.rmdir()
