import { escapeXml, renderBarChart } from '../../bench/svg';
import type { BenchResult } from '../../bench/report';

const r = (name: string, subject: number, baseline: number): BenchResult => ({
  name,
  subject: { label: 's', value: subject, unit: 'ops/s' },
  baseline: { label: 'b', value: baseline, unit: 'ops/s' },
  ratio: subject / baseline,
  details: {},
});

describe('renderBarChart', () => {
  it('draws two bars per benchmark, the larger at full width', () => {
    const svg = renderBarChart([r('a', 50, 100), r('b', 30, 10)], 'title');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const widths = [...svg.matchAll(/<rect x="170" y="\d+" width="([\d.]+)" height="16"/g)].map(
      (m) => Number(m[1]),
    );
    expect(widths).toEqual([140, 280, 280, 93.3]);
    expect(svg).toContain('×0.5');
  });

  it('escapes text', () => {
    expect(escapeXml(`<a & "b">`)).toBe('&#60;a &#38; &#34;b&#34;&#62;');
    expect(renderBarChart([r('<x>', 1, 1)], 'a&b')).not.toMatch(/<x>|a&b/);
  });
});
