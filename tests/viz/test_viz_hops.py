"""plot_hops: the attention of a memory network, hop by hop."""

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.datasets import babi
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


def test_plots_a_models_attention(tmp_path):
    examples = babi.generate_babi_examples(1, 4, seed=2)
    vocabulary = babi.build_vocabulary(examples)
    model = MemN2NbAbI(weights=None, vocabulary=vocabulary, return_attention=True)
    story, question, _ = babi.vectorize(examples[:1], vocabulary, memory_size=50)
    attention = keras.ops.convert_to_numpy(model([story, question])["attention"])[0]
    example = examples[0]
    figure = plot_hops(
        example.story, example.question, attention,
        supporting_facts=example.supporting_facts, answer=example.answer[0],
        path=tmp_path / "model.png",
    )
    assert len(_labels(figure.axes[0], "y")) == len(example.story)
