// Jest's test sequencer, with the tiers whose files run longest first. A fresh clone has no
// timing cache, so Jest's own order (failed, then slowest known, then largest file) would start
// the chaos file (3 minutes, one file) last, after the other workers ran out of files: the
// suite's time is then its time plus everything before it. Within a tier, Jest's order stands.
const Sequencer = require('@jest/test-sequencer').default;

/** File suffixes, longest-running tier first (README "Tests" lists their times). */
const TIERS = [
  '.chaos.test.ts',
  '.e2e.test.ts',
  '.secure.test.ts',
  '.int.test.ts',
  '.workflow.test.ts',
  '.contract.test.ts',
  '.unit.test.ts',
];

const tierOf = (test) => {
  const i = TIERS.findIndex((suffix) => test.path.endsWith(suffix));
  return i < 0 ? TIERS.length : i;
};

class LongFilesFirst extends Sequencer {
  sort(tests) {
    // Array.prototype.sort is stable: Jest's order within a tier is kept.
    return [...super.sort(tests)].sort((a, b) => tierOf(a) - tierOf(b));
  }
}

module.exports = LongFilesFirst;
module.exports.tierOf = tierOf;
