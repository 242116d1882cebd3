import { isTensorFlowBootNoise } from '../../../server/src/embedding/tf-logging';

/** The lines TensorFlow 2.21 prints when its library loads, before it reads TF_CPP_MIN_LOG_LEVEL. */
const ABSL = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
const ONEDNN =
  'I0000 00:00:1796470120.361743   30005 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.';

describe('TensorFlow boot noise', () => {
  it('drops the two lines at load unless the log level asks for INFO', () => {
    for (const line of [ABSL, ONEDNN]) {
      expect(isTensorFlowBootNoise(line, '2')).toBe(true);
      expect(isTensorFlowBootNoise(line, '1')).toBe(true);
      expect(isTensorFlowBootNoise(line, '0')).toBe(false);
    }
  });

  it('keeps every other line, TensorFlow\'s warnings and errors included', () => {
    for (const line of [
      'E0000 00:00:1796470120.361743   30005 cuda_executor.cc:1] failed call',
      'W0000 00:00:1796470120.361743   30005 port.cc:153] something else',
      'Error: the model process stopped',
      'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR and more',
    ]) {
      expect(isTensorFlowBootNoise(line, '2')).toBe(false);
    }
  });
});
