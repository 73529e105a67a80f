"""Named training recipes: what `keras-memory train NAME` and the demo run.

A recipe builds a model, trains it on its generated task, reports its metric,
gives example serving inputs and draws a figure of what the model learned.
"""

import dataclasses
from typing import Callable, Optional


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A trainable task.

    Attributes:
        name: The command-line name, e.g. `"clockwork-waveform"`.
        description: One line for `keras-memory info`.
        metric_name: Name of the number `evaluate` returns (lower is better).
        default_epochs: Epochs that `train` and the demo use by default.
        build_model: `() -> keras.Model` with named inputs and outputs.
        train: `(model, epochs, verbose) -> keras.callbacks.History`.
        evaluate: `(model) -> float`, the metric on the task.
        example_inputs: `() -> dict` of serving input name to array.
        plot: `(model, path) -> None`, writes a figure to `path`.
        build_pretrained: Optional `() -> keras.Model` with the shipped
            weights; the demo starts from it instead of training from
            scratch.
    """

    name: str
    description: str
    metric_name: str
    default_epochs: int
    build_model: Callable
    train: Callable
    evaluate: Callable
    example_inputs: Callable
    plot: Callable
    build_pretrained: Optional[Callable] = None


def get_recipe(name):
    """The recipe called `name`; raises ValueError listing the known ones."""
    recipes = available_recipes()
    if name not in recipes:
        raise ValueError(
            f"Received an invalid value for argument `name`, expected one of "
            f"{sorted(recipes)}, got {name!r}."
        )
    return recipes[name]


def available_recipes():
    """All recipes by name."""
    from keras_memory.recipes import clockwork_waveform, ntm_copy

    return {
        recipe.name: recipe
        for recipe in (clockwork_waveform.RECIPE, ntm_copy.RECIPE)
    }
