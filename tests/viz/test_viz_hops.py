"""plot_hops: the attention of a memory network, hop by hop."""

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.datasets import babi
from keras_memory.viz import figure_to_png
from keras_memory.viz.hops import plot_hops

SENTENCES = [
    "Mary moved to the bathroom.",
    "John went to the hallway.",
    "Mary went back to the garden.",
]
ATTENTION = [[0.1, 0.0, 0.9], [0.2, 0.3, 0.5], [0.0, 0.01, 0.99]]


def _labels(axis, which):
    return [label.get_text() for label in getattr(axis, f"get_{which}ticklabels")()]


def test_rows_are_sentences_and_columns_hops(tmp_path):
    path = tmp_path / "hops.png"
    figure = plot_hops(
        SENTENCES, "Where is Mary?", ATTENTION, supporting_facts=[2],
        answer="garden", predicted="garden", path=path,
    )
    assert isinstance(figure, Figure)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axis = figure.axes[0]
    assert _labels(axis, "x") == ["Hop 1", "Hop 2", "Hop 3"]
    assert _labels(axis, "y") == [SENTENCES[0], SENTENCES[1], "* " + SENTENCES[2]]
    colors = [label.get_color() for label in axis.get_yticklabels()]
    assert colors[2] == "tab:red" and colors[0] != "tab:red"
    title = axis.get_title()
    assert "Where is Mary?" in title and "Answer: garden" in title
    assert "Prediction: garden (right)" in title
    # The heatmap holds attention[hop, sentence] at (sentence, hop).
    np.testing.assert_allclose(axis.images[0].get_array(), np.array(ATTENTION).T)
    cells = {text.get_text() for text in axis.texts}
    assert {"0.90", "0.99", "0.30", "0.01"} <= cells and "0.00" not in cells
    _assert_cells_show(figure, ATTENTION)


def test_wrong_prediction_and_mask_of_facts():
    figure = plot_hops(
        SENTENCES, "Where is Mary?", ATTENTION,
        supporting_facts=np.array([True, False, False, False]),
        answer="garden", predicted="bathroom",
    )
    axis = figure.axes[0]
    assert "(wrong)" in axis.get_title()
    assert _labels(axis, "y")[0].startswith("* ")


def test_padding_columns_are_cut():
    padded = np.concatenate([np.array(ATTENTION), np.zeros((3, 4))], axis=1)
    figure = plot_hops(SENTENCES, "Where is Mary?", padded)
    assert figure.axes[0].images[0].get_array().shape == (3, 3)
    assert "supporting" not in figure.axes[0].get_xlabel()


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"story_sentences": "Mary moved."}, "story_sentences"),
        ({"story_sentences": []}, "story_sentences"),
        ({"attention": np.zeros((3, 2))}, "attention"),
        ({"attention": np.zeros((2, 3, 3))}, "attention"),
        ({"attention": np.full((3, 4), 0.25)}, "attention"),  # attends to padding
        ({"supporting_facts": [3]}, "supporting_facts"),
        ({"supporting_facts": [-1]}, "supporting_facts"),
        ({"supporting_facts": np.array([True])}, "supporting_facts"),
    ],
)
def test_bad_arguments(kwargs, argument):
    arguments = {
        "story_sentences": SENTENCES, "question": "Where is Mary?", "attention": ATTENTION,
        **kwargs,
    }
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        plot_hops(**arguments)


def _assert_cells_show(figure, attention):
    """Each rendered cell has the Blues colour of `attention[hop, sentence]`.

    Sampled in a corner of the cell, away from the value written in it.
    """
    axis = figure.axes[0]
    image = tf.io.decode_png(figure_to_png(figure, dpi=figure.dpi)).numpy()
    blues = matplotlib.colormaps["Blues"]
    for hop, sentence in np.ndindex(*np.shape(attention)):
        column, row = axis.transData.transform((hop - 0.38, sentence + 0.3))
        drawn = image[int(round(image.shape[0] - row)), int(round(column)), :3]
        colour = np.round(np.array(blues(float(attention[hop][sentence]))[:3]) * 255)
        np.testing.assert_allclose(
            drawn.astype(int), colour, atol=3, err_msg=f"hop {hop}, sentence {sentence}"
        )


def test_plots_a_models_attention():
    examples = babi.generate_babi_examples(1, 4, seed=2)
    vocabulary = babi.build_vocabulary(examples)
    # Without the empty slots, whose share makes the sentences' attention
    # sum to less than 1.
    model = MemN2NbAbI(
        weights=None, vocabulary=vocabulary, return_attention=True, attend_empty_slots=False
    )
    story, question, _ = babi.vectorize(examples[:1], vocabulary, memory_size=50)
    attention = keras.ops.convert_to_numpy(model([story, question])["attention"])[0]
    example = examples[0]
    count = len(example.story)
    hops = attention.shape[0]
    # An attention over the story's sentences, zero on the padding slots.
    np.testing.assert_allclose(attention[:, :count].sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(attention[:, count:], 0.0)
    figure = plot_hops(
        example.story, example.question, attention,
        supporting_facts=example.supporting_facts, answer=example.answer[0],
    )
    axis = figure.axes[0]
    facts = set(example.supporting_facts)  # indices of sentences
    assert facts
    assert _labels(axis, "y") == [
        ("* " if row in facts else "") + sentence
        for row, sentence in enumerate(example.story)
    ]
    # The heatmap is the attention: cell (sentence i, hop k) holds p_i^k.
    np.testing.assert_allclose(axis.images[0].get_array(), attention[:, :count].T)
    # The written values are the attention's, where it is at least 0.005.
    written = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text()
               for t in axis.texts}
    expected = {(k, i): f"{attention[k, i]:.2f}"
                for k in range(hops) for i in range(count) if attention[k, i] >= 0.005}
    assert written == expected
    _assert_cells_show(figure, attention[:, :count])
