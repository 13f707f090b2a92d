import { readFileSync } from 'node:fs';
import path from 'node:path';

// The Temporal UI links of docs/support.md, as the browser test opens them: read from the guide
// itself, so the guide and the test cannot drift.

export const SUPPORT_GUIDE = path.resolve(__dirname, '../../docs/support.md');

/** Where the guide's links point: `npm start`'s Temporal UI and namespace. */
const GUIDE_UI = 'http://127.0.0.1:8233';
const GUIDE_NAMESPACE = 'default';
/** The example customer and day of the guide's per-customer link. */
const GUIDE_CUSTOMER = 'CustomerId="alice"';
const GUIDE_DAY = /"\d{4}-\d{2}-\d{2}T00:00:00Z"/;

export interface GuideLink {
  label: string;
  url: URL;
  /** The visibility query, decoded. */
  query: string;
  /** The query as the guide writes it under the link, in backticks. */
  shownQuery: string | undefined;
}

/** Every list link of the guide: `[label](<ui>/namespaces/<ns>/workflows?query=…)`. */
export function guideLinks(markdown = readFileSync(SUPPORT_GUIDE, 'utf8')): GuideLink[] {
  const links: GuideLink[] = [];
  const pattern =
    /\[([^\]]+)\]\((http:\/\/[^)\s]+\/workflows\?query=[^)\s]+)\)\s*\n\s*\n`([^`]+)`/g;
  for (const [, label, href, shownQuery] of markdown.matchAll(pattern)) {
    const url = new URL(href);
    links.push({ label, url, query: url.searchParams.get('query') ?? '', shownQuery });
  }
  return links;
}

export function guideLink(label: string, links = guideLinks()): GuideLink {
  const link = links.find((l) => l.label === label);
  if (!link)
    throw new Error(
      `docs/support.md has no link "${label}"; it has ${links.map((l) => `"${l.label}"`).join(', ')}`,
    );
  return link;
}

/**
 * The guide's link for another UI, namespace, customer and day: what support gets by editing
 * the example. Throws when the link does not have the part to replace, so a changed guide fails
 * the test instead of opening something else.
 */
export function linkFor(
  link: GuideLink,
  target: { ui: string; namespace: string; customerId?: string; day?: string },
): string {
  if (link.url.origin !== GUIDE_UI) throw new Error(`${link.label}: not on ${GUIDE_UI}`);
  const prefix = `/namespaces/${GUIDE_NAMESPACE}/`;
  if (!link.url.pathname.startsWith(prefix))
    throw new Error(`${link.label}: not in namespace ${GUIDE_NAMESPACE}`);
  let query = link.query;
  const replace = (part: string | RegExp, by: string) => {
    if (!(typeof part === 'string' ? query.includes(part) : part.test(query)))
      throw new Error(`${link.label}: the query has no ${String(part)}`);
    query = query.replace(part, by);
  };
  if (target.customerId !== undefined) replace(GUIDE_CUSTOMER, `CustomerId="${target.customerId}"`);
  if (target.day !== undefined) replace(GUIDE_DAY, `"${target.day}T00:00:00Z"`);
  const pathname = link.url.pathname.replace(
    prefix,
    `/namespaces/${encodeURIComponent(target.namespace)}/`,
  );
  return `${target.ui.replace(/\/+$/, '')}${pathname}?query=${encodeURIComponent(query)}`;
}
