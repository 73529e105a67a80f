"""The shipped MemN2N bAbI presets: files, vocabulary, metadata, per-task models."""

import numpy as np
import pytest

from keras_memory.applications import memn2n_babi


def test_shipped_files_and_metadata():
    path = memn2n_babi.shipped_weights_path()
    assert path.is_file()
    metadata = memn2n_babi.shipped_metadata()
    assert metadata["tasks"] == list(range(1, 21))
    assert sorted(metadata["validation_errors"], key=int) == [str(t) for t in range(1, 21)]
    assert metadata["paper"]["PE LS RN joint"]["mean_error"] == 12.4
    vocabulary = memn2n_babi.load_vocabulary()
    assert vocabulary["<pad>"] == 0 and vocabulary["<unk>"] == 1
    assert {"bathroom", "mary", "apple,football"} <= set(vocabulary)
    assert memn2n_babi.memory_network_layer(memn2n_babi.MemN2NbAbI()).vocab_size == len(vocabulary)


def test_per_task_metadata_is_consistent():
    metadata = memn2n_babi.shipped_metadata()
    rows = metadata["per_task"]["tasks"]
    assert sorted(rows, key=int) == [str(t) for t in range(1, 21)]
    folder = memn2n_babi.shipped_weights_path().parent
    combined = {}
    for task, row in rows.items():
        assert row["joint_error"] == metadata["validation_errors"][task]
        assert row["joint_training_error"] == metadata["training_errors"][task]
        assert row["used"] in ("per-task", "joint")
        # Shipped and used exactly where the per-task model fits the
        # training questions better: the validation split does not choose.
        better = (
            row["per_task_training_error"] is not None
            and row["per_task_training_error"] < row["joint_training_error"]
        )
        assert (row["used"] == "per-task") == better
        if row["used"] == "per-task":
            assert row["weights"] == f"task{task}.weights.h5"
            assert (folder / row["weights"]).is_file()
            assert (folder / row["weights"]).stat().st_size < 1_000_000  # small files
            assert row["embedding_dim"] == memn2n_babi.PER_TASK_EMBEDDING_DIM
        else:
            assert "weights" not in row
        if row["joint_training_error"] == 0.0:  # nothing to improve: not trained
            assert row["used"] == "joint"
        answered = row["per_task_error"] if row["used"] == "per-task" else row["joint_error"]
        combined[int(task)] = answered
    # No stray per-task files, and per_task_weights() lists the used ones.
    shipped_files = sorted(p.name for p in folder.glob("task*.weights.h5"))
    used = sorted(int(t) for t, row in rows.items() if row["used"] == "per-task")
    assert shipped_files == sorted(f"task{t}.weights.h5" for t in used)
    assert sorted(memn2n_babi.per_task_weights()) == used
    assert used, "no per-task weights shipped"
    summary = memn2n_babi.summarize_errors(combined)
    assert metadata["combined"]["validation_errors"] == {str(t): e for t, e in combined.items()}
    assert metadata["combined"]["mean_validation_error"] == summary["mean_error"]
    assert metadata["combined"]["failed_tasks"] == summary["failed_tasks"]


def test_babi_models_use_per_task_weights_where_shipped(shipped):
    per_task = memn2n_babi.per_task_weights()
    task = min(per_task)
    models = memn2n_babi.babi_models(tasks=[1, 11, task])
    assert list(models) == [1, 11, task]
    assert models[1] is models[11]  # one joint model for the joint tasks
    assert models[task] is not models[1]
    joint_layer = memn2n_babi.memory_network_layer(models[1])
    task_layer = memn2n_babi.memory_network_layer(models[task])
    assert joint_layer.embedding_dim == memn2n_babi.EMBEDDING_DIM
    assert task_layer.embedding_dim == memn2n_babi.PER_TASK_EMBEDDING_DIM
    # The joint vocabulary: same inputs, so the text export works as well.
    assert task_layer.vocab_size == joint_layer.vocab_size == len(shipped[1])
    joint_only = memn2n_babi.babi_models(tasks=[1, task], per_task=False)
    assert joint_only[1] is joint_only[task]
    assert memn2n_babi.memory_network_layer(joint_only[task]).embedding_dim == 50
    with pytest.raises(ValueError, match="argument `per_task`"):
        memn2n_babi.babi_models(tasks=1, per_task="yes")
    text_model = memn2n_babi.text_answer_model(models[task], shipped[1])
    assert text_model.output_names == ["answer", "probability"]


def test_paper_numbers_come_from_the_metadata_and_add_up():
    paper = memn2n_babi.shipped_metadata()["paper"]
    for setup, mean, failed in [("PE LS RN joint", 12.4, 11), ("PE LS RN", 13.9, 11)]:
        row = memn2n_babi.paper_errors(setup)
        assert (row["mean_error"], row["failed_tasks"]) == (mean, failed)
        assert row["errors"] == {int(t): e for t, e in paper[setup]["errors"].items()}
        assert sorted(row["errors"]) == list(range(1, 21))
        assert round(np.mean(list(row["errors"].values())), 1) == mean
        assert sum(e > 5 for e in row["errors"].values()) == failed
        assert memn2n_babi.PAPER_ERRORS[setup] == row["errors"]
    assert memn2n_babi.paper_errors()["errors"][3] == 21.9  # joint
    assert memn2n_babi.paper_errors("PE LS RN")["errors"][3] == 40.3  # per task
    with pytest.raises(ValueError, match="argument `setup`"):
        memn2n_babi.paper_errors("LSTM")


def test_weights_files_record_their_embedding_dim(tmp_path):
    # A train_babi output: MemN2NbAbI(weights=path) reads d from the metadata.
    vocabulary = memn2n_babi.load_vocabulary()
    model = memn2n_babi.MemN2NbAbI(weights=None, vocabulary=vocabulary, embedding_dim=7)
    output = tmp_path / "w" / "small.weights.h5"
    memn2n_babi.write_preset(output, model, vocabulary, {"training": {"embedding_dim": 7}})
    assert memn2n_babi.recorded_training(output) == {"embedding_dim": 7}
    assert memn2n_babi.load_vocabulary(output) == vocabulary
    reloaded = memn2n_babi.MemN2NbAbI(weights=output)
    assert memn2n_babi.memory_network_layer(reloaded).embedding_dim == 7
    assert memn2n_babi.recorded_training(tmp_path / "none.weights.h5") == {}
