"""Character vocabulary (NumPy and in-graph) and the teacher-forcing pipeline."""

import numpy as np
import pytest
import tensorflow as tf
from testing_utils import assert_invalid_argument

from keras_memory.datasets import text
from keras_memory.datasets.text import CharacterVocabulary
from keras_memory.datasets.text_graph import CharacterTokenizer

ACCENTED = ["Größe", "août", "Mädchen", "ÉTÉ", "über", "café"]


@pytest.fixture
def vocabulary():
    return CharacterVocabulary.from_strings(ACCENTED)


def test_special_ids_and_sorted_characters(vocabulary):
    assert (text.PAD_ID, text.START_ID, text.END_ID, text.UNKNOWN_ID) == (0, 1, 2, 3)
    assert list(vocabulary.characters) == sorted(set("".join(ACCENTED)))
    assert vocabulary.size == 4 + len(vocabulary.characters) == len(vocabulary)
    assert vocabulary.id_of("ß") == 4 + vocabulary.characters.index("ß")
    assert vocabulary.id_of("z") == text.UNKNOWN_ID


def test_encode_decode_round_trip_unknown_truncation_empty(vocabulary):
    ids, lengths = vocabulary.encode(ACCENTED + [""], max_length=9)
    assert ids.dtype == np.int32 and ids.shape == (7, 9) and lengths.dtype == np.int32
    assert lengths.tolist() == [len(s) + 1 for s in ACCENTED] + [1]
    assert ids[-1].tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0]  # empty: the end id alone
    assert vocabulary.decode(ids) == ACCENTED + [""]
    unknown, _ = vocabulary.encode(["cazé"], 6)
    assert unknown[0].tolist() == [vocabulary.id_of("c"), vocabulary.id_of("a"), 3,
                                   vocabulary.id_of("é"), 2, 0]
    assert vocabulary.decode(unknown[0]) == "ca\ufffdé"
    truncated, lengths = vocabulary.encode(["Mädchen"], 4)  # 3 characters + end
    assert vocabulary.decode(truncated) == ["Mäd"] and lengths.tolist() == [4]
    with_start, lengths = vocabulary.encode(["über"], 4, add_start=True, add_end=False)
    assert with_start[0, 0] == text.START_ID and lengths.tolist() == [4]
    assert vocabulary.decode(with_start) == ["übe"]
    # Decoding stops at the first end id; padding and start ids are skipped.
    a = vocabulary.id_of("a")
    assert vocabulary.decode([[1, a, 0, a, 2, a, a]]) == ["aa"]
    assert vocabulary.decode(np.array([[a, a]], "int64")) == ["aa"]


def test_bytes_input_and_json_round_trip(vocabulary, tmp_path):
    ids, _ = vocabulary.encode(["août".encode("utf-8")], 6)
    assert vocabulary.decode(ids) == ["août"]
    path = tmp_path / "vocabulary.json"
    vocabulary.save(path)
    assert "û" in path.read_text(encoding="utf-8")  # UTF-8, not escaped
    loaded = CharacterVocabulary.load(path)
    assert loaded == vocabulary and loaded.characters == vocabulary.characters
    assert CharacterVocabulary.from_json(vocabulary.to_json()) == vocabulary


def test_in_graph_tokenizer_equals_numpy(vocabulary):
    tokenizer = CharacterTokenizer(vocabulary)
    strings = ACCENTED + ["", "ßüûé?x", "Größenwahn"]
    for max_length, add_start, add_end in [(8, False, True), (6, True, False), (12, True, True)]:
        expected_ids, expected_lengths = vocabulary.encode(strings, max_length, add_start, add_end)
        ids, lengths = tokenizer.encode(tf.constant(strings), max_length, add_start, add_end)
        np.testing.assert_array_equal(ids.numpy(), expected_ids)
        np.testing.assert_array_equal(lengths.numpy(), expected_lengths)
        assert ids.dtype == tf.int32 and lengths.dtype == tf.int32
        decoded = [s.decode("utf-8") for s in tokenizer.decode(ids).numpy()]
        assert decoded == vocabulary.decode(expected_ids)
    # Inside a tf.function with an unknown batch size (as in a serving signature).
    encode = tf.function(
        lambda s: tokenizer.decode(tokenizer.encode(s, 10)[0]),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    assert [s.decode() for s in encode(tf.constant(strings)).numpy()] == [
        s[:9] for s in vocabulary.decode(vocabulary.encode(strings, 10)[0])
    ]


def test_teacher_forcing_arrays_shift_by_one(vocabulary):
    (source, decoder_input), target = text.teacher_forcing_arrays(
        ["café", "Größe"], ["août", ""], vocabulary, 7, 6
    )
    assert source.shape == (2, 7) and decoder_input.shape == target.shape == (2, 6)
    np.testing.assert_array_equal(decoder_input[:, 0], [1, 1])
    np.testing.assert_array_equal(decoder_input[0, 1:5], target[0, :4])
    assert target[0, 4] == text.END_ID and target[1].tolist() == [2, 0, 0, 0, 0, 0]
    assert vocabulary.decode(target) == ["août", ""]
    (_, decoder_input), target = text.teacher_forcing_arrays(
        ["a"], ["Mädchen"], vocabulary, 4, 4
    )  # truncated alike: "Mäd"
    assert vocabulary.decode(target) == ["Mäd"]
    assert decoder_input[0, 1:].tolist() == target[0, :3].tolist()


def test_seq2seq_dataset_buckets_and_reshuffles():
    vocabulary = CharacterVocabulary(list("0123456789"))
    rng = np.random.default_rng(0)
    sources = ["".join(map(str, rng.integers(0, 10, n))) for n in rng.integers(1, 30, 60)]
    targets = [s[::-1] for s in sources]
    dataset = text.seq2seq_dataset(sources, targets, vocabulary, 8, (8, 16), (8, 16, 32))
    epochs = [list(dataset.as_numpy_iterator()) for _ in range(2)]
    shapes = set()
    seen = []
    for (source_ids, decoder_input_ids), target_ids in epochs[0]:
        assert source_ids.shape[1] in (8, 16) and target_ids.shape[1] in (8, 16, 32)
        assert decoder_input_ids.shape == target_ids.shape and len(target_ids) <= 8
        shapes.add((source_ids.shape[1], target_ids.shape[1]))
        seen += vocabulary.decode(target_ids)
    assert shapes == {(8, 8), (16, 16), (16, 32)}
    # Sources longer than 15 digits are truncated; targets (up to 32 ids) are not.
    assert sorted(seen) == sorted(targets)
    order = [vocabulary.decode(t) for _, t in epochs[0]]
    assert order != [vocabulary.decode(t) for _, t in epochs[1]]  # reshuffled
    again = text.seq2seq_dataset(sources, targets, vocabulary, 8, (8, 16), (8, 16, 32))
    assert [vocabulary.decode(t) for _, t in again.as_numpy_iterator()] == order
    fixed = text.seq2seq_dataset(
        sources, targets, vocabulary, 8, (32,), (32,), drop_remainder=True
    )
    assert fixed.element_spec[1].shape.as_list() == [8, 32]
    assert len(list(fixed)) == 7  # 60 // 8


def test_bad_arguments(vocabulary):
    assert_invalid_argument(CharacterVocabulary, "characters", ["a", "a"], ["a", "a"])
    assert_invalid_argument(CharacterVocabulary, "characters", ["ab"], ["ab"])
    assert_invalid_argument(CharacterVocabulary, "characters", "abc", "abc")
    assert_invalid_argument(vocabulary.encode, "strings", "abc", "abc", 4)
    assert_invalid_argument(vocabulary.encode, "strings", None, None, 4)
    assert_invalid_argument(vocabulary.encode, "max_length", 0, ["a"], 0)
    assert_invalid_argument(vocabulary.encode, "max_length", 1, ["a"], 1, add_start=True)
    assert_invalid_argument(vocabulary.encode, "add_end", 1, ["a"], 3, add_end=1)
    assert_invalid_argument(vocabulary.decode, "ids", None, [[0, 99]])
    assert_invalid_argument(vocabulary.decode, "ids", None, [[0.5]])
    assert_invalid_argument(CharacterTokenizer, "vocabulary", "abc", "abc")
    tokenizer = CharacterTokenizer(vocabulary)
    assert_invalid_argument(tokenizer.encode, "max_length", 0, tf.constant(["a"]), 0)
    dataset = text.seq2seq_dataset
    assert_invalid_argument(dataset, "targets", 2, ["a"], ["a", "b"], vocabulary, 2)
    assert_invalid_argument(dataset, "batch_size", 0, ["a"], ["a"], vocabulary, 0)
    assert_invalid_argument(
        dataset, "source_buckets", (16, 8), ["a"], ["a"], vocabulary, 2, (16, 8)
    )
    assert_invalid_argument(
        dataset, "target_buckets", (1,), ["a"], ["a"], vocabulary, 2, (8,), (1,)
    )
    assert_invalid_argument(dataset, "vocabulary", "abc", ["a"], ["a"], "abc", 2)


def test_seq2seq_dataset_starts_at_the_batch_asked_and_repeats_for_every_iterator():
    vocabulary = CharacterVocabulary(list("0123456789"))
    rng = np.random.default_rng(1)
    sources = ["".join(map(str, rng.integers(0, 10, n))) for n in rng.integers(1, 20, 30)]
    targets = [s[::-1] for s in sources]

    def decoded(dataset, count):
        return [vocabulary.decode(t) for _, t in dataset.take(count).as_numpy_iterator()]

    def dataset(**kwargs):
        return text.seq2seq_dataset(sources, targets, vocabulary, 4, (8, 24), (8, 24), **kwargs)

    steps = len(list(dataset()))  # the batches of a pass
    full = decoded(dataset().repeat(), 3 * steps)
    assert full[:steps] != full[steps : 2 * steps]  # a new shuffle every pass
    endless = dataset(repeat=True)
    assert int(endless.cardinality()) == -1  # tf.data.INFINITE_CARDINALITY
    # Every iterator of the endless stream starts at its beginning: an
    # iterator made and dropped first (as Keras does under a strategy)
    # changes nothing, where it moves a one-pass dataset to its next pass.
    next(iter(endless))
    assert decoded(endless, 3 * steps) == full
    one_pass = dataset()
    next(iter(one_pass))
    assert decoded(one_pass, steps) == full[steps : 2 * steps]
    # `start`: into the second pass, whole passes skipped, and without repeat.
    assert decoded(dataset(repeat=True, start=steps + 1), steps) == full[steps + 1 : 2 * steps + 1]
    assert decoded(dataset(repeat=True, start=2 * steps), steps) == full[2 * steps :]
    skipped = dataset(start=steps + 1)
    assert decoded(skipped, steps) == full[steps + 1 : 2 * steps]
    assert decoded(skipped, steps) == full[2 * steps :]  # the next pass is whole
    with pytest.raises(ValueError, match="argument `start`.*-1"):
        dataset(start=-1)
    with pytest.raises(ValueError, match="argument `repeat`.*1"):
        dataset(repeat=1)
    with pytest.raises(ValueError, match="argument `repeat`, expected False when a pass"):
        text.seq2seq_dataset(["1"], ["1"], vocabulary, 4, repeat=True, drop_remainder=True)
