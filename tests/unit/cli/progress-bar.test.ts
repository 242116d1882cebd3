import { progressBar } from '../../../server/src/cli/maintenance-client';

describe('progress bar', () => {
  it('fills in proportion, and never past full', () => {
    expect(progressBar(0, 300, 'images', 10)).toBe('[----------]   0% 0/300 images');
    expect(progressBar(150, 300, 'images', 10)).toBe('[#####-----]  50% 150/300 images');
    expect(progressBar(310, 300, 'images', 10)).toBe('[##########] 100% 310/300 images');
    expect(progressBar(0, 0, 'images', 10)).toBe('[##########] 100% 0/0 images');
    expect(progressBar(40, 400, 'images learned from', 10)).toBe('[#---------]  10% 40/400 images learned from');
  });
});
