import { formatNumber, formatTable, ratioOf, toJson, type BenchResult } from '../../bench/report';

const row: BenchResult = {
  name: 'publish',
  subject: { label: 'publishOrderEvent', value: 812.345, unit: 'events/s' },
  baseline: { label: 'bare kafkajs producer', value: 1624.69, unit: 'events/s' },
  ratio: 0.5,
  details: { p99_ms: 12.3456, ok: true },
};

describe('report formatting', () => {
  it('formats numbers compactly', () => {
    expect(formatNumber(812.345)).toBe('812');
    expect(formatNumber(12.3456)).toBe('12.3');
    expect(formatNumber(0.04567)).toBe('0.0457');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });

  it('ratio is subject / baseline, NaN without a baseline', () => {
    expect(ratioOf(1, 4)).toBe(0.25);
    expect(ratioOf(1, 0)).toBeNaN();
  });

  it('prints an aligned table with details below', () => {
    const text = formatTable([row, { ...row, name: 'saga x1', details: {} }]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^benchmark\s+subject\s+value\s+baseline\s+value\s+unit\s+ratio$/);
    expect(lines[1]).toMatch(
      /^publish\s+publishOrderEvent\s+812\s+bare kafkajs producer\s+1625\s+events\/s\s+0\.5$/,
    );
    expect(lines[1].length).toBe(lines[2].length);
    expect(text).toContain('publish: p99_ms=12.3 ok=true');
  });

  it('prints a further baseline of the same subject on its own line, subject cells blank', () => {
    const saga: BenchResult = {
      name: 'saga x1',
      subject: { label: 'saga via API', value: 2, unit: 'orders/s' },
      baseline: { label: 'bare wf, 12 no-op acts', value: 4, unit: 'orders/s' },
      ratio: 0.5,
      alsoAgainst: [
        { baseline: { label: 'bare wf, 5 no-op acts', value: 8, unit: 'orders/s' }, ratio: 0.25 },
      ],
      details: {},
    };
    const lines = formatTable([saga, row]).split('\n');
    expect(lines[1]).toMatch(
      /^saga x1\s+saga via API\s+2\s+bare wf, 12 no-op acts\s+4\s+orders\/s\s+0\.5$/,
    );
    expect(lines[2]).toMatch(/^\s+bare wf, 5 no-op acts\s+8\s+orders\/s\s+0\.25$/);
    expect(lines[3]).toMatch(/^publish\s/);
  });

  it('JSON keeps the figures and turns non-finite numbers into null', () => {
    const json = JSON.parse(
      toJson({
        startedAt: 't',
        quick: true,
        servers: { temporal: 't', kafka: 'k', mongo: 'm', startedHere: [] },
        settings: {},
        results: [{ ...row, ratio: Number.NaN }],
        seconds: 1,
      }),
    ) as { results: BenchResult[] };
    expect(json.results[0].subject.value).toBe(812.345);
    expect(json.results[0].ratio).toBeNull();
  });
});
