"""MemN2NbAbI: the paper's architecture, its arguments, the shipped weights."""

import keras
import numpy as np
import pytest

from keras_memory.applications import memn2n_babi
from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.datasets import babi


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
    # The position encoding of the authors' code, J = 11 words + 1.
    assert (network.memory_size, network.weight_tying, network.encoding) == (
        50, "adjacent", "centered_position"
    )
    assert network.sentence_size == memn2n_babi.SENTENCE_SIZE == 12
    assert network.attend_empty_slots  # the authors' memory of 50 rows
    assert network.temporal_encoding and network.nonlinearity is None
    assert network.random_noise == pytest.approx(0.1)
    story, question, _ = babi.vectorize(_generated()[:4], vocabulary)
    probabilities = keras.ops.convert_to_numpy(model([story, question]))
    assert probabilities.shape == (4, len(vocabulary))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)


def test_the_encoding_follows_the_weights_metadata(tmp_path):
    # Weights whose metadata records no encoding predate the option: the
    # printed formula. A recorded one is used, with its J.
    model = MemN2NbAbI(weights=None, vocabulary=12, embedding_dim=4)
    memn2n_babi.write_preset(
        tmp_path / "old" / "w.weights.h5", model, {"<pad>": 0, "<unk>": 1, **{
            f"w{i}": i for i in range(2, 12)}}, {"training": {"embedding_dim": 4}},
    )
    old = memn2n_babi.memory_network_layer(MemN2NbAbI(weights=tmp_path / "old" / "w.weights.h5"))
    assert (old.encoding, old.attend_empty_slots) == ("position", False)
    memn2n_babi.write_preset(
        tmp_path / "new" / "w.weights.h5", model, {"<pad>": 0, "<unk>": 1, **{
            f"w{i}": i for i in range(2, 12)}},
        {"training": {"embedding_dim": 4, "encoding": "centered_position", "sentence_size": 9,
                      "attend_empty_slots": True}},
    )
    new = memn2n_babi.memory_network_layer(MemN2NbAbI(weights=tmp_path / "new" / "w.weights.h5"))
    assert (new.encoding, new.sentence_size, new.attend_empty_slots) == (
        "centered_position", 9, True
    )


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


def test_shipped_weights_answer_generated_task_1(shipped):
    model, vocabulary = shipped
    examples = _generated(1, num_stories=100, seed=3)
    story, question, answer = babi.vectorize(examples, vocabulary)
    predicted = keras.ops.convert_to_numpy(model([story, question])).argmax(-1)
    assert np.mean(predicted == answer) > 0.95
