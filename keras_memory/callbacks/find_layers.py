"""Finding the layers of a given class anywhere inside a model."""

import keras


def _sublayers(layer):
    """The layers held directly by `layer`, through public attributes only.

    A model's `layers`, then every public attribute that holds a layer or a
    list or tuple of layers, in the order the attributes were set:
    `keras.layers.RNN.cell`, `keras.layers.StackedRNNCells.cells`,
    `keras.layers.Bidirectional.forward_layer` and `backward_layer`, the
    `layer` of a `keras.layers.Wrapper` such as `TimeDistributed`, the
    `cell` of wrapper cells (`ZoneoutCell`, `SkipRNNCell`,
    `PreviousStateAttentionCell`), the `controller` of a `MemoryCell`.
    """
    children = list(layer.layers) if isinstance(layer, keras.Model) else []
    for name, value in vars(layer).items():
        if name.startswith("_"):
            continue
        if isinstance(value, keras.layers.Layer):
            children.append(value)
        elif isinstance(value, (list, tuple)):
            children.extend(v for v in value if isinstance(v, keras.layers.Layer))
    return children


def find_layers(model, layer_class):
    """Every instance of `layer_class` in `model`, in layer order, once each.

    Searches depth first through everything a model holds: nested models
    (functional, `Sequential` and subclassed), the cell of a
    `keras.layers.RNN` (and of its subclasses such as `HMLSTM`, `NTM`,
    `SkipRNN`), both directions of `keras.layers.Bidirectional`, the cells
    of `keras.layers.StackedRNNCells`, the layer of a `keras.layers.Wrapper`
    (`TimeDistributed`), and wrapper cells that hold a `.cell`
    (`ZoneoutCell`, `SkipRNNCell`, `PreviousStateAttentionCell`) or a
    `.controller` (`MemoryCell`). Only public Keras API and public
    attributes are used. `model` itself is included when it is an instance.

    Args:
        model: A `keras.Model` or any `keras.layers.Layer`.
        layer_class: A class (or a tuple of classes, as for `isinstance`).

    Returns:
        A list of the layers that are instances of `layer_class`, in the
        order a depth-first walk meets them (a model's layers in order, a
        `Bidirectional`'s forward layer before its backward layer), without
        duplicates (a layer shared by two parents appears once).

    Example:

    >>> import keras
    >>> from keras_memory.callbacks import find_layers
    >>> from keras_memory.layers import ZoneoutCell
    >>> cell = ZoneoutCell(keras.layers.LSTMCell(4), zoneout_h=0.1)
    >>> model = keras.Sequential([
    ...     keras.Input((5, 3)),
    ...     keras.layers.Bidirectional(keras.layers.RNN(cell)),
    ... ])
    >>> [type(layer).__name__ for layer in find_layers(model, keras.layers.LSTMCell)]
    ['LSTMCell', 'LSTMCell']
    """
    if not isinstance(model, keras.layers.Layer):
        raise ValueError(
            "Received an invalid value for argument `model`, expected a "
            f"keras.Model or keras.layers.Layer, got {model!r}."
        )
    found, seen = [], set()
    stack = [model]
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, layer_class):
            found.append(layer)
        stack.extend(reversed(_sublayers(layer)))
    return found
