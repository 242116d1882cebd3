/**
 * Jest's node environment gives each test file its own typed-array classes, while tfjs-node's native addon
 * creates its arrays with Node's. tfjs checks `instanceof Float32Array` when it saves a model, so the test
 * context shares Node's typed arrays.
 */
const { TestEnvironment } = require('jest-environment-node');

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'Int32Array', 'Uint8Array']) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
