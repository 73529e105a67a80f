"""Pure `keras.ops` functions shared by the layers (no weights, no state).

The straight-through estimators and the memory addressing functions arrive
with the layers that need them.
"""

__all__ = []
