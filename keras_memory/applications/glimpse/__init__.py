"""The Recurrent Attention Model family (Mnih et al., 2014): glimpses of digits.

- `model`: `GlimpseClassifier`, the glimpse loop with its hybrid loss
  (cross-entropy, REINFORCE, the baseline's error) in `compute_loss`, so it
  trains in plain `fit()`; `paper_classifier` with the paper's setups.
- `training`, `evaluation`: `fit()` on arrays or datasets; the error rate
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
from keras_memory.applications.glimpse.serving import export_glimpse_classifier
from keras_memory.applications.glimpse.serving import serving_model
from keras_memory.applications.glimpse.training import compile_glimpse_classifier
from keras_memory.applications.glimpse.training import train_glimpse_classifier

__all__ = [
    "PAPER_SETUPS",
    "GlimpseClassifier",
    "compile_glimpse_classifier",
    "error_rate",
    "export_glimpse_classifier",
    "hybrid_loss",
    "monte_carlo_probabilities",
    "paper_classifier",
    "serving_model",
    "train_glimpse_classifier",
]
