"""Tests of MemoryNetwork and MemoryNetworkResponse against a NumPy reference.

The conformance harness (kind "layer") covers saving, XLA, mixed precision,
the serving export and the JAX backend.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from references import np_forward

from keras_memory.layers.memory_network import MemoryNetwork
from keras_memory.layers.memory_network_response import MemoryNetworkResponse

V, D = 11, 5


def _numpy(x):
    return ops.convert_to_numpy(x)


def _random_ids(rng, shape, pad_sentences=(), pad_words=1):
    ids = rng.integers(1, V, size=shape)
    if pad_words:
        ids[..., -pad_words:] = 0
    for b, i in pad_sentences:
        ids[b, i] = 0
    return ids.astype("int32")


def _inputs(seed=0, batch=3, sentences=5, words=4):
    rng = np.random.default_rng(seed)
    story = _random_ids(rng, (batch, sentences, words), pad_sentences=[(0, 1), (0, 4)])
    question = _random_ids(rng, (batch, 3))
    return story, question


# The NumPy reference (np_forward) is in tests/references.py.


def _network(**kwargs):
    kwargs = {"hops": 2, "memory_size": 4, "return_attention": True, **kwargs}
    return MemoryNetwork(V, D, **kwargs)


# --- Sentence slots -------------------------------------------------------------


def test_temporal_rows_most_recent_first():
    net = _network(memory_size=2)
    mask = np.array([[True, False, True, True, False]])
    kept, rows = net.sentence_slots(mask)
    # Real sentences 0, 2, 3: ages 2, 1, 0; memory_size 2 keeps 2 and 3.
    np.testing.assert_array_equal(_numpy(kept), [[False, False, True, True, False]])
    np.testing.assert_array_equal(_numpy(rows)[0, [0, 2, 3]], [1, 1, 0])  # clipped


# --- Forward pass -----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"encoding": "bag_of_words", "temporal_encoding": False},
        {"weight_tying": "layerwise"},
        {"weight_tying": "layerwise", "nonlinearity": "relu", "hops": 3},
        {"nonlinearity": "relu", "encoding": "bag_of_words"},
        {"encoding": "centered_position", "sentence_size": 5},
        {"attend_empty_slots": True, "memory_size": 7},
    ],
    ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "default",
)
def test_forward_matches_numpy_reference(kwargs):
    story, question = _inputs(sentences=6)  # 6 sentences, memory_size 4
    net = _network(**kwargs)
    logits, attention = net([story, question])
    expected_logits, expected_attention = np_forward(net, story, question)
    assert tuple(logits.shape) == (3, V)
    assert tuple(attention.shape) == (3, net.hops, 6)
    np.testing.assert_allclose(_numpy(attention), expected_attention, atol=1e-5)
    np.testing.assert_allclose(_numpy(logits), expected_logits, atol=1e-5)


@pytest.mark.parametrize("empty_slots", [0, 3], ids=["no-empty-slots", "3-empty-slots"])
def test_one_hop_by_hand(empty_slots):
    # B = A^1 = E0, C^1 = W^T = E1; bag of words, no temporal encoding. With
    # attend_empty_slots, 2 sentences in 2 + 3 slots: the 3 empty slots
    # score 0 and share the softmax with the sentences, reading nothing.
    E0 = np.array([[9, 9], [1, 0], [0, 1]], "float32")  # row 0 (padding) unused
    E1 = np.array([[9, 9], [2, 0], [0, 3]], "float32")
    net = MemoryNetwork(
        3, 2, hops=1, memory_size=2 + empty_slots, encoding="bag_of_words",
        temporal_encoding=False, attend_empty_slots=empty_slots > 0, return_attention=True,
    )
    story = np.array([[[1, 0], [2, 0]]], "int32")
    question = np.array([[1, 0]], "int32")
    net.build([story.shape, question.shape])
    net.embeddings[0].assign(E0)
    net.embeddings[1].assign(E1)
    logits, attention = net([story, question])
    # u = (1, 0); scores u.m = (1, 0); p = (e, 1) / (e + 1 + empty slots).
    p = np.array([np.e, 1.0]) / (np.e + 1 + empty_slots)
    np.testing.assert_allclose(_numpy(attention)[0, 0], p, atol=1e-6)
    # o = p_1 (2, 0) + p_2 (0, 3); u^2 = u + o; logits = u^2 C^T.
    u2 = np.array([1 + 2 * p[0], 3 * p[1]])
    np.testing.assert_allclose(
        _numpy(logits)[0], [9 * u2.sum(), 2 * u2[0], 3 * u2[1]], atol=1e-5
    )
    if empty_slots:
        # An empty story: every slot is empty, nothing is read, no NaN.
        logits, attention = net([np.zeros_like(story), question])
        np.testing.assert_array_equal(_numpy(attention), 0.0)
        np.testing.assert_allclose(_numpy(logits)[0], [9.0, 2.0, 0.0], atol=1e-6)
        assert MemoryNetwork.from_config(net.get_config()).attend_empty_slots is True


@pytest.mark.parametrize(
    "kwargs,names",
    [
        (
            {"hops": 3},
            ["embedding_0", "embedding_1", "embedding_2", "embedding_3",
             "temporal_0", "temporal_1", "temporal_2", "temporal_3"],
        ),
        ({"hops": 3, "temporal_encoding": False},
         ["embedding_0", "embedding_1", "embedding_2", "embedding_3"]),
        (
            {"hops": 3, "weight_tying": "layerwise"},
            ["embedding_A", "embedding_B", "embedding_C", "temporal_A",
             "temporal_C", "hop_map", "answer_kernel"],
        ),
    ],
)
def test_weight_tying_counts_and_sharing(kwargs, names):
    net = _network(**kwargs)
    net([*_inputs()])
    assert sorted(w.name for w in net.trainable_weights) == sorted(names)
    assert [w.name for w in net.non_trainable_weights] == ["linear_start"]
    A = [net.memory_embeddings(k) for k in range(1, 4)]
    if net.weight_tying == "adjacent":
        assert net.question_embedding() is A[0][0]  # B = A^1
        for k in range(2):
            assert A[k + 1][0] is A[k][1]  # A^{k+1} = C^k
            assert A[k + 1][2] is A[k][3]  # T_A^{k+1} = T_C^k
        np.testing.assert_array_equal(
            _numpy(net.answer_matrix()), _numpy(A[2][1]).T  # W^T = C^K
        )
    else:
        assert all(a[0] is A[0][0] and a[1] is A[0][1] for a in A)
        assert net.question_embedding() is not A[0][0]
    assert tuple(net.memory_embeddings(1)[0].shape) == (V, D)


# --- Padding, attention, truncation ----------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"encoding": "centered_position", "sentence_size": 6},
        {"attend_empty_slots": True, "memory_size": 9},
    ],
    ids=["position", "centered", "empty-slots"],
)
def test_padding_words_and_sentences_change_nothing(kwargs):
    net = _network(**kwargs)
    story, question = _inputs()
    logits, attention = _numpy(net([story, question])[0]), _numpy(net([story, question])[1])
    # A padding word in the middle of every sentence and of the question,
    # and padding sentences at the start, in the middle and at the end.
    padded_story = np.insert(story, 1, 0, axis=2)
    padded_story = np.insert(padded_story, [0, 2, 5], 0, axis=1)
    padded_question = np.insert(question, 1, 0, axis=1)
    padded_logits, padded_attention = net([padded_story, padded_question])
    np.testing.assert_allclose(_numpy(padded_logits), logits, atol=1e-5)
    real = np.ones(padded_story.shape[1], bool)
    real[[0, 3, 7]] = False
    np.testing.assert_allclose(_numpy(padded_attention)[:, :, real], attention, atol=1e-6)
    np.testing.assert_array_equal(_numpy(padded_attention)[:, :, ~real], 0.0)


def test_attention_sums_to_one_and_is_zero_on_padding():
    net = _network(hops=3)
    story, question = _inputs()
    _, attention = net([story, question])
    attention = _numpy(attention)
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(attention[0, :, [1, 4]], 0.0)
    assert (attention >= 0).all()


def test_all_padding_story_gives_zero_attention_and_finite_gradients():
    net = _network()
    story, question = _inputs()
    story[1] = 0
    story_t = tf.constant(story)
    with tf.GradientTape() as tape:
        logits, attention = net([story_t, tf.constant(question)])
        loss = tf.reduce_sum(logits**2)
    gradients = tape.gradient(loss, net.trainable_weights)
    np.testing.assert_array_equal(_numpy(attention)[1], 0.0)
    assert np.isfinite(_numpy(logits)).all()
    assert all(np.isfinite(_numpy(g)).all() for g in gradients)
    # o = 0 at every hop: the answer is W u^1 (adjacent tying, no relu).
    expected, _ = np_forward(net, story[1:2], question[1:2])
    np.testing.assert_allclose(_numpy(logits)[1:2], expected, atol=1e-5)


def test_stories_longer_than_memory_keep_the_most_recent_sentences():
    net = _network(memory_size=3)
    rng = np.random.default_rng(4)
    story = _random_ids(rng, (2, 6, 4))
    question = _random_ids(rng, (2, 3))
    logits, attention = net([story, question])
    np.testing.assert_array_equal(_numpy(attention)[:, :, :3], 0.0)
    recent_logits, recent_attention = net([story[:, 3:], question])
    np.testing.assert_allclose(_numpy(logits), _numpy(recent_logits), atol=1e-6)
    np.testing.assert_allclose(
        _numpy(attention)[:, :, 3:], _numpy(recent_attention), atol=1e-6
    )
    # Trailing padding sentences do not push real ones out of the memory.
    padded = np.concatenate([story[:, 3:], np.zeros((2, 4, 4), "int32")], axis=1)
    np.testing.assert_allclose(
        _numpy(net([padded, question])[0]), _numpy(logits), atol=1e-6
    )


# --- Training aids ------------------------------------------------------------------


def test_linear_start_removes_the_softmax_without_retracing():
    net = _network()
    story, question = _inputs()
    net([story, question])  # built outside: creating variables retraces
    traces = []

    @tf.function
    def forward(story, question):
        traces.append(1)
        return net([story, question])

    softmax_logits, softmax_attention = forward(story, question)
    net.linear_start.assign(1.0)
    linear_logits, linear_attention = forward(story, question)
    assert len(traces) == 1
    expected_logits, expected_attention = np_forward(net, story, question, linear=True)
    np.testing.assert_allclose(_numpy(linear_attention), expected_attention, atol=1e-5)
    np.testing.assert_allclose(_numpy(linear_logits), expected_logits, atol=1e-4)
    assert not np.allclose(_numpy(linear_attention).sum(-1), 1.0)
    net.linear_start.assign(0.0)
    np.testing.assert_allclose(
        _numpy(forward(story, question)[0]), _numpy(softmax_logits), atol=1e-6
    )
    # The constructor argument sets the initial value.
    assert float(_network(linear_start=True).linear_start) == 1.0


def test_random_noise_only_in_training_and_repeatable_with_seed():
    story, question = _inputs(batch=8, sentences=8)
    noisy = _network(random_noise=0.5, seed=3, memory_size=20)
    clean = _network(memory_size=20)
    noisy([story, question])
    clean([story, question])
    clean.set_weights(noisy.get_weights())
    np.testing.assert_array_equal(
        _numpy(noisy([story, question])[0]), _numpy(clean([story, question])[0])
    )
    np.testing.assert_array_equal(
        _numpy(clean([story, question], training=True)[0]),
        _numpy(clean([story, question])[0]),
    )
    trained = _numpy(noisy([story, question], training=True)[0])
    assert not np.allclose(trained, _numpy(clean([story, question])[0]))
    # The same seed and weights draw the same noise.
    twin = _network(random_noise=0.5, seed=3, memory_size=20)
    twin([story, question])
    twin.set_weights(noisy.get_weights())
    first_draw = _numpy(twin([story, question], training=True)[0])
    replay = _network(random_noise=0.5, seed=3, memory_size=20)
    replay([story, question])
    replay.set_weights(noisy.get_weights())
    np.testing.assert_array_equal(
        _numpy(replay([story, question], training=True)[0]), first_draw
    )


def test_random_noise_shifts_temporal_rows_by_inserted_empty_memories():
    net = _network(random_noise=0.1, seed=0, memory_size=1000)
    mask = np.ones((400, 50), bool)
    mask[:, ::7] = False  # some padding sentences
    kept, clean_rows = net.sentence_slots(mask, training=False)
    _, rows = net.sentence_slots(mask, training=True)
    clean_rows, rows = _numpy(clean_rows), _numpy(rows)
    real = mask
    # Rows only grow, and more for older sentences: sentence i moves back by
    # the empty memories after it, sum_{j >= i} e_j.
    shift = rows - clean_rows
    real_shift = shift[:, real[0]]
    assert (real_shift >= 0).all()
    assert (np.diff(real_shift, axis=1) <= 0).all()
    assert set(np.unique(np.diff(real_shift, axis=1))) == {-1, 0}
    # The oldest sentence moves by the number of empty memories: ~10%.
    empties = shift[:, 1] / real.sum(1)
    assert 0.08 < empties.mean() < 0.12


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,value",
    [
        ("vocab_size", 0), ("vocab_size", 2.0), ("embedding_dim", -1),
        ("hops", 0), ("hops", True), ("memory_size", 0),
        ("weight_tying", "none"), ("encoding", "tfidf"),
        ("temporal_encoding", 1), ("nonlinearity", "tanh"),
        ("linear_start", "yes"), ("random_noise", 1.0), ("random_noise", -0.1),
        ("return_attention", None), ("seed", 1.5), ("sentence_size", 0),
        ("attend_empty_slots", "yes"),
    ],
)
def test_bad_arguments(name, value):
    kwargs = {"vocab_size": V, "embedding_dim": D, name: value}
    with pytest.raises(ValueError, match=f"argument `{name}`.*got {value!r}"):
        MemoryNetwork(**kwargs)


def test_centered_position_needs_a_sentence_size():
    with pytest.raises(ValueError, match="argument `sentence_size`.*got None"):
        MemoryNetwork(V, D, encoding="centered_position")
    net = MemoryNetwork(V, D, encoding="centered_position", sentence_size=7)
    config = net.get_config()
    assert (config["encoding"], config["sentence_size"]) == ("centered_position", 7)
    assert MemoryNetwork.from_config(config).sentence_size == 7


def test_random_noise_needs_temporal_encoding():
    with pytest.raises(ValueError, match="`random_noise`"):
        MemoryNetwork(V, D, random_noise=0.1, temporal_encoding=False)


@pytest.mark.parametrize(
    "shapes,message",
    [
        ([(None, 5), (None, 3)], r"`story`.*rank 3.*\(None, 5\)"),
        ([(None, 5, 4), (None, 3, 2)], r"`question`.*rank 2.*\(None, 3, 2\)"),
        ([(None, 5, 4)], r"\[story, question\]"),
    ],
)
def test_wrong_ranks(shapes, message):
    with pytest.raises(ValueError, match=message):
        MemoryNetwork(V, D).build(shapes)
    with pytest.raises(ValueError, match=message):
        MemoryNetwork(V, D)([keras.Input(s[1:], dtype="int32") for s in shapes])


def test_ids_outside_the_vocabulary():
    net = _network()
    story, question = _inputs()
    bad = story.copy()
    bad[1, 2, 0] = V
    with pytest.raises(ValueError, match=rf"`story`.*\[0, vocab_size={V}\).*{V}"):
        net([bad, question])
    bad_question = question.copy()
    bad_question[0, 0] = -1
    with pytest.raises(ValueError, match=r"`question`.*from -1"):
        net([story, bad_question])
    with pytest.raises(ValueError, match="integer word ids"):
        net([story.astype("float32"), question])
    # Traced (fit, predict, jit, SavedModel): an invalid id is padding.
    traced = tf.function(lambda s, q: net([s, q])[0], jit_compile=True)
    cleaned = bad.copy()
    cleaned[1, 2, 0] = 0
    np.testing.assert_allclose(
        _numpy(traced(bad, question)), _numpy(net([cleaned, question])[0]), atol=1e-5
    )


def test_linear_start_value_survives_keras_saving(tmp_path):
    story, question = _inputs()
    inputs = [keras.Input((5, 4), dtype="int32"), keras.Input((3,), dtype="int32")]
    model = keras.Model(inputs, MemoryNetwork(V, D, hops=1, memory_size=4)(inputs))
    model.layers[-1].linear_start.assign(1.0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert float(loaded.layers[-1].linear_start) == 1.0
    np.testing.assert_array_equal(
        _numpy(loaded([story, question])), _numpy(model([story, question]))
    )


# --- Learning -------------------------------------------------------------------------


ENTITIES, LOCATIONS = 4, 5
MOVED, TO, WHERE, IS = 1, 2, 3, 4
FIRST_ENTITY = 5
FIRST_LOCATION = FIRST_ENTITY + ENTITIES
TASK_VOCAB = FIRST_LOCATION + LOCATIONS


def single_supporting_fact(n, seed, max_sentences=6):
    """`<entity> moved to <location>` stories; 'where is <entity>'."""
    rng = np.random.default_rng(seed)
    story = np.zeros((n, max_sentences, 4), "int32")
    question = np.zeros((n, 3), "int32")
    answer = np.zeros((n,), "int32")
    for i in range(n):
        length = rng.integers(2, max_sentences + 1)
        where = {}
        for s in range(length):
            entity, location = rng.integers(ENTITIES), rng.integers(LOCATIONS)
            story[i, s] = [FIRST_ENTITY + entity, MOVED, TO, FIRST_LOCATION + location]
            where[entity] = location
        entity = rng.choice(sorted(where))
        question[i] = [WHERE, IS, FIRST_ENTITY + entity]
        answer[i] = FIRST_LOCATION + where[entity]
    return story, question, answer


def test_learns_single_supporting_fact():
    keras.utils.set_random_seed(0)
    story, question, answer = single_supporting_fact(1000, seed=0)
    test_story, test_question, test_answer = single_supporting_fact(200, seed=1)
    inputs = [keras.Input((6, 4), dtype="int32"), keras.Input((3,), dtype="int32")]
    logits = MemoryNetwork(TASK_VOCAB, 20, hops=2, memory_size=10)(inputs)
    model = keras.Model(inputs, logits)
    model.compile(
        keras.optimizers.Adam(0.02),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit([story, question], answer, batch_size=32, epochs=5, verbose=0)
    _, accuracy = model.evaluate([test_story, test_question], test_answer, verbose=0)
    assert accuracy > 0.9


# --- MemoryNetworkResponse ------------------------------------------------------------


def test_response_shapes_and_teacher_forcing_equals_greedy_on_its_own_words():
    story, question = _inputs()
    for cell in ("gru", "lstm"):
        net = MemoryNetworkResponse(
            V, D, hops=2, memory_size=4, answer_length=3, response_cell=cell
        )
        greedy = _numpy(net([story, question]))
        assert greedy.shape == (3, 3, V)
        words = greedy.argmax(-1).astype("int32")
        forced = _numpy(net([story, question, words]))
        np.testing.assert_allclose(forced, greedy, atol=1e-6)
        # The first word does not depend on the teacher; later ones do.
        other = (words + 1) % V
        changed = _numpy(net([story, question, other]))
        np.testing.assert_allclose(changed[:, 0], greedy[:, 0], atol=1e-6)
        assert not np.allclose(changed[:, 1:], greedy[:, 1:])


def test_response_first_step_by_hand():
    story, question = _inputs()
    net = MemoryNetworkResponse(V, D, hops=1, memory_size=4, answer_length=1)
    logits = _numpy(net([story, question]))
    u, _ = net.encode(story, question)
    start = ops.take(net.decoder_embedding, np.zeros(3, "int32"), axis=0)
    h, _ = net.decoder_cell(start, [u])
    np.testing.assert_allclose(
        logits[:, 0], _numpy(ops.matmul(h, net.answer_matrix())), atol=1e-6
    )
    assert "decoder_embedding" in [w.name for w in net.trainable_weights]


def test_response_bad_arguments():
    with pytest.raises(ValueError, match="`answer_length`.*got 0"):
        MemoryNetworkResponse(V, D, answer_length=0)
    with pytest.raises(ValueError, match="`response_cell`.*got 'rnn'"):
        MemoryNetworkResponse(V, D, response_cell="rnn")
    with pytest.raises(ValueError, match=r"`answer`.*answer_length=2.*\(None, 3\)"):
        MemoryNetworkResponse(V, D).build([(None, 5, 4), (None, 3), (None, 3)])


def test_response_learns_two_word_answers():
    """'where is <entity>' -> '<location> <previous location>'."""
    keras.utils.set_random_seed(0)
    story, question, answer = single_supporting_fact(1000, seed=0, max_sentences=4)
    # Second word: a function of the first one (the "next room").
    second = FIRST_LOCATION + (answer - FIRST_LOCATION + 1) % LOCATIONS
    answers = np.stack([answer, second], axis=1)
    inputs = [keras.Input((4, 4), dtype="int32"), keras.Input((3,), dtype="int32"),
              keras.Input((2,), dtype="int32")]
    net = MemoryNetworkResponse(TASK_VOCAB, 20, hops=1, memory_size=10, answer_length=2)
    model = keras.Model(inputs, net(inputs))
    model.compile(keras.optimizers.Adam(0.02),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit([story, question, answers], answers, batch_size=32, epochs=10, verbose=0)
    test_story, test_question, test_answer = single_supporting_fact(
        200, seed=1, max_sentences=4
    )
    test_second = FIRST_LOCATION + (test_answer - FIRST_LOCATION + 1) % LOCATIONS
    greedy = _numpy(net([test_story, test_question])).argmax(-1)  # no teacher
    accuracy = (greedy == np.stack([test_answer, test_second], 1)).all(1).mean()
    assert accuracy > 0.9
