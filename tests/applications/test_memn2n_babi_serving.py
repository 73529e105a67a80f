"""Text in, text out: the bAbI text model and its TF Serving export."""

import keras
import numpy as np
import pytest

from keras_memory.applications import memn2n_babi
from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.datasets import babi


def _generated(task=1, num_stories=20, seed=5):
    return babi.generate_babi_examples(task, num_stories, seed=seed)


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
