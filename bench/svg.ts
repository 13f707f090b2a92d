import type { BenchResult } from './report';
import { formatNumber } from './report';

// A dependency-free bar chart for the README: per benchmark, the project's figure and its
// baseline as two horizontal bars scaled to the larger of the pair (units differ between
// benchmarks, so only bars of the same row are comparable), with the ratio at the right.

const ROW = 56;
const LABEL = 170;
const BAR = 360;
const RIGHT = 90;
const TOP = 40;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderBarChart(results: readonly BenchResult[], title: string): string {
  const width = LABEL + BAR + RIGHT;
  const height = TOP + results.length * ROW + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${LABEL}" y="26" width="10" height="8" fill="#3b6ea5"/><text x="${LABEL + 14}" y="34">project</text>`,
    `<rect x="${LABEL + 80}" y="26" width="10" height="8" fill="#b0b0b0"/><text x="${LABEL + 94}" y="34">baseline</text>`,
  ];
  results.forEach((r, i) => {
    const y = TOP + i * ROW;
    const max = Math.max(r.subject.value, r.baseline.value, Number.MIN_VALUE);
    const w = (v: number) => Math.max(1, (Math.max(0, v) / max) * (BAR - 80));
    parts.push(
      `<text x="8" y="${y + 22}">${escapeXml(r.name)}</text>`,
      `<text x="8" y="${y + 38}" fill="#666">${escapeXml(r.subject.unit)}</text>`,
      `<rect x="${LABEL}" y="${y + 8}" width="${w(r.subject.value).toFixed(1)}" height="16" fill="#3b6ea5"/>`,
      `<text x="${LABEL + w(r.subject.value) + 4}" y="${y + 20}">${escapeXml(formatNumber(r.subject.value))}</text>`,
      `<rect x="${LABEL}" y="${y + 28}" width="${w(r.baseline.value).toFixed(1)}" height="16" fill="#b0b0b0"/>`,
      `<text x="${LABEL + w(r.baseline.value) + 4}" y="${y + 40}">${escapeXml(formatNumber(r.baseline.value))}</text>`,
      `<text x="${LABEL + BAR + 8}" y="${y + 30}" font-weight="bold">×${escapeXml(formatNumber(r.ratio))}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
