"""keras_memory: neural memory and multiscale recurrence for Keras 3."""

import os as _os
import sys as _sys

if _sys.argv and _os.path.basename(_sys.argv[0]).startswith("keras-memory"):
    # The `keras-memory` command: TensorFlow is imported quietly, before the
    # layers below import it (its start-up lines are not the user's business).
    from keras_memory.cli import quiet_tensorflow as _quiet_tensorflow

    _quiet_tensorflow()

# The applications' Keras classes (`GlimpseClassifier`, `CaptionTrainer`,
# `CoordinateChannels`) are registered when their modules are imported: a
# `.keras` file of them then loads after `import keras_memory`, as every layer's.
from keras_memory import applications  # noqa: E402
from keras_memory import layers  # noqa: E402
from keras_memory.version import __version__  # noqa: E402

__all__ = ["__version__", "applications", "layers"]
