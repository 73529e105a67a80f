"""Prebuilt models with shipped weights.

Applications arrive with the issues that train them (the NTM copy model, the
bAbI memory network); `keras-memory info` lists what is available.
"""

__all__ = []
