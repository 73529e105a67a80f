"""The Recurrent Attention Model family (Mnih et al., 2014): glimpses of digits.

- `model`: `GlimpseClassifier`, the glimpse loop with its hybrid loss
  (cross-entropy, REINFORCE, the baseline's error) in `compute_loss`, so it
  trains in plain `fit()`; `paper_classifier` with the paper's setups.
- `training`, `evaluation`: `fit()` on arrays or datasets, `train_on_mnist`
  (the shipped runs, on a folder of IDX files); the error rate
  with the mean locations or averaged over Monte Carlo paths.
- `serving`: `export_glimpse_classifier`, image in, class probabilities and
  glimpse locations out.
"""

from keras_memory.applications.glimpse.evaluation import error_rate
from keras_memory.applications.glimpse.evaluation import monte_carlo_probabilities
from keras_memory.applications.glimpse.model import PAPER_SETUPS
from keras_memory.applications.glimpse.model import GlimpseClassifier
from keras_memory.applications.glimpse.model import hybrid_loss
from keras_memory.applications.glimpse.model import paper_classifier
from keras_memory.applications.glimpse.model import pretrained_classifier
from keras_memory.applications.glimpse.presets import SHIPPED_WEIGHTS
from keras_memory.applications.glimpse.presets import shipped_metadata
from keras_memory.applications.glimpse.serving import export_glimpse_classifier
from keras_memory.applications.glimpse.serving import serving_model
from keras_memory.applications.glimpse.training import compile_glimpse_classifier
from keras_memory.applications.glimpse.training import setup_canvases
from keras_memory.applications.glimpse.training import train_glimpse_classifier
from keras_memory.applications.glimpse.training import train_on_mnist

__all__ = [
    "PAPER_SETUPS",
    "SHIPPED_WEIGHTS",
    "GlimpseClassifier",
    "compile_glimpse_classifier",
    "error_rate",
    "export_glimpse_classifier",
    "hybrid_loss",
    "monte_carlo_probabilities",
    "paper_classifier",
    "pretrained_classifier",
    "serving_model",
    "setup_canvases",
    "shipped_metadata",
    "train_glimpse_classifier",
    "train_on_mnist",
]
