"""Date normalisation: dates written in three languages, to ISO 8601.

A seeded, generated task for the attention encoder-decoder (Bahdanau et
al., 2015): a date written in English, French or German, in one of eleven
formats (`FORMATS`, shown in `FORMAT_EXAMPLES` and on the docs page
`docs/datasets/seq2seq.md`), is to be rewritten as `YYYY-MM-DD`:

    "mardi 4 mai 1999"       -> "1999-05-04"
    "Dienstag, 4. Mai 1999"  -> "1999-05-04"
    "May 4th, 1999"          -> "1999-05-04"

- `date_normalization` returns `DateExamples(sources, targets, languages,
  formats)`, so that exact match can be reported per language and format;
- the splits are by date: a seeded hash of the date puts it in `train`,
  `validation` or `test` (`date_split`), so held-out dates are never seen in
  training;
- `date_vocabulary()` is one `CharacterVocabulary` for the three languages;
- `keras_memory.datasets.text.seq2seq_dataset` makes the teacher-forcing
  `tf.data` pipeline and `keras_memory.datasets.dates.tfds` holds the TFDS
  builder (`date_normalization`), imported on demand.
"""

from keras_memory.datasets.dates.formats import FORMAT_EXAMPLES
from keras_memory.datasets.dates.formats import FORMATS
from keras_memory.datasets.dates.formats import LANGUAGES
from keras_memory.datasets.dates.formats import MONTH_ABBREVIATIONS
from keras_memory.datasets.dates.formats import MONTHS
from keras_memory.datasets.dates.formats import SHORT_YEAR_FORMATS
from keras_memory.datasets.dates.formats import SHORT_YEAR_RANGE
from keras_memory.datasets.dates.formats import WEEKDAY_ABBREVIATIONS
from keras_memory.datasets.dates.formats import WEEKDAYS
from keras_memory.datasets.dates.formats import render
from keras_memory.datasets.dates.generator import DATE_ALPHABET
from keras_memory.datasets.dates.generator import SPLITS
from keras_memory.datasets.dates.generator import TARGET_LENGTH
from keras_memory.datasets.dates.generator import DateExamples
from keras_memory.datasets.dates.generator import date_normalization
from keras_memory.datasets.dates.generator import date_split
from keras_memory.datasets.dates.generator import date_split_fractions
from keras_memory.datasets.dates.generator import date_vocabulary

__all__ = [
    "DATE_ALPHABET",
    "DateExamples",
    "FORMATS",
    "FORMAT_EXAMPLES",
    "LANGUAGES",
    "MONTHS",
    "MONTH_ABBREVIATIONS",
    "SHORT_YEAR_FORMATS",
    "SHORT_YEAR_RANGE",
    "SPLITS",
    "TARGET_LENGTH",
    "WEEKDAYS",
    "WEEKDAY_ABBREVIATIONS",
    "date_normalization",
    "date_split",
    "date_split_fractions",
    "date_vocabulary",
    "render",
]
