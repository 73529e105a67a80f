"""Figure of an End-to-End Memory Network's attention, hop by hop.

`plot_hops` draws the view of table 1 of Sukhbaatar et al. (2015): the
story's sentences as rows, one column per hop holding the attention
`p_i` of that hop on each sentence, the supporting facts marked, and the
question, the true answer and the model's answer above.
"""

import numpy as np

from keras_memory import validation
from keras_memory.viz._figure import finish_figure
from keras_memory.viz._figure import new_figure

# Attention values are written into the cells; below this they are left out
# so that the few sentences a hop reads stand out.
_SHOWN_ATTENTION = 0.005
_SUPPORT_COLOR = "tab:red"


def _sentences(story_sentences):
    if isinstance(story_sentences, str) or not hasattr(story_sentences, "__iter__"):
        raise ValueError(
            "Received an invalid value for argument `story_sentences`, "
            "expected a list of sentences (strings), got "
            f"{type(story_sentences).__name__}."
        )
    sentences = [str(s) for s in story_sentences]
    if not sentences:
        raise ValueError(
            "Received an invalid value for argument `story_sentences`, "
            "expected at least one sentence, got an empty list."
        )
    return sentences


def _attention(attention, count):
    """`attention` as float32 `(hops, count)`, or raises."""
    array = np.asarray(attention, "float32")
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] < count:
        raise ValueError(
            "Received an invalid value for argument `attention`, expected "
            f"an array (hops, S) with S >= {count} (the number of "
            f"sentences), got shape {array.shape}."
        )
    # Columns after the story are padding sentences: nothing may be there.
    if array.shape[1] > count and np.abs(array[:, count:]).max() > 1e-6:
        raise ValueError(
            "Received an invalid value for argument `attention`: it has "
            f"{array.shape[1]} columns for {count} sentences and attends "
            "to the extra ones. Pass the attention of this story, oldest "
            "sentence first (the order of `keras_memory.datasets.babi."
            "vectorize`)."
        )
    return array[:, :count]


def _facts(supporting_facts, count):
    if supporting_facts is None:
        return set()
    facts = np.asarray(supporting_facts)
    if facts.dtype == bool:
        if facts.shape[-1] < count:
            raise ValueError(
                "Received an invalid value for argument `supporting_facts`, "
                f"expected a mask of at least {count} entries, got shape "
                f"{facts.shape}."
            )
        return set(np.flatnonzero(facts.reshape(-1)[:count]).tolist())
    facts = list(facts.reshape(-1))
    if not all(
        validation.is_integer(f) and 0 <= f < count for f in facts
    ):
        raise ValueError(
            "Received an invalid value for argument `supporting_facts`, "
            f"expected indices of sentences in [0, {count}) or a boolean "
            f"mask, got {supporting_facts!r}."
        )
    return {int(f) for f in facts}


def plot_hops(
    story_sentences,
    question,
    attention,
    supporting_facts=None,
    answer=None,
    predicted=None,
    path=None,
):
    """The attention of every hop over the story's sentences (the paper's table 1).

    Rows are the sentences, oldest first; column `k` shows `p_i` of hop
    `k` as a heatmap with its value written in the cell (values below 0.005
    are left blank). Supporting facts are marked with `*` and drawn in red.
    The title gives the question, the true answer and the model's answer
    (and whether it is right).

    Args:
        story_sentences: List of the `S` sentences (strings), oldest first.
        question: The question, a string.
        attention: Array `(hops, S')`, `S' >= S`, the attention of each hop
            (`MemN2NbAbI(return_attention=True)` gives `(batch, hops,
            S')`: pass one row). Columns after the `S` sentences must be
            zero (padding).
        supporting_facts: Optional indices of the supporting sentences, or a
            boolean mask `(S',)` as in `BabiArrays.supporting_facts`.
        answer: Optional true answer (string).
        predicted: Optional predicted answer (string).
        path: Optional file path; the figure is saved there.

    Returns:
        The `matplotlib.figure.Figure`.

    Example:

    ```python
    figure = plot_hops(
        ["Mary moved to the bathroom.", "John went to the hallway."],
        "Where is Mary?",
        [[0.9, 0.1], [0.7, 0.3], [0.95, 0.05]],
        supporting_facts=[0],
        answer="bathroom",
        predicted="bathroom",
    )
    ```

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015, table 1. https://arxiv.org/abs/1503.08895
    """
    sentences = _sentences(story_sentences)
    count = len(sentences)
    weights = _attention(attention, count)
    facts = _facts(supporting_facts, count)
    hops = weights.shape[0]

    longest = max(len(s) for s in sentences)
    width = min(16.0, 1.5 + 0.075 * longest + 0.9 * hops)
    height = min(30.0, 1.6 + 0.32 * count)
    figure = new_figure(figsize=(width, height))
    axis = figure.subplots(1, 1)
    image = axis.imshow(
        weights.T, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0,
        interpolation="nearest",
    )
    for row in range(count):
        for hop in range(hops):
            value = float(weights[hop, row])
            if value >= _SHOWN_ATTENTION:
                axis.text(
                    hop, row, f"{value:.2f}", ha="center", va="center",
                    fontsize=8, color="white" if value > 0.6 else "black",
                )
    axis.set_xticks(range(hops))
    axis.set_xticklabels([f"Hop {k + 1}" for k in range(hops)])
    axis.xaxis.tick_top()
    axis.set_yticks(range(count))
    axis.set_yticklabels(
        [("* " if row in facts else "") + sentence for row, sentence in enumerate(sentences)],
        fontsize=9,
    )
    for row, label in enumerate(axis.get_yticklabels()):
        if row in facts:
            label.set_color(_SUPPORT_COLOR)
            label.set_fontweight("bold")
    axis.tick_params(length=0)

    # The question on one line, the answers on the next: the heatmap may be
    # narrower than one line of both.
    answers = []
    if answer is not None:
        answers.append(f"Answer: {answer}")
    if predicted is not None:
        verdict = ""
        if answer is not None:
            verdict = " (right)" if str(predicted) == str(answer) else " (wrong)"
        answers.append(f"Prediction: {predicted}{verdict}")
    title = "\n".join([str(question)] + (["   ".join(answers)] if answers else []))
    axis.set_title(title, fontsize=10, pad=22)
    if facts:
        axis.set_xlabel("* supporting fact", color=_SUPPORT_COLOR, fontsize=9, loc="left")
    figure.colorbar(image, ax=axis, fraction=0.05, pad=0.02, label="attention $p_i$")
    return finish_figure(figure, path)


__all__ = ["plot_hops"]
