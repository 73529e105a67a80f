"""The MemN2N training procedure: optimiser, the paper's schedule, buckets, train_babi."""

import json

import keras
import numpy as np
import pytest
from testing_utils import assert_invalid_argument

from keras_memory.applications import memn2n_babi
from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.datasets import babi


def _generated(task=1, num_stories=20, seed=5):
    return babi.generate_babi_examples(task, num_stories, seed=seed)


def test_bucketed_dataset_covers_every_question_once():
    examples = babi.generate_babi_examples(3, 12, seed=1) + _generated(1, 12)
    vocabulary = babi.build_vocabulary(examples)
    story, question, answer = babi.vectorize(examples, vocabulary, memory_size=50)
    arrays = babi.BabiArrays(story, question, answer, np.zeros_like(answer), story[..., 0] > 0)
    batches = list(memn2n_babi.bucketed_dataset(arrays, batch_size=8, buckets=(10, 20)))
    assert len(batches) == memn2n_babi.bucketed_steps(arrays, 8, buckets=(10, 20))
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen.tolist()) == sorted(answer.tolist())
    lengths = {b[0]["story"].shape[1] for b in batches}
    assert lengths <= {10, 20, 50}
    shuffled = list(memn2n_babi.bucketed_dataset(arrays, 8, (10, 20), shuffle=True))
    assert all(b[1].shape[0] == 8 for b in shuffled)
    assert len(shuffled) == memn2n_babi.bucketed_steps(arrays, 8, (10, 20), shuffle=True)


def _answers(dataset, count):
    return [batch[1].numpy().tolist() for batch in dataset.take(count)]


def test_repeated_bucketed_dataset_is_the_same_stream_for_every_iterator():
    """`repeat=True`: the stream of `.repeat()`'s first iteration, endless,
    and unchanged by an iterator read and dropped before (as Keras does
    under a strategy), from `start` as well."""
    examples = _generated(1, 30)
    vocabulary = babi.build_vocabulary(examples)
    story, question, answer = babi.vectorize(examples, vocabulary, memory_size=20)
    arrays = babi.BabiArrays(story, question, answer, np.zeros_like(answer), story[..., 0] > 0)
    steps = memn2n_babi.bucketed_steps(arrays, 4, (5, 10), shuffle=True)
    count = 3 * steps  # three passes, each with its own shuffles
    expected = _answers(
        memn2n_babi.bucketed_dataset(arrays, 4, (5, 10), shuffle=True, seed=3).repeat(), count
    )
    assert expected[:steps] != expected[steps : 2 * steps]
    endless = memn2n_babi.bucketed_dataset(arrays, 4, (5, 10), shuffle=True, seed=3, repeat=True)
    next(iter(endless))  # a dropped iterator
    assert _answers(endless, count) == expected
    assert _answers(endless, count) == expected
    resumed = memn2n_babi.bucketed_dataset(
        arrays, 4, (5, 10), shuffle=True, seed=3, start=steps + 1, repeat=True
    )
    assert _answers(resumed, count - steps - 1) == expected[steps + 1 :]
    one_pass = memn2n_babi.bucketed_dataset(arrays, 4, (5, 10), shuffle=True, seed=3)
    next(iter(one_pass))
    # Without `repeat`, every iteration is the next pass: the dropped
    # iterator drew the first.
    assert _answers(one_pass, steps) == expected[steps : 2 * steps]
    with pytest.raises(ValueError, match="repeat"):
        memn2n_babi.bucketed_dataset(arrays, repeat="yes")


def test_train_babi_writes_weights_vocabulary_and_metadata(tmp_path):
    babi.write_babi_files(tmp_path / "data", tasks=(1,), num_stories=40)
    output = tmp_path / "out" / "babi.weights.h5"
    result = memn2n_babi.train_babi(
        tmp_path / "data", tasks=1, epochs=3, embedding_dim=16, halving_epochs=1,
        linear_start_max_epochs=1, jit_compile=False, verbose=0, output=output,
    )
    assert sorted(result["validation_errors"]) == [1]
    assert result["history"]["learning_rate"] == [0.005, 0.01, 0.005]
    assert result["history"]["linear_start"] == [1.0, 0.0, 0.0]
    metadata = json.loads(output.with_name("metadata.json").read_text())
    assert metadata["training"]["linear_start_epochs"] == 1
    # The authors' position encoding, J = the longest sentence + 1, recorded
    # so that MemN2NbAbI(weights=output) builds the same model.
    assert metadata["training"]["encoding"] == "centered_position"
    longest = max(result["data"].train.story.shape[2], result["data"].train.question.shape[1])
    assert metadata["training"]["sentence_size"] == longest + 1
    assert metadata["training"]["attend_empty_slots"] is True
    assert set(metadata["training_errors"]) == {"1"}
    assert metadata["validation_errors"] == {"1": result["validation_errors"][1]}
    vocabulary = memn2n_babi.load_vocabulary(output)
    assert vocabulary == result["vocabulary"]
    reloaded = MemN2NbAbI(weights=output, embedding_dim=16)
    errors = memn2n_babi.evaluate_babi(reloaded, tmp_path / "data", "validation", vocabulary)
    assert errors == result["validation_errors"]
    with pytest.raises(ValueError, match="argument `output`"):
        memn2n_babi.train_babi(tmp_path / "data", tasks=1, output=tmp_path / "w.h5")


def test_optimizer_is_sgd_with_global_clipping():
    optimizer = memn2n_babi.memory_network_optimizer()
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.global_clipnorm == 40.0
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    optimizer = memn2n_babi.memory_network_optimizer(0.02, clipnorm=5)
    assert (float(optimizer.learning_rate), optimizer.global_clipnorm) == pytest.approx((0.02, 5))
    for name, value in [("learning_rate", -1.0), ("learning_rate", True), ("clipnorm", 0)]:
        assert_invalid_argument(
            memn2n_babi.memory_network_optimizer, name, value, **{name: value}
        )


def test_the_one_schedule_is_the_papers():
    # Per task: 0.01 halved every 25 epochs; joint: every 15.
    per_task = [memn2n_babi.paper_learning_rate(e, 25) for e in (0, 24, 25, 50, 99)]
    assert per_task == pytest.approx([0.01, 0.01, 0.005, 0.0025, 0.00125])
    joint = [memn2n_babi.paper_learning_rate(e) for e in (0, 14, 15, 30, 59)]
    assert joint == pytest.approx([0.01, 0.01, 0.005, 0.0025, 0.00125])
    assert memn2n_babi.paper_learning_rate(3, 2, learning_rate=0.1) == pytest.approx(0.05)
    assert_invalid_argument(memn2n_babi.paper_learning_rate, "epoch", -1, -1)
    assert_invalid_argument(memn2n_babi.paper_learning_rate, "halving_epochs", 2.5, 0, 2.5)


def test_paper_setup_per_task_and_joint():
    # The authors' code: 20 (per task) or 30 (joint) linear epochs, then
    # the paper's 100 or 60 with the learning rate halved every quarter.
    assert memn2n_babi.paper_setup(3) == (120, 25, 20, 20)
    assert memn2n_babi.paper_setup([3]) == (120, 25, 20, 20)
    assert memn2n_babi.paper_setup("all") == (90, 15, 50, 30)
    assert memn2n_babi.paper_setup([1, 15]) == (90, 15, 50, 30)
    assert memn2n_babi.paper_setup("all").linear_start_epochs == 30
    # The paper's text: linear start until the validation loss stops
    # decreasing, inside the paper's number of epochs.
    assert memn2n_babi.paper_setup(3, linear_start_epochs="plateau") == (100, 25, 20, None)
    assert memn2n_babi.paper_setup("all", linear_start_epochs="plateau") == (60, 15, 50, None)
    # Given epochs halve every quarter of those after linear start.
    assert memn2n_babi.paper_setup("all", epochs=70) == (70, 10, 50, 30)
    assert memn2n_babi.paper_setup("all", epochs=40, linear_start_epochs="plateau") == (
        40, 10, 50, None
    )
    assert memn2n_babi.paper_setup(2, epochs=3, linear_start_epochs=1) == (3, 1, 20, 1)
    assert memn2n_babi.paper_setup(2, 8, 3, 16, 2) == (8, 3, 16, 2)
    assert_invalid_argument(memn2n_babi.paper_setup, "epochs", 0, 1, epochs=0)
    assert_invalid_argument(memn2n_babi.paper_setup, "embedding_dim", 0, 1, embedding_dim=0)
    assert_invalid_argument(
        memn2n_babi.paper_setup, "linear_start_epochs", "early", 1, linear_start_epochs="early"
    )


def test_train_babi_runs_keeps_the_run_of_lowest_training_error(tmp_path):
    babi.write_babi_files(tmp_path / "data", tasks=(1,), num_stories=40)
    output = tmp_path / "best" / "babi.weights.h5"
    reported = []
    result = memn2n_babi.train_babi_runs(
        tmp_path / "data", runs=3, seed=4, output=output, tasks=1, epochs=2,
        embedding_dim=8, linear_start_epochs=1, jit_compile=False, verbose=0,
        report=lambda index, run: reported.append((index, run["metadata"]["training"]["seed"])),
    )
    assert reported == [(0, 4), (1, 5), (2, 6)]
    assert result["history"]["linear_start"] == [1.0, 0.0]  # a fixed linear epoch
    runs = result["runs"]
    assert [run["seed"] for run in runs] == [4, 5, 6]
    training = [run["mean_training_error"] for run in runs]
    # The first of the lowest training errors, whatever validation says.
    assert result["chosen_run"] == training.index(min(training))
    chosen = runs[result["chosen_run"]]
    assert result["metadata"]["training"]["seed"] == chosen["seed"]
    assert result["metadata"]["mean_training_error"] == chosen["mean_training_error"]
    assert chosen["mean_validation_error"] == result["metadata"]["mean_validation_error"]
    metadata = json.loads(output.with_name("metadata.json").read_text())
    assert metadata["runs"] == runs
    assert "lowest mean training error of 3 runs" in metadata["chosen_by"]
    reloaded = MemN2NbAbI(weights=output)
    errors = memn2n_babi.evaluate_babi(
        reloaded, tmp_path / "data", "validation", result["vocabulary"]
    )
    assert errors == result["validation_errors"]
    with pytest.raises(ValueError, match="argument `runs`.*got 0"):
        memn2n_babi.train_babi_runs(tmp_path / "data", runs=0)
    with pytest.raises(ValueError, match="argument `report`"):
        memn2n_babi.train_babi_runs(tmp_path / "data", runs=2, report="print")


def test_paper_schedule_follows_linear_start():
    model = MemN2NbAbI(weights=None, vocabulary=12, embedding_dim=4)
    memn2n_babi.compile_for_babi(model, jit_compile=False)
    network = memn2n_babi.memory_network_layer(model)
    schedule = memn2n_babi.PaperSchedule(halving_epochs=2)
    schedule.set_model(model)
    rates = []
    for epoch in range(6):
        network.linear_start.assign(1.0 if epoch < 2 else 0.0)  # what LinearStart does
        schedule.on_epoch_begin(epoch)
        rates.append(float(model.optimizer.learning_rate))
        logs = {"val_accuracy": [0.1, 0.2, 0.5, 0.4, 0.6, 0.3][epoch]}
        schedule.on_epoch_end(epoch, logs)
        assert logs["learning_rate"] == pytest.approx(rates[-1])
    # Linear start at 0.005, then 0.01 halved every 2 epochs from the softmax.
    assert rates == pytest.approx([0.005, 0.005, 0.01, 0.01, 0.005, 0.005])
    assert schedule.softmax_epoch == 2
    assert schedule.best_epoch == 4  # the best after linear start only
    assert_invalid_argument(memn2n_babi.PaperSchedule, "halving_epochs", 0, halving_epochs=0)
