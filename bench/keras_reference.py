"""The reference the seed system used: the same ResNet50 (no top) in Python Keras, on the same tensorflow-cpu build,
with the pooling the plugin reads from it (GeM, p = 3, over R-MAC's regions, as server/src/embedding/extractor.ts).
Weights do not change the arithmetic, so none are loaded.
Usage: python keras_reference.py ROUNDS IMAGES   -> one JSON line of images/s (medians)"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

rounds, images = int(sys.argv[1]), int(sys.argv[2])
keras = tf.keras
base = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3))


def regions(height, width):
    """The whole map, then level x level squares of 2/(level + 1) of the short side, spread evenly (rounded as JS)."""
    found = [(0, 0, height, width)]
    for level in (2, 3):
        side = int(2 * min(height, width) / (level + 1) + 0.5)
        starts = lambda extent: [int(i * (extent - side) / (level - 1) + 0.5) for i in range(level)]  # noqa: E731
        found += [(top, left, side, side) for top in starts(height) for left in starts(width)]
    return found


def rmac(m):
    cubed = keras.ops.power(keras.ops.maximum(m, 1e-6), 3)
    means = [keras.ops.mean(cubed[:, t:t + r, l:l + c, :], axis=(1, 2)) for t, l, r, c in regions(m.shape[1], m.shape[2])]
    pooled = keras.ops.power(keras.ops.stack(means, axis=1), 1 / 3)
    norms = keras.ops.sqrt(keras.ops.sum(pooled * pooled, axis=2, keepdims=True))
    return keras.ops.sum(pooled / keras.ops.maximum(norms, 1e-12), axis=1)


model = keras.Model(base.input, keras.layers.Lambda(rmac)(base.output))
x = tf.keras.applications.resnet50.preprocess_input(np.random.RandomState(0).uniform(0, 255, (images, 224, 224, 3)).astype('float32'))
call = tf.function(lambda batch: model(batch, training=False))


def rate(batch, forward):
    def run():
        for i in range(0, images, batch):
            np.asarray(forward(x[i:i + batch]))
    run()
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        rates.append(images / (time.perf_counter() - started))
    return statistics.median(rates)


predict = lambda batch: model.predict(batch, verbose=0)  # noqa: E731
print(json.dumps({
    'tensorflow': tf.__version__,
    'predict': {'batch1': rate(1, predict), 'batch8': rate(8, predict)},
    'function': {'batch1': rate(1, call), 'batch8': rate(8, call)},
}))
