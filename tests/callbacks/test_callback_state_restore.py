"""BackupAndResume: the callbacks' state and the seed generators survive a restart.

A run is stopped right after a backup (a KeyboardInterrupt at the start of
an epoch stands for a kill there: the backup of the previous epoch is the
last one written) and restarted with fresh callbacks and a fresh model, as
a new process would; it must end as the run never stopped.
"""

import json

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications.memn2n_babi import PaperSchedule
from keras_memory.applications.ntm_copy import CopyProgress
from keras_memory.callbacks import BackupAndResume
from keras_memory.callbacks import LinearStart
from keras_memory.callbacks import SlopeAnnealing
from keras_memory.callbacks import backup_epoch
from keras_memory.callbacks import find_layers
from keras_memory.layers.hmlstm import HMLSTM
from keras_memory.layers.hmlstm_cell import HMLSTMCell
from keras_memory.layers.memory_network import MemoryNetwork

V = 9


class StopAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt when epoch `epoch` begins."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


class Scripted(keras.callbacks.Callback):
    """Logs `values[epoch]` as "score": a monitored quantity chosen by hand."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


def _memory_network_model():
    keras.utils.set_random_seed(3)
    inputs = [keras.Input((4, 3), dtype="int32"), keras.Input((3,), dtype="int32")]
    outputs = MemoryNetwork(V, 4, hops=2, memory_size=4, name="memory")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def _memory_network_data():
    rng = np.random.default_rng(0)
    story = rng.integers(0, V, size=(16, 4, 3)).astype("int32")
    question = rng.integers(1, V, size=(16, 3)).astype("int32")
    return [story, question], rng.integers(1, V, size=(16,)).astype("int32")


# Scores by epoch: better at 1, then two epochs without improvement; with
# patience 1 the softmax comes back at the end of epoch 3.
SCORES = [5.0, 4.0, 4.5, 4.2, 3.0, 2.0]


def _linear_start_run(backup_dir=None, stop_at=None):
    model = _memory_network_model()
    linear = LinearStart(monitor="score", patience=1)
    callbacks = [Scripted(SCORES), linear]
    if backup_dir is not None:
        callbacks.append(BackupAndResume(backup_dir, stateful=[linear]))
    if stop_at is not None:
        callbacks.append(StopAt(stop_at))
    x, y = _memory_network_data()
    model.fit(x, y, batch_size=8, epochs=6, shuffle=False, verbose=0, callbacks=callbacks)
    return model, linear


def test_linear_start_resumed_mid_plateau_ends_at_the_same_epoch(tmp_path):
    reference, expected = _linear_start_run()
    assert expected.stopped_epoch == 3
    assert expected.history == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]

    # Stopped when epoch 3 begins: the backup is of epoch 2's end, one epoch
    # into the plateau (wait 1, best 4.0).
    with pytest.raises(KeyboardInterrupt):
        _linear_start_run(tmp_path / "backup", stop_at=3)
    assert backup_epoch(tmp_path / "backup") == 3
    state = json.loads((tmp_path / "backup" / "training_metadata.json").read_text())
    assert state["callbacks"]["0:LinearStart"] == {
        "linear": True, "stopped_epoch": None, "history": [1.0, 1.0, 1.0],
        "best": 4.0, "wait": 1,
    }
    model, linear = _linear_start_run(tmp_path / "backup")
    assert linear.stopped_epoch == 3
    assert linear.history == expected.history
    assert float(model.get_layer("memory").linear_start) == 0.0
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert not (tmp_path / "backup").exists()


def test_linear_start_without_its_state_would_end_elsewhere():
    # What the restore prevents: a fresh LinearStart at epoch 3 starts its
    # plateau count over and keeps the network linear through epoch 5.
    linear = LinearStart(monitor="score", patience=1)
    linear.set_model(_memory_network_model())
    for epoch in range(3, 6):
        linear.on_epoch_end(epoch, {"score": SCORES[epoch]})
    assert linear.stopped_epoch is None


def _hmlstm_model():
    keras.utils.set_random_seed(4)
    inputs = keras.Input((5, 3))
    hidden = HMLSTM([4, 4], name="hmlstm")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile("adam", "mse")
    return model


def _slope_run(backup_dir=None, stop_at=None):
    model = _hmlstm_model()
    annealing = SlopeAnnealing(lambda epoch: 1.0 + epoch)
    callbacks = [annealing]
    if backup_dir is not None:
        callbacks.append(BackupAndResume(backup_dir, stateful=[annealing]))
    if stop_at is not None:
        callbacks.append(StopAt(stop_at))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model.fit(x, y, batch_size=4, epochs=4, shuffle=False, verbose=0, callbacks=callbacks)
    return model, annealing


def test_slope_annealing_resumes_with_its_slope_and_history(tmp_path):
    # (The weights of a resumed run are compared in the tests above and
    # below; an HM-LSTM trace costs seconds, so two fits here, not three.)
    with pytest.raises(KeyboardInterrupt):
        _slope_run(tmp_path / "backup", stop_at=2)
    model, annealing = _slope_run(tmp_path / "backup")
    assert annealing.history == [1.0, 2.0, 3.0, 4.0]
    assert [float(cell.slope) for cell in find_layers(model, HMLSTMCell)] == [4.0]
    # The restore alone puts the last slope back into every cell.
    annealing.restore_state({"history": [1.0, 2.0]})
    assert annealing.history == [1.0, 2.0]
    assert [float(cell.slope) for cell in find_layers(model, HMLSTMCell)] == [2.0]


def _dropout_run(backup_dir=None, stop_at=None):
    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dropout(0.5, seed=7), keras.layers.Dense(2)]
    )
    model.compile("sgd", "mse")
    callbacks = [] if backup_dir is None else [BackupAndResume(backup_dir)]
    if stop_at is not None:
        callbacks.append(StopAt(stop_at))
    x = np.linspace(-1, 1, 48, dtype="float32").reshape(8, 6)
    model.fit(x, x[:, :2], batch_size=4, epochs=4, shuffle=False, verbose=0,
              callbacks=callbacks)
    return model


def test_seed_generators_are_restored(tmp_path):
    # Dropout draws its masks from a SeedGenerator whose state save_weights
    # leaves out: without it in the backup the resumed masks would differ.
    reference = _dropout_run()
    with pytest.raises(KeyboardInterrupt):
        _dropout_run(tmp_path / "backup", stop_at=2)
    resumed = _dropout_run(tmp_path / "backup")
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # The same resume with the seed state reset is another run.
    with pytest.raises(KeyboardInterrupt):
        _dropout_run(tmp_path / "again", stop_at=2)
    metadata = json.loads((tmp_path / "again" / "training_metadata.json").read_text())
    assert len(metadata["seeds"]) == 1
    metadata["seeds"] = []
    (tmp_path / "again" / "training_metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match="holds 0 seed generator states.*has 1"):
        _dropout_run(tmp_path / "again")
    # The backup's seed state replaced by the initial one: another run.
    metadata["seeds"] = [np.array([7, 0]).tolist()]
    (tmp_path / "again" / "training_metadata.json").write_text(json.dumps(metadata))
    other = _dropout_run(tmp_path / "again")
    assert not np.allclose(other.get_weights()[0], reference.get_weights()[0])


def test_copy_progress_and_paper_schedule_states_survive_a_backup(tmp_path):
    progress = CopyProgress(16, every=1000)
    progress.history = [{"sequences": 32, "seconds": 3.0, "loss": 0.5,
                         "mean_bit_errors": 2.5, "max_bit_errors": 4.0}]
    progress.best = progress.history[0]
    progress._batches = 2
    schedule = PaperSchedule()
    schedule.softmax_epoch, schedule.best_epoch, schedule.best = 1, 2, 0.75
    schedule.best_weights = [np.arange(6.0).reshape(2, 3), np.array([0.5])]
    schedule.rates = [0.005, 0.01, 0.01]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    data = (np.ones((4, 2)), np.ones((4, 1)))
    backup = BackupAndResume(tmp_path, stateful=[progress, schedule], delete_checkpoint=False)
    model.fit(*data, epochs=1, verbose=0, callbacks=[backup])

    restored_progress, restored_schedule = CopyProgress(16, every=1000), PaperSchedule()
    backup = BackupAndResume(tmp_path, stateful=[restored_progress, restored_schedule])
    model.fit(*data, epochs=1, verbose=0, callbacks=[backup])  # restores, trains none
    assert backup.restored_epoch == 1
    assert restored_progress.history == progress.history
    assert restored_progress.best == progress.best
    restored_progress.on_train_batch_end(0)
    assert restored_progress._batches == 3  # counts on from the backup
    assert restored_schedule.softmax_epoch == 1
    assert (restored_schedule.best_epoch, restored_schedule.best) == (2, 0.75)
    assert restored_schedule.rates == [0.005, 0.01, 0.01]
    for got, want in zip(restored_schedule.best_weights, schedule.best_weights):
        np.testing.assert_array_equal(got, want)
    assert not tmp_path.exists()  # the run was complete: its backup is gone


def test_an_unfinished_write_leaves_the_previous_backup(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    data = (np.ones((4, 2)), np.ones((4, 1)))
    with pytest.raises(KeyboardInterrupt):
        model.fit(*data, epochs=3, verbose=0,
                  callbacks=[BackupAndResume(tmp_path), StopAt(1)])
    saved = model.get_weights()
    # What a kill while writing epoch 2's backup leaves: its weights and a
    # partial metadata file, never renamed into place.
    (tmp_path / "epoch-2.weights.h5").write_bytes(b"half a file")
    (tmp_path / ".training_metadata.json.partial").write_text('{"epo')
    (tmp_path / "notes.txt").write_text("the user's")
    assert backup_epoch(tmp_path) == 1
    fresh = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    fresh.compile("sgd", "mse")
    backup = BackupAndResume(tmp_path)

    class Check(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                for got, want in zip(self.model.get_weights(), saved):
                    np.testing.assert_array_equal(got, want)

    fresh.fit(*data, epochs=3, verbose=0, callbacks=[backup, Check()])
    assert backup.restored_epoch == 1
    assert len(backup.history["loss"]) == 3  # epoch 0's loss came with the backup
    # Its own files are gone, the user's stays, and so does the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_bad_backups_and_arguments(tmp_path):
    (tmp_path / "training_metadata.json").write_text("not json")
    with pytest.raises(ValueError, match="training_metadata.json.*not a BackupAndResume"):
        backup_epoch(tmp_path)
    assert backup_epoch(tmp_path / "absent") == 0
    assert_invalid_argument(BackupAndResume, "backup_dir", "", "")
    assert_invalid_argument(BackupAndResume, "stateful", None, tmp_path, stateful=[object()])
    assert_invalid_argument(BackupAndResume, "run_config", [1], tmp_path, run_config=[1])
