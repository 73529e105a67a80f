"""NumPy references of the Recurrent Attention Model's layers, from the paper.

The glimpse is an area integral over the zero-padded image, computed pixel
row by pixel row (the image pixel `i` covers `[i, i + 1]`); the networks read
their weights from the layers' Dense sublayers. Shared by the layer tests and
the conformance specs (imported as `glimpse_references`).
"""

import numpy as np


def _overlaps(start, side, patch_size, length):
    """`R[a, i]`: the share of pixel `i` in output pixel `a` of `[start + a side, ...]`."""
    weights = np.zeros((patch_size, length))
    for a in range(patch_size):
        low, high = start + a * side, start + (a + 1) * side
        for i in range(length):
            weights[a, i] = max(0.0, min(high, i + 1) - max(low, i)) / side
    return weights


def glimpse(images, locations, patch_size, num_scales=1, scale_factor=2):
    """`rho(x, l)`: `(B, K, g, g, C)` patches, zero outside the image."""
    images = np.asarray(images, "float64")
    batch, height, width, channels = images.shape
    out = np.zeros((batch, num_scales, patch_size, patch_size, channels))
    for n in range(batch):
        y, x = np.clip(np.asarray(locations[n], "float64"), -1.0, 1.0)
        cy, cx = (y + 1.0) / 2.0 * height, (x + 1.0) / 2.0 * width
        for k in range(num_scales):
            side = float(scale_factor) ** k
            rows = _overlaps(cy - patch_size * side / 2, side, patch_size, height)
            cols = _overlaps(cx - patch_size * side / 2, side, patch_size, width)
            for c in range(channels):
                out[n, k, :, :, c] = rows @ images[n, :, :, c] @ cols.T
    return out


def _dense(layer, x):
    out = x @ np.asarray(layer.kernel.numpy(), "float64")
    return out if layer.bias is None else out + np.asarray(layer.bias.numpy(), "float64")


def _relu(x):
    return np.maximum(x, 0.0)


def glimpse_network(network, images, locations):
    """`g = relu(W2 h_g + W3 h_l)`, `h_g = relu(W0 rho(x, l))`, `h_l = relu(W1 clip(l))`."""
    patches = glimpse(
        images, locations, network.patch_size, network.num_scales, network.scale_factor
    )
    h_g = _relu(_dense(network.what, patches.reshape(len(patches), -1)))
    h_l = _relu(_dense(network.where, np.clip(np.asarray(locations, "float64"), -1, 1)))
    return _relu(_dense(network.what_to_glimpse, h_g) + _dense(network.where_to_glimpse, h_l))


def policy_mean(policy, hidden):
    """`mu = tanh(W_l h + b_l)`."""
    return np.tanh(_dense(policy.mean, hidden))


def normal_log_prob(value, mean, std):
    return -0.5 * ((value - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi)


def recurrent_attention_model(layer, images):
    """The deterministic forward pass (`l_0 = 0`, then the mean locations).

    The core is the default `SimpleRNNCell` with `relu`:
    `h_{n+1} = relu(W g_n + U h_n + b)`. Returns `(logits, locations,
    log_probs, baselines)` as the layer does.
    """
    images = np.asarray(images, "float64")
    batch = len(images)
    cell = layer.core_cell
    kernel, recurrent, bias = (
        np.asarray(w.numpy(), "float64") for w in (cell.kernel, cell.recurrent_kernel, cell.bias)
    )
    std = layer.location_network.std
    hidden = np.zeros((batch, kernel.shape[1]))
    location = np.zeros((batch, 2))
    locations, log_probs, baselines = [], [], []
    for n in range(layer.num_glimpses):
        log_prob = np.zeros(batch)
        if n > 0:
            location = policy_mean(layer.location_network, hidden)
            log_prob = normal_log_prob(location, location, std).sum(-1)
        locations.append(np.clip(location, -1, 1))
        log_probs.append(log_prob)
        baselines.append(_dense(layer.baseline_network, hidden)[:, 0])
        g = glimpse_network(layer.glimpse_network, images, location)
        hidden = _relu(g @ kernel + hidden @ recurrent + bias)
    logits = _dense(layer.action_network, hidden)
    return logits, np.stack(locations, 1), np.stack(log_probs, 1), np.stack(baselines, 1)
