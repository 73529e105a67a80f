"""Kill a training run with SIGKILL mid-epoch, restart it, get the same weights.

A child process trains bAbI (`train_babi`) with a backup folder and writes
a file when it has finished a given batch, then waits; the test kills it
(SIGKILL: nothing runs on the way out) and starts the same training again,
which resumes from the backup. Its weights must equal those of a run never
stopped, computed here meanwhile. The NTM copy training (`train_copy`) is
stopped mid-epoch in this process and resumed the same way (a subprocess
costs a TensorFlow import). Then: the streams' `start`, and the
`--backup-dir` flag of `keras-memory train`.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_memory.applications import ntm_copy

REPO = pathlib.Path(__file__).resolve().parents[2]
TRAININGS = ("babi_run",)  # functions of resumable_runs, in order

# The child: `python child.py WORKDIR TESTS_DIR PAUSE`. It runs the trainings
# of TRAININGS in order, each with its own backup folder, skipping those
# whose weights are already saved. PAUSE is `name:k` (after k batches of
# that training in this process, write WORKDIR/ready and wait to be
# killed) or `none`; everything else is the same command every time.
CHILD = r"""
import json, pathlib, sys, time
import keras
import numpy as np

workdir, tests_dir, pause = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path.insert(0, tests_dir)
import resumable_runs


class PauseAt(keras.callbacks.Callback):
    def __init__(self, at):
        super().__init__()
        self.at, self.batches = at, 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches == self.at:
            (workdir / "ready").write_text("paused")
            time.sleep(300)


for name in %r:
    output = workdir / f"{name}.npz"
    if output.exists():
        continue
    at = int(pause.split(":")[1]) if pause.startswith(name + ":") else 0
    counter = PauseAt(at)
    model, record = getattr(resumable_runs, name)(
        workdir, str(workdir / f"{name}.backup"), [counter]
    )
    np.savez(output, *model.get_weights())
    record["batches_trained_here"] = counter.batches
    (workdir / f"{name}.json").write_text(json.dumps(record))
""" % (TRAININGS,)


def _environment():
    environment = dict(os.environ)
    environment.update(
        KERAS_BACKEND="tensorflow",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=os.pathsep.join([str(REPO), environment.get("PYTHONPATH", "")]),
    )
    return environment


class Child:
    """The child process on `workdir`, started with a `pause`."""

    def __init__(self, workdir, pause):
        script = workdir / "child.py"
        script.write_text(CHILD)
        (workdir / "ready").unlink(missing_ok=True)
        self.workdir = workdir
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(workdir), str(pathlib.Path(__file__).parent), pause],
            env=_environment(), cwd=workdir, stderr=subprocess.PIPE,
        )

    def kill_when_paused(self, timeout=240):
        """Waits for the pause, then SIGKILL: nothing runs on the way out."""
        deadline = time.time() + timeout
        try:
            while not (self.workdir / "ready").exists():
                if self.process.poll() is not None:
                    pytest.fail(f"the child ended before its pause: {self._stderr()}")
                if time.time() > deadline:
                    pytest.fail("the child did not reach its pause in time")
                time.sleep(0.05)
            self.process.send_signal(signal.SIGKILL)
            assert self.process.wait(timeout=60) == -signal.SIGKILL
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    def finish(self, timeout=240):
        assert self.process.wait(timeout=timeout) == 0, self._stderr()
        self._stderr()

    def _stderr(self):
        text = self.process.stderr.read().decode()[-3000:]
        self.process.stderr.close()
        return text


def _result(workdir, name):
    with np.load(workdir / f"{name}.npz") as stored:
        weights = [stored[f"arr_{i}"] for i in range(len(stored.files))]
    return weights, json.loads((workdir / f"{name}.json").read_text())


def assert_same_weights(resumed, uninterrupted):
    assert len(resumed) == len(uninterrupted)
    for got, expected in zip(resumed, uninterrupted):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_babi_killed_mid_epoch_resumes_to_the_uninterrupted_weights(tmp_path):
    import resumable_runs

    resumable_runs.write_data(tmp_path)
    # 1. bAbI (4 epochs of 22 batches) killed after its 30th batch, in the
    #    middle of epoch 1: the backup holds the end of epoch 0.
    child = Child(tmp_path, "babi_run:30")
    # Meanwhile, here: the uninterrupted run.
    babi_model, babi_reference = resumable_runs.babi_run(tmp_path, None, [])
    assert babi_reference["steps_per_epoch"] == 22
    child.kill_when_paused()
    left = sorted(path.name for path in (tmp_path / "babi_run.backup").iterdir())
    assert left == ["epoch-1.state.npz", "epoch-1.weights.h5", "training_metadata.json"]
    # 2. The same command again: bAbI resumes at epoch 1 and ends.
    Child(tmp_path, "none").finish()

    weights, record = _result(tmp_path, "babi_run")
    assert (record["first_epoch"], record["batches_trained_here"]) == (1, 3 * 22)
    assert_same_weights(weights, babi_model.get_weights())
    # Linear start ended after epoch 0 in both, the learning rates are the
    # schedule's, and the whole run's logs are reported.
    assert record["history"]["linear_start"] == [1.0, 0.0, 0.0, 0.0]
    assert record["history"]["learning_rate"] == [0.005, 0.01, 0.005, 0.0025]
    for key, values in babi_reference["history"].items():
        np.testing.assert_allclose(record["history"][key], values, rtol=1e-5)
    assert record["validation_errors"] == babi_reference["validation_errors"]
    assert not (tmp_path / "babi_run.backup").exists()  # deleted once complete


class StopAfter(keras.callbacks.Callback):
    """Raises KeyboardInterrupt after `batches` batches: a crash mid-epoch."""

    def __init__(self, batches):
        super().__init__()
        self.batches, self.seen = batches, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.batches:
            raise KeyboardInterrupt


def test_ntm_copy_stopped_mid_epoch_resumes_to_the_uninterrupted_weights(tmp_path, monkeypatch):
    # The copy training (epochs of 3 batches, 9 in all) stopped after its
    # 5th batch, the second of epoch 1, then called again as a new process
    # would (a fresh model from the same seed). The SIGKILL itself is
    # tested on bAbI above; the backup machinery is the same.
    import resumable_runs

    backup_dir = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        resumable_runs.ntm_copy(tmp_path, backup_dir, [StopAfter(5)])
    assert (tmp_path / "backup" / "epoch-1.weights.h5").is_file()
    # Another run's arguments are refused before any training.
    monkeypatch.setattr(ntm_copy.training, "evaluate_copy", resumable_runs.short_evaluation)
    with pytest.raises(ValueError, match=r"another run.*'seed'"):
        ntm_copy.train_copy(
            resumable_runs.copy_model(), 18, batch_size=2, min_length=1, max_length=3,
            every=2, steps_per_epoch=3, verbose=0, backup_dir=backup_dir, seed=5,
        )
    counter = StopAfter(0)
    model, record = resumable_runs.ntm_copy(tmp_path, backup_dir, [counter])
    assert (record["first_epoch"], counter.seen) == (1, 6)
    assert not (tmp_path / "backup").exists()

    reference_model, reference = resumable_runs.ntm_copy(tmp_path, None, [])
    assert_same_weights(model.get_weights(), reference_model.get_weights())
    # The progress record survived: the evaluation after batch 2 is the
    # stopped run's, restored from the backup; all are at the same batches
    # with the same errors as the uninterrupted run's (the clock differs).
    assert [row["sequences"] for row in record["history"]] == [4, 8, 12, 16]
    assert [row["sequences"] for row in reference["history"]] == [4, 8, 12, 16]
    for got, expected in zip(record["history"], reference["history"]):
        assert got["mean_bit_errors"] == pytest.approx(expected["mean_bit_errors"], abs=1e-6)


def test_dates_stopped_mid_epoch_resumes_to_the_uninterrupted_weights(tmp_path):
    # `train_dates` (epochs of 3 batches, 9 in all) stopped after its 5th
    # batch, then called again as a new process would.
    import resumable_runs

    backup_dir = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        resumable_runs.dates_run(tmp_path, backup_dir, [StopAfter(5)])
    assert backup_epoch_of(backup_dir) == 1
    with pytest.raises(ValueError, match=r"another run.*'seed'"):
        resumable_runs.dates_run(tmp_path, backup_dir, [], seed=3)
    counter = StopAfter(0)
    model, record = resumable_runs.dates_run(tmp_path, backup_dir, [counter])
    assert (record["first_epoch"], counter.seen) == (1, 6)
    assert not (tmp_path / "backup").exists()
    reference_model, reference = resumable_runs.dates_run(tmp_path, None, [])
    assert int(model.optimizer.iterations) == int(reference_model.optimizer.iterations) == 9
    assert_same_weights(model.get_weights(), reference_model.get_weights())
    for key in ("loss", "val_loss"):  # the whole run's logs, restored epoch included
        np.testing.assert_allclose(record["history"][key], reference["history"][key], rtol=1e-5)


@pytest.mark.parametrize(
    "training, stop_after, trained_after_resuming",
    [
        # `train_on_mnist`: 2 epochs of 4 batches; the resumed epoch draws
        # the placements and glimpse locations of the run never stopped.
        ("glimpse_run", 6, 4),
        # `train_on_shapes`: 2 epochs of 2 batches; the resumed epoch is
        # shuffled as in the run never stopped.
        ("captioning_run", 3, 2),
    ],
)
def test_stopped_mid_epoch_resumes_to_the_uninterrupted_run(
    tmp_path, training, stop_after, trained_after_resuming
):
    import resumable_runs

    run = getattr(resumable_runs, training)
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, backup_dir, [StopAfter(stop_after)])  # in epoch 1
    assert backup_epoch_of(backup_dir) == 1
    with pytest.raises(ValueError, match=r"another run.*'seed'"):
        run(tmp_path, backup_dir, [], seed=3)
    counter = StopAfter(0)
    model, record = run(tmp_path, backup_dir, [counter])
    assert (record["first_epoch"], counter.seen) == (1, trained_after_resuming)
    assert not (tmp_path / "backup").exists()
    reference_model, reference = run(tmp_path, None, [])
    assert_same_weights(model.get_weights(), reference_model.get_weights())
    resumed, uninterrupted = record["metadata"], reference["metadata"]
    assert resumed["training"]["resumed_at_epoch"] == 1
    assert resumed["training"]["loss_first_last"] == uninterrupted["training"]["loss_first_last"]
    assert resumed["validation"] == uninterrupted["validation"]


# === The streams resume at the right batch ===


def test_copy_dataset_starts_at_the_batch_asked():
    from keras_memory.datasets import Curriculum
    from keras_memory.datasets import copy_dataset
    from keras_memory.datasets import copy_task

    curriculum = Curriculum(start=1, stop=4, every=2)
    full = list(copy_dataset(2, 1, 4, seed=3, curriculum=curriculum).take(7))
    resumed = list(copy_dataset(2, 1, 4, seed=3, curriculum=curriculum, start=4).take(3))
    for got, expected in zip(resumed, full[4:]):
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Batch 4 of the stream is the task's batch for seed (3, 4), at the
    # curriculum's length for batch 4 (3).
    inputs, _, _ = copy_task(2, 1, 3, seed=(3, 4))
    np.testing.assert_array_equal(resumed[0][0].numpy(), inputs)
    for bad in (-1, 1.5):
        with pytest.raises(ValueError, match="argument `start`"):
            copy_dataset(2, start=bad)


def test_bucketed_dataset_starts_at_the_batch_asked():
    from keras_memory.applications import memn2n_babi
    from keras_memory.datasets import babi

    examples = babi.generate_babi_examples(1, 12, seed=2)
    vocabulary = babi.build_vocabulary(examples)
    story, question, answer = babi.vectorize(examples, vocabulary, memory_size=20)
    arrays = babi.BabiArrays(story, question, answer, np.zeros_like(answer), story[..., 0] > 0)
    steps = memn2n_babi.bucketed_steps(arrays, 4, (5, 10), shuffle=True)
    assert steps >= 3

    def stream(start, count):
        dataset = memn2n_babi.bucketed_dataset(
            arrays, 4, (5, 10), shuffle=True, seed=9, start=start
        ).repeat()
        return [batch[1].numpy().tolist() for batch in dataset.take(count)]

    full = stream(0, 3 * steps)
    # Into the second pass (a new shuffle), and whole passes skipped.
    assert stream(steps + 1, steps) == full[steps + 1 : 2 * steps + 1]
    assert stream(2 * steps, steps) == full[2 * steps :]
    assert full[:steps] != full[steps : 2 * steps]  # each pass is shuffled anew
    with pytest.raises(ValueError, match="argument `start`"):
        memn2n_babi.bucketed_dataset(arrays, start=-1)


# === keras-memory train --backup-dir ===


def _resumable_recipe(stop_at=None):
    """A tiny recipe whose `train` takes `backup_dir`; it can stop at an epoch."""
    from keras_memory.callbacks import BackupAndResume
    from keras_memory.recipes import Recipe

    def build_model():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.1, momentum=0.9), "mse")
        return model

    def train(model, epochs, verbose=1, callbacks=(), backup_dir=None):
        callbacks = list(callbacks)
        if backup_dir is not None:
            callbacks.append(BackupAndResume(backup_dir))

        class Stop(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == stop_at:
                    raise KeyboardInterrupt

        x = np.linspace(-1, 1, 16, dtype="float32").reshape(8, 2)
        model.fit(x, x[:, :1] - x[:, 1:], batch_size=2, epochs=epochs, shuffle=False,
                  verbose=0, callbacks=[*callbacks, Stop()])

    return Recipe(
        name="tiny", description="", metric_name="loss", default_epochs=4,
        build_model=build_model, train=train, evaluate=lambda model: 0.5,
    )


def test_train_command_backs_up_and_resumes(tmp_path, monkeypatch, capsys):
    from keras_memory import cli
    from keras_memory import recipes

    def use(recipe):
        monkeypatch.setattr(recipes, "available_recipes", lambda: {"tiny": recipe})

    command = ["train", "tiny", "--output", str(tmp_path / "m.weights.h5"),
               "--backup-dir", str(tmp_path / "backup")]
    use(_resumable_recipe(stop_at=2))
    assert cli.main(command) == cli.INTERRUPTED
    assert backup_epoch_of(tmp_path / "backup") == 2
    use(_resumable_recipe())
    assert cli.main(command) == 0  # the same command: resumes at epoch 2
    assert not (tmp_path / "backup").exists()
    use(_resumable_recipe())
    assert cli.main(["train", "tiny", "--output", str(tmp_path / "u.weights.h5")]) == 0
    resumed, uninterrupted = (_weights(tmp_path / name) for name in ("m", "u"))
    for got, expected in zip(resumed, uninterrupted):
        np.testing.assert_allclose(got, expected, rtol=1e-6)

    # A recipe whose training cannot resume refuses the flag.
    recipe = _resumable_recipe()
    plain = type(recipe)(**{**recipe.__dict__, "train": lambda model, epochs, **kw: None})
    use(plain)
    capsys.readouterr()
    assert cli.main(command) == 2
    assert "argument `--backup-dir`: recipe 'tiny' cannot resume" in capsys.readouterr().err


def backup_epoch_of(path):
    from keras_memory.callbacks import backup_epoch

    return backup_epoch(path)


def _weights(stem):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.load_weights(f"{stem}.weights.h5")
    return model.get_weights()


def test_babi_train_command_passes_the_backup_dir(tmp_path, monkeypatch):
    from keras_memory import cli
    from keras_memory.applications import memn2n_babi
    from keras_memory.datasets import babi

    babi.write_babi_files(tmp_path / "data", tasks=(1,), num_stories=2)
    received = {}

    def fake_train_babi(directory, **kwargs):
        received.update(kwargs)
        return {"validation_errors": {1: 0.0}}

    monkeypatch.setattr(memn2n_babi, "train_babi", fake_train_babi)
    arguments = ["train", "babi", "--data", str(tmp_path / "data"),
                 "--output", str(tmp_path / "b.weights.h5")]
    assert cli.main([*arguments, "--backup-dir", str(tmp_path / "backup")]) == 0
    assert received["backup_dir"] == str(tmp_path / "backup")
    assert cli.main(arguments) == 0
    assert received["backup_dir"] is None


def test_generated_task_recipes_pass_the_backup_on(tmp_path, monkeypatch):
    # What the recipes hand to the training they wrap (the training itself
    # is resumed above); a real clockwork fit costs an XLA compilation.
    from keras_memory.callbacks import BackupAndResume
    from keras_memory.recipes import clockwork_waveform
    from keras_memory.recipes import ntm_copy as ntm_copy_recipe

    received = {}
    monkeypatch.setattr(
        ntm_copy_recipe.ntm_copy, "train_copy", lambda *a, **kw: received.update(kw)
    )
    ntm_copy_recipe.train(None, 2, verbose=0, backup_dir=str(tmp_path))
    assert received["backup_dir"] == str(tmp_path)
    assert received["steps_per_epoch"] == 625  # a backup per recipe epoch

    class Model:
        def fit(self, *args, **kwargs):
            received.update(kwargs)

    clockwork_waveform.train(Model(), 3, verbose=0, backup_dir=str(tmp_path))
    backups = [c for c in received["callbacks"] if isinstance(c, BackupAndResume)]
    assert [b.run_config for b in backups] == [{"recipe": "clockwork-waveform", "epochs": 3}]
    assert received["shuffle"] is False  # every epoch the same batches
    clockwork_waveform.train(Model(), 3, verbose=0)
    assert not any(isinstance(c, BackupAndResume) for c in received["callbacks"])


class Received(Exception):
    """Raised by a stand-in training function once it has its arguments."""


@pytest.mark.parametrize(
    "recipe, module, function",
    [
        ("dates", "keras_memory.applications.seq2seq.training", "train_dates"),
        ("glimpse", "keras_memory.applications.glimpse.training", "train_on_mnist"),
        ("captioning", "keras_memory.applications.captioning.shapes_training", "train_on_shapes"),
    ],
)
def test_train_commands_pass_the_backup_dir(tmp_path, monkeypatch, recipe, module, function):
    # The trainings themselves are resumed above; here, the commands hand
    # `--backup-dir` to them (they refused it before).
    import importlib

    from keras_memory import cli

    received = {}

    def stand_in(*args, **kwargs):
        received.update(kwargs)
        raise Received

    monkeypatch.setattr(importlib.import_module(module), function, stand_in)
    if recipe == "dates":  # the full model is built before training: a tiny one
        from keras_memory.applications.seq2seq import training

        monkeypatch.setattr(training, "ARCHITECTURE", {
            "embedding_dim": 2, "encoder_units": 2, "decoder_units": 2,
            "attention_units": 2, "cell": "gru"})
    arguments = ["train", recipe, "--output", str(tmp_path / "out.weights.h5"),
                 "--backup-dir", str(tmp_path / "backup")]
    if recipe == "glimpse":
        import resumable_runs

        arguments += ["--data", str(resumable_runs.write_mnist(tmp_path))]
    with pytest.raises(Received):
        cli.main(arguments)
    assert received["backup_dir"] == str(tmp_path / "backup")
