"""The MemN2N bAbI application: architecture, shipped weights, text export."""

import json
import pathlib

import keras
import numpy as np
import pytest

from keras_memory.applications import memn2n_babi
from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.datasets import babi

REAL_BABI = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "babi" / "en-train"
needs_real_babi = pytest.mark.skipif(
    not REAL_BABI.is_dir(), reason="the real bAbI files are not in ../shared/data/babi/en-train"
)


@pytest.fixture(scope="module")
def shipped():
    """The shipped model and its vocabulary, built once for the module."""
    return MemN2NbAbI(), memn2n_babi.load_vocabulary()


def _generated(task=1, num_stories=20, seed=5):
    return babi.generate_babi_examples(task, num_stories, seed=seed)


def test_architecture_is_the_papers():
    vocabulary = babi.build_vocabulary(_generated())
    model = MemN2NbAbI(weights=None, vocabulary=vocabulary)
    assert [t.name for t in model.inputs] == ["story", "question"]
    assert [t.dtype for t in model.inputs] == ["int32", "int32"]
    assert model.output_names == ["answer"]
    network = memn2n_babi.memory_network_layer(model)
    assert (network.vocab_size, network.embedding_dim, network.hops) == (len(vocabulary), 50, 3)
    assert (network.memory_size, network.weight_tying, network.encoding) == (50, "adjacent", "position")
    assert network.temporal_encoding and network.nonlinearity is None
    assert network.random_noise == pytest.approx(0.1)
    story, question, _ = babi.vectorize(_generated()[:4], vocabulary)
    probabilities = keras.ops.convert_to_numpy(model([story, question]))
    assert probabilities.shape == (4, len(vocabulary))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)


def test_return_attention_shares_the_weights():
    vocabulary = babi.build_vocabulary(_generated())
    plain = MemN2NbAbI(weights=None, vocabulary=vocabulary)
    both = MemN2NbAbI(weights=None, vocabulary=vocabulary, return_attention=True)
    both.set_weights(plain.get_weights())
    story, question, _ = babi.vectorize(_generated()[:3], vocabulary)
    outputs = both([story, question])
    assert sorted(outputs) == ["answer", "attention"]
    attention = keras.ops.convert_to_numpy(outputs["attention"])
    assert attention.shape == (3, 3, story.shape[1])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(outputs["answer"]),
        keras.ops.convert_to_numpy(plain([story, question])),
        atol=1e-6,
    )
    # Padding sentences get no attention.
    padding = ~(story != 0).any(-1)
    assert np.all(attention.transpose(1, 0, 2)[:, padding] == 0.0)


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"weights": "imagenet"}, "weights"),
        ({"weights": 3}, "weights"),
        ({"weights": "/no/such/file.weights.h5"}, "weights"),
        ({"weights": None}, "vocabulary"),
        ({"weights": None, "vocabulary": 0}, "vocabulary"),
        ({"weights": None, "vocabulary": {"a": 0}}, "vocabulary"),
        ({"weights": None, "vocabulary": 20, "embedding_dim": 0}, "embedding_dim"),
        ({"weights": None, "vocabulary": 20, "hops": 0}, "hops"),
        ({"weights": None, "vocabulary": 20, "memory_size": 0}, "memory_size"),
        ({"weights": None, "vocabulary": 20, "random_noise": 1.5}, "random_noise"),
        ({"weights": None, "vocabulary": 20, "return_attention": "yes"}, "return_attention"),
    ],
)
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        MemN2NbAbI(**kwargs)


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
    assert memn2n_babi.memory_network_layer(MemN2NbAbI()).vocab_size == len(vocabulary)


@needs_real_babi
def test_shipped_weights_reach_the_reported_validation_errors(shipped):
    model, vocabulary = shipped
    errors = memn2n_babi.evaluate_babi(model, REAL_BABI, "validation", vocabulary)
    reported = memn2n_babi.shipped_metadata()["validation_errors"]
    assert {str(t): e for t, e in errors.items()} == pytest.approx(reported, abs=0.01)
    assert errors[1] < 5.0


def test_per_task_metadata_is_consistent():
    metadata = memn2n_babi.shipped_metadata()
    rows = metadata["per_task"]["tasks"]
    assert sorted(rows, key=int) == [str(t) for t in range(1, 21)]
    folder = memn2n_babi.shipped_weights_path().parent
    combined = {}
    for task, row in rows.items():
        assert row["joint_error"] == metadata["validation_errors"][task]
        assert row["used"] in ("per-task", "joint")
        better = row["per_task_error"] is not None and row["per_task_error"] < row["joint_error"]
        # Shipped and used exactly where the per-task model beat the joint one.
        assert (row["used"] == "per-task") == better
        if row["used"] == "per-task":
            assert row["weights"] == f"task{task}.weights.h5"
            assert (folder / row["weights"]).is_file()
            assert (folder / row["weights"]).stat().st_size < 1_000_000  # small files
            assert row["embedding_dim"] == memn2n_babi.PER_TASK_EMBEDDING_DIM
        else:
            assert "weights" not in row
        if row["joint_error"] == 0.0:  # nothing to improve: not trained
            assert row["used"] == "joint"
        combined[int(task)] = row["per_task_error"] if row["used"] == "per-task" else row["joint_error"]
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
    assert summary["mean_error"] < metadata["mean_validation_error"]


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


def test_evaluate_babi_with_a_model_per_task(shipped, tmp_path):
    model, vocabulary = shipped
    babi.write_babi_files(tmp_path, tasks=(1, 15), splits=("train",), num_stories=20)
    models = memn2n_babi.babi_models(tasks=[1, 15])
    errors = memn2n_babi.evaluate_babi(models, tmp_path, "train", vocabulary)
    assert sorted(errors) == [1, 15]
    alone = memn2n_babi.evaluate_babi(models[15], tmp_path, "train", vocabulary, tasks=15)
    assert errors[15] == alone[15]
    with pytest.raises(ValueError, match="argument `model`"):
        memn2n_babi.evaluate_babi({1: model}, tmp_path, "train", vocabulary)


@needs_real_babi
def test_per_task_weights_beat_the_joint_model_on_their_validation_split(shipped):
    _, vocabulary = shipped
    rows = memn2n_babi.shipped_metadata()["per_task"]["tasks"]
    per_task = sorted(memn2n_babi.per_task_weights())
    models = memn2n_babi.babi_models(tasks=per_task)
    errors = memn2n_babi.evaluate_babi(models, REAL_BABI, "validation", vocabulary, tasks=per_task)
    for task in per_task:
        assert errors[task] == pytest.approx(rows[str(task)]["per_task_error"], abs=0.01)
        assert errors[task] < rows[str(task)]["joint_error"]


def test_shipped_weights_answer_generated_task_1(shipped):
    model, vocabulary = shipped
    examples = _generated(1, num_stories=100, seed=3)
    story, question, answer = babi.vectorize(examples, vocabulary)
    predicted = keras.ops.convert_to_numpy(model([story, question])).argmax(-1)
    assert np.mean(predicted == answer) > 0.95


def test_evaluate_babi_per_task_and_errors(shipped, tmp_path):
    model, vocabulary = shipped
    babi.write_babi_files(tmp_path, tasks=(1, 15), splits=("train", "test"), num_stories=30)
    errors = memn2n_babi.evaluate_babi(model, tmp_path, "test", vocabulary)
    assert sorted(errors) == [1, 15]
    assert all(0.0 <= e <= 100.0 for e in errors.values())
    assert errors[1] < 5.0
    assert list(memn2n_babi.evaluate_babi(model, tmp_path, "test", vocabulary, tasks=15)) == [15]
    held_out = memn2n_babi.evaluate_babi(model, tmp_path, "validation", vocabulary)
    assert sorted(held_out) == [1, 15]
    with pytest.raises(ValueError, match="argument `split`"):
        memn2n_babi.evaluate_babi(model, tmp_path, "dev", vocabulary)
    with pytest.raises(ValueError, match="argument `directory`"):
        memn2n_babi.evaluate_babi(model, tmp_path / "empty", "test", vocabulary)
    with pytest.raises(ValueError, match="qa2_"):
        memn2n_babi.evaluate_babi(model, tmp_path, "test", vocabulary, tasks=2)
    with pytest.raises(ValueError, match="argument `vocabulary`"):
        memn2n_babi.evaluate_babi(model, tmp_path, "test", {"<pad>": 0, "<unk>": 1})


def test_summary_and_table():
    errors = {1: 0.0, 2: 12.5, 3: 5.0}
    summary = memn2n_babi.summarize_errors(errors)
    assert summary == {
        "tasks": {
            "1": {"error": 0.0, "failed": False},
            "2": {"error": 12.5, "failed": True},
            "3": {"error": 5.0, "failed": False},
        },
        "mean_error": 5.83,
        "failed_tasks": 1,
    }
    table = memn2n_babi.format_error_table(errors).splitlines()
    assert table[2] == "| 1: single-supporting-fact | 0.0 |  | 0.0 |"
    assert table[3] == "| 2: two-supporting-facts | 12.5 | yes | 11.4 |"
    assert table[-1] == "| Failed tasks (error > 5%) | 1 | | 2 |"
    labels = {1: "joint", 2: "per-task", 3: "joint"}
    table = memn2n_babi.format_error_table(errors, models=labels).splitlines()
    assert table[0] == "| Task | MemN2N error (%) | Failed | Model | Paper, PE LS RN joint (%) |"
    assert table[3] == "| 2: two-supporting-facts | 12.5 | yes | per-task | 11.4 |"
    assert table[-1] == "| Failed tasks (error > 5%) | 1 | | | 2 |"
    assert all(line.count("|") == 6 for line in table)


def test_paper_table_sums_to_the_papers_mean():
    joint = memn2n_babi.PAPER_ERRORS["PE LS RN joint"]
    assert round(np.mean(list(joint.values())), 1) == 12.4
    assert sum(e > 5 for e in joint.values()) == 11


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


def test_text_to_ids_matches_the_reader():
    examples = _generated(1, 10) + babi.generate_babi_examples(15, 5)
    vocabulary = babi.build_vocabulary(examples[:20])  # some words unknown
    model = MemN2NbAbI(weights=None, vocabulary=vocabulary, memory_size=6)
    text_model = memn2n_babi.text_answer_model(model, vocabulary)
    to_ids = text_model.get_layer("text_to_ids")
    length = max(len(e.story) for e in examples)
    stories = np.array([list(e.story) + [""] * (length - len(e.story)) for e in examples])
    questions = np.array([e.question for e in examples])
    story_ids, question_ids = (keras.ops.convert_to_numpy(t) for t in to_ids(stories, questions))
    expected_story, expected_question, _ = babi.vectorize(examples, vocabulary, memory_size=6)
    s, w = expected_story.shape[1:]
    np.testing.assert_array_equal(story_ids[:, :s, :w], expected_story)
    assert not story_ids[:, s:].any() and not story_ids[:, :, w:].any()
    np.testing.assert_array_equal(question_ids[:, : expected_question.shape[1]], expected_question)
    assert (expected_story == babi.UNKNOWN_ID).any()  # the unknown words were tested


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
    assert metadata["validation_errors"] == {"1": result["validation_errors"][1]}
    vocabulary = memn2n_babi.load_vocabulary(output)
    assert vocabulary == result["vocabulary"]
    reloaded = MemN2NbAbI(weights=output, embedding_dim=16)
    errors = memn2n_babi.evaluate_babi(reloaded, tmp_path / "data", "validation", vocabulary)
    assert errors == result["validation_errors"]
    with pytest.raises(ValueError, match="argument `output`"):
        memn2n_babi.train_babi(tmp_path / "data", tasks=1, output=tmp_path / "w.h5")


def _stories_for_serving():
    examples = _generated(1, num_stories=8, seed=9)
    instances = [{"story": list(e.story), "question": e.question} for e in examples]
    # Unknown words, punctuation and case, more sentences than the memory.
    instances.append({"story": ["Zorro flew to the MOON!"] + list(examples[0].story),
                      "question": examples[0].question.upper()})
    long_story = [f"Daniel went to the {place}." for place in ["garden", "office"] * 30]
    instances.append({"story": long_story + ["Mary moved to the kitchen."],
                      "question": "Where is Mary?"})
    answers = [e.answer[0] for e in examples] + [examples[0].answer[0], "kitchen"]
    return instances, answers


def test_text_export_answers_in_a_fresh_process(shipped, tmp_path):
    model, vocabulary = shipped
    export_dir = memn2n_babi.export_babi_for_serving(model, tmp_path / "serving", "babi")
    assert export_dir == tmp_path / "serving" / "babi" / "1"
    assert (export_dir / "saved_model.pb").is_file()
    instances, answers = _stories_for_serving()
    served = memn2n_babi.predict_text_in_fresh_process(export_dir, instances)
    assert [p["answer"] for p in served] == answers

    # The same as the in-process text model, and as the id model.
    text_model = memn2n_babi.text_answer_model(model, vocabulary)
    length = max(len(i["story"]) for i in instances)
    stories = np.array([i["story"] + [""] * (length - len(i["story"])) for i in instances])
    questions = np.array([i["question"] for i in instances])
    outputs = text_model([stories, questions])
    assert [a.decode() for a in outputs["answer"].numpy()] == answers
    np.testing.assert_allclose(
        [p["probability"] for p in served], outputs["probability"].numpy(), atol=1e-5
    )
    examples = [
        babi.BabiExample(tuple(i["story"]), i["question"], ("x",), ()) for i in instances
    ]
    story, question, _ = babi.vectorize(examples, vocabulary, memory_size=50)
    probabilities = keras.ops.convert_to_numpy(model([story, question]))
    np.testing.assert_allclose(probabilities.max(-1), outputs["probability"].numpy(), atol=1e-5)


def test_text_answer_model_checks_its_vocabulary(shipped):
    model, _ = shipped
    with pytest.raises(ValueError, match="argument `vocabulary`"):
        memn2n_babi.text_answer_model(model, {"<pad>": 0, "<unk>": 1, "a": 2})
    with pytest.raises(ValueError, match="argument `instances`"):
        memn2n_babi.predict_text_in_fresh_process("nowhere", [])


def test_benchmark_prints_the_table_next_to_the_papers():
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "benchmarks/babi.py", "--quick"],
        cwd=root, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert lines[0] == (
        "| Task | MemN2N validation error (%) | Failed | Model | Paper, PE LS RN joint (%) |"
    )
    assert lines[2].startswith("| 1: single-supporting-fact |")
    assert "| joint |" in lines[2]
    assert lines[3].startswith("| 15: basic-deduction |")
    assert "| per-task |" in lines[3]  # the shipped per-task model answers task 15
    assert lines[-1].startswith("| Failed tasks (error > 5%) |")
