"""Private helpers shared by the layers of `keras_memory.layers` (not public API)."""
