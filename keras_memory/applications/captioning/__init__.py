"""Show, Attend and Tell on captioned shapes (Xu et al., ICML 2015).

- `evaluation`: exact caption match, BLEU-1 to BLEU-4 (NLTK's
  `corpus_bleu`) and attention correctness, with their table.
"""
