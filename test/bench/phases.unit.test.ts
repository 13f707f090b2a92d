import { phaseTimer } from '../../bench/phases';

describe('phaseTimer', () => {
  it('reports seconds per phase in order, adding up a repeated name', () => {
    let t = 0;
    const phases = phaseTimer(() => t);
    t = 1_500;
    phases.mark('setup');
    t = 4_000;
    phases.mark('run');
    t = 4_250;
    phases.mark('setup');
    expect(phases.summary()).toBe('setup=1.8 run=2.5');
  });

  it('is empty before the first mark', () => {
    expect(phaseTimer(() => 0).summary()).toBe('');
  });
});
