"""Caption quality and attention correctness of a captioner on captioned shapes.

Three measures, all in percent:

- exact match: a generated caption counts only when it equals its
  reference word for word (the captions of `keras_memory.datasets.
  captioned_shapes` are determined by their scenes, so there is one right
  caption), overall and by the number of objects the reference names (one
  object: no relation; two or three: relational);
- BLEU-1 to BLEU-4: NLTK's `nltk.translate.bleu_score.corpus_bleu`
  (Papineni et al., 2002), corpus-level, cumulative weights `(1/n, ...,
  1/n)` for BLEU-n, no smoothing, the convention of the captioning papers
  (Xu et al. report BLEU-1 to BLEU-4 this way); captions are split on
  whitespace;
- attention correctness: the share of content words (sizes, colours,
  shapes) whose most-attended location, `argmax_i alpha_ti` over the `L =
  H * W` feature locations, lies on the object cell that the word names.

The feature grid need not be the object grid: `feature_cell_overlap`
tiles the image with the `H x W` feature locations and the `g x g` object
cells and says which overlap, so a 14 x 14 feature grid scores against a
7 x 7 object grid (each location inside one cell), and a coarser one too (a
location counts as on a cell it overlaps).
"""

import warnings

import numpy as np

from keras_memory import validation
from keras_memory.applications.tables import format_table
from keras_memory.datasets.captioned_shapes import parse_caption

BLEU_ORDERS = (1, 2, 3, 4)


def _percent(hits, count):
    return 100.0 * hits / count if count else float("nan")


def _check_captions(name, captions):
    if isinstance(captions, (str, bytes)) or not hasattr(captions, "__iter__"):
        raise validation.invalid_argument(name, "a list of caption strings", captions)
    captions = list(captions)
    if not all(isinstance(c, str) for c in captions):
        raise validation.invalid_argument(name, "a list of caption strings", captions)
    return captions


def _check_pairs(predictions, references):
    predictions = _check_captions("predictions", predictions)
    references = _check_captions("references", references)
    if len(predictions) != len(references):
        raise validation.invalid_argument(
            "predictions", f"as many captions as `references` ({len(references)})",
            len(predictions),
        )  # fmt: skip
    if not references:
        raise validation.invalid_argument("references", "a non-empty list", references)
    return predictions, references


def exact_match(predictions, references):
    """The percentage of `predictions` equal to `references`, word for word.

    Whitespace between words does not count: captions are compared as
    lists of words.

    >>> exact_match(["a small red square", "a large red square"],
    ...             ["a small red square", "a small red square"])
    50.0
    """
    predictions, references = _check_pairs(predictions, references)
    hits = sum(p.split() == r.split() for p, r in zip(predictions, references))
    return _percent(hits, len(references))


def exact_match_by_objects(predictions, references):
    """Exact match (%) by the number of objects each reference names.

    Returns:
        `{count: %}` for each count that occurs (1, 2, 3), sorted.

    >>> exact_match_by_objects(
    ...     ["a small red square", "a small red square above a large red circle"],
    ...     ["a small red square", "a small red square below a large red circle"])
    {1: 100.0, 2: 0.0}
    """
    predictions, references = _check_pairs(predictions, references)
    groups = {}
    for prediction, reference in zip(predictions, references):
        count = len(parse_caption(reference)[0])
        groups.setdefault(count, []).append(prediction.split() == reference.split())
    return {count: _percent(sum(hits), len(hits)) for count, hits in sorted(groups.items())}


def bleu_scores(predictions, references, orders=BLEU_ORDERS):
    """Corpus BLEU-n (%) of `predictions` against `references`, from NLTK.

    `nltk.translate.bleu_score.corpus_bleu` with the cumulative weights
    `(1/n,) * n` for BLEU-n: the geometric mean of the modified n-gram
    precisions of orders 1 to n, times the brevity penalty `min(1, exp(1 -
    r / c))`, `r` the references' and `c` the predictions' total length.
    No smoothing: an order without any matching n-gram makes the score 0 in
    effect (NLTK returns a value near 1e-100, from the smallest float in the
    log; its warning about it is silenced).

    Args:
        predictions: List of caption strings.
        references: List of the same length: per prediction one reference
            string, or a list of reference strings.
        orders: Increasing positive integers `n`. Default: `(1, 2, 3, 4)`.

    Returns:
        `{n: BLEU-n in [0, 100]}`, Python floats.

    >>> bleu_scores(["a small red square"], ["a small red square"], (1, 4))
    {1: 100.0, 4: 100.0}
    """
    from nltk.translate.bleu_score import corpus_bleu

    predictions = _check_captions("predictions", predictions)
    if isinstance(references, (str, bytes)) or not hasattr(references, "__iter__"):
        raise validation.invalid_argument("references", "a list of captions", references)
    reference_lists = []
    for reference in references:
        if isinstance(reference, str):
            reference = [reference]
        reference = _check_captions("references", reference)
        if not reference:
            raise validation.invalid_argument(
                "references", "at least one reference caption per prediction", reference
            )
        reference_lists.append([r.split() for r in reference])
    if len(predictions) != len(reference_lists):
        raise validation.invalid_argument(
            "predictions", f"as many captions as `references` ({len(reference_lists)})",
            len(predictions),
        )  # fmt: skip
    if not predictions:
        raise validation.invalid_argument("references", "a non-empty list", references)
    orders = validation.check_positive_int_list("orders", orders)
    if list(orders) != sorted(set(orders)):
        raise validation.invalid_argument("orders", "increasing positive integers", orders)
    hypotheses = [p.split() for p in predictions]
    scores = {}
    with warnings.catch_warnings():
        # "The hypothesis contains 0 counts of n-gram overlaps": the score is 0.
        warnings.simplefilter("ignore", UserWarning)
        for n in orders:
            weights = (1.0 / n,) * n
            scores[n] = 100.0 * float(corpus_bleu(reference_lists, hypotheses, weights=weights))
    return scores


def feature_cell_overlap(feature_height, feature_width, grid_size):
    """Which of the `g x g` object cells each feature location overlaps.

    Both grids tile the same square image: location `(i, j)` of an `H x
    W` feature grid covers rows `[i / H, (i + 1) / H)` and columns `[j / W,
    (j + 1) / W)` of it, object cell `(r, c)` covers `[r / g, (r + 1) / g)`
    and `[c / g, (c + 1) / g)`; they overlap when both intervals share a
    positive length. With `H = W = g` it is the identity; with `H` a
    multiple of `g` each location is inside one cell.

    Args:
        feature_height, feature_width: Positive integers `H`, `W`.
        grid_size: Positive integer `g`, the object grid side.

    Returns:
        Boolean `(H * W, g * g)`, rows and columns in row-major order.

    >>> feature_cell_overlap(2, 2, 1).ravel().tolist()
    [True, True, True, True]
    >>> np.flatnonzero(feature_cell_overlap(4, 4, 2)[5]).tolist()  # location (1, 1)
    [0]
    """
    height = validation.check_positive_int("feature_height", feature_height)
    width = validation.check_positive_int("feature_width", feature_width)
    grid_size = validation.check_positive_int("grid_size", grid_size)

    def axis(size):
        # Interval i of `size` and interval r of `grid_size` overlap when
        # i / size < (r + 1) / g and r / g < (i + 1) / size (integer form).
        i = np.arange(size)[:, None]
        r = np.arange(grid_size)[None, :]
        return (i * grid_size < (r + 1) * size) & (r * size < (i + 1) * grid_size)

    rows, cols = axis(height), axis(width)
    overlap = rows[:, None, :, None] & cols[None, :, None, :]
    return overlap.reshape(height * width, grid_size * grid_size)


def attention_correctness(alphas, cells, feature_to_object_cell=None):
    """The percentage of content words attended on the object they name.

    For each step `t` with `cells[n, t] >= 0` (a content word, naming the
    object in that cell), the most-attended location `l* = argmax_l
    alphas[n, t, l]` is correct when it lies on cell `cells[n, t]`. The
    alphas are those of the step that emits the word (teacher forcing:
    step `t` predicts target `t`, so pass the target cells, `cells[:, 1:]`
    of `CaptionedScenes`).

    Args:
        alphas: Float array `(N, T, L)`, the attention weights `alpha_ti`
            over the `L = H * W` feature locations (row-major).
        cells: Integer array `(N, T)`: the object cell each step's word
            names, `-1` (`captioned_shapes.NO_CELL`) where it names none.
        feature_to_object_cell: Which object cells each location lies on:
            an integer array `(L,)` (the one cell of each location, `-1`
            for none) or a boolean array `(L, C)` (as returned by
            `feature_cell_overlap`). Default: `None`, location `l` is cell
            `l` (the feature grid is the object grid).

    Returns:
        A Python float in `[0, 100]` (NaN when no step names an object).

    >>> alphas = np.array([[[0.7, 0.1, 0.1, 0.1], [0.1, 0.2, 0.6, 0.1],
    ...                     [0.2, 0.2, 0.2, 0.4]]])
    >>> attention_correctness(alphas, [[0, 1, -1]])
    50.0
    """
    alphas = np.asarray(alphas)
    if alphas.ndim != 3 or not np.issubdtype(alphas.dtype, np.floating):
        raise validation.invalid_argument("alphas", "a float array (N, T, L)", alphas.shape)
    cells = np.asarray(cells)
    if cells.shape != alphas.shape[:2] or not np.issubdtype(cells.dtype, np.integer):
        raise validation.invalid_argument(
            "cells", f"an integer array (N, T) = {alphas.shape[:2]}", cells.shape
        )
    locations = alphas.shape[2]
    if feature_to_object_cell is None:
        overlap = np.eye(locations, dtype=bool)
    else:
        mapping = np.asarray(feature_to_object_cell)
        if mapping.ndim == 1 and np.issubdtype(mapping.dtype, np.integer):
            if mapping.shape[0] != locations or mapping.min(initial=0) < -1:
                raise validation.invalid_argument(
                    "feature_to_object_cell",
                    f"one cell id >= -1 per location ({locations})",
                    mapping.tolist(),
                )
            overlap = np.zeros((locations, mapping.max(initial=-1) + 1), bool)
            on_cell = mapping >= 0
            overlap[np.flatnonzero(on_cell), mapping[on_cell]] = True
        elif mapping.ndim == 2 and mapping.dtype == bool and mapping.shape[0] == locations:
            overlap = mapping
        else:
            raise validation.invalid_argument(
                "feature_to_object_cell",
                f"an integer array ({locations},) or a boolean array ({locations}, C)",
                mapping.shape,
            )
    if cells.size and cells.max() >= overlap.shape[1]:
        raise validation.invalid_argument(
            "cells", f"cell ids below {overlap.shape[1]} (the mapping's cells)", cells.max()
        )
    named = cells >= 0
    attended = np.argmax(alphas, axis=-1)
    hits = overlap[attended[named], cells[named]]
    return _percent(int(hits.sum()), int(named.sum()))


def caption_metrics(predictions, references, alphas=None, cells=None,
                    feature_to_object_cell=None):  # fmt: skip
    """Exact match, its split by object count, BLEU-1..4, attention correctness.

    Args:
        predictions, references: Lists of caption strings.
        alphas, cells, feature_to_object_cell: As in
            `attention_correctness`; `None` (a model without attention)
            leaves `"attention_correctness"` NaN.

    Returns:
        `{"exact_match": %, "exact_match_by_objects": {count: %},
        "bleu": {n: %}, "attention_correctness": %, "examples": N}`.
    """
    if (alphas is None) != (cells is None):
        raise validation.invalid_argument(
            "cells", "given together with `alphas` (or both `None`)", cells
        )
    correctness = float("nan")
    if alphas is not None:
        correctness = attention_correctness(alphas, cells, feature_to_object_cell)
    return {
        "exact_match": exact_match(predictions, references),
        "exact_match_by_objects": exact_match_by_objects(predictions, references),
        "bleu": bleu_scores(predictions, references),
        "attention_correctness": correctness,
        "examples": len(references),
    }


def _cell(value):
    return "n/a" if value != value else f"{value:.2f}"  # NaN: no attention


def metrics_table(results):
    """`(header, rows, align)` of `{model name: caption_metrics(...)}`.

    One row per model: examples, exact match, exact match by object count
    (1, 2 and 3 objects), BLEU-1..4 and attention correctness.
    """
    if not isinstance(results, dict) or not results:
        raise validation.invalid_argument(
            "results", "a non-empty dict of `caption_metrics` results", results
        )
    counts = sorted({c for r in results.values() for c in r["exact_match_by_objects"]})
    orders = sorted({n for r in results.values() for n in r["bleu"]})
    header = [
        "Model", "Examples", "Exact (%)",
        *(f"Exact, {c} obj. (%)" for c in counts),
        *(f"BLEU-{n}" for n in orders),
        "Attention correct (%)",
    ]  # fmt: skip
    rows = []
    for name, result in results.items():
        by_objects = result["exact_match_by_objects"]
        rows.append([
            name, result["examples"], _cell(result["exact_match"]),
            *(_cell(by_objects.get(c, float("nan"))) for c in counts),
            *(_cell(result["bleu"].get(n, float("nan"))) for n in orders),
            _cell(result["attention_correctness"]),
        ])  # fmt: skip
    align = ["left"] + ["right"] * (len(header) - 1)
    return header, rows, align


def format_metrics(results):
    """The metrics table as one Markdown string (`format_table`)."""
    return format_table(*metrics_table(results))


def evaluate_captioner(captioner, examples, batch_size=250, beam_width=1):
    """`caption_metrics` of a `ShowAttendTell` captioner on captioned-shapes examples.

    The captions are decoded greedily (`beam_width=1`, `GreedySampler`) or by
    beam search (`BeamSearch(beam_width)`), the best caption of each image
    scored against its reference; attention correctness reads the
    alignments under teacher forcing (the reference's words as the inputs),
    so that every content word of the reference is scored, on the feature
    grid of the captioner's encoder against the scenes' object grid.

    Args:
        captioner: A `ShowAttendTell` model.
        examples: `keras_memory.datasets.captioned_shapes.CaptionedScenes`.
        batch_size: Images per decoding batch. Default: `250`.
        beam_width: Positive integer; `1` is greedy. Default: `1`.

    Returns:
        The dict of `caption_metrics` (with attention correctness unless
        the captioner has one location, `attention="none"`).
    """
    import importlib

    import keras

    from keras_memory.applications.captioning import model as captioning_model

    # By path: `keras_memory.datasets` may export a function of that name.
    shapes = importlib.import_module("keras_memory.datasets.captioned_shapes")

    batch_size = validation.check_positive_int("batch_size", batch_size)
    beam_width = validation.check_positive_int("beam_width", beam_width)
    (images, inputs), _, target_cells = shapes.teacher_forcing_arrays(examples)
    sampler = captioning_model.sampler_for(beam_width, shapes.CAPTION_LENGTH - 1)
    with_attention = captioner.output["alignments"].shape[-1] > 1
    predictions, alphas = [], []
    for start in range(0, len(images), batch_size):
        batch = slice(start, start + batch_size)
        tokens = captioning_model.generate(captioner, images[batch], sampler)["tokens"]
        best = keras.ops.convert_to_numpy(tokens)[:, 0]
        predictions += [shapes.decode_caption(row) for row in best]
        if with_attention:
            outputs = captioner(
                {"images": images[batch], "decoder_input_ids": inputs[batch]}, training=False
            )
            alphas.append(keras.ops.convert_to_numpy(outputs["alignments"]))
    references = [shapes.decode_caption(row) for row in examples.captions]
    if not with_attention:
        return caption_metrics(predictions, references)
    height, width = captioner.get_layer("image_encoder").output.shape[1:3]
    overlap = feature_cell_overlap(height, width, examples.scenes.shape[1])
    return caption_metrics(predictions, references, np.concatenate(alphas), target_cells, overlap)
