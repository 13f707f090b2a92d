import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { orderWorkflowId } from '../../contracts/order';
import type { OrderResponse } from '../../api/schemas';
import { devToken } from '../../scripts/token';
import { freePorts, freeStackPorts, startStack, type RunningStack } from '../../stack';
import { startTestSystem, type TestSystem } from '../e2e/system';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { CHROMIUM_ARGS, findChromium } from './chromium';
import { orderClient, sampleOrder } from '../e2e/order-client';
import { guideLink, linkFor } from './support-guide';

// Support's view: with the payload codec on, Temporal stores only ciphertext, and the Web UI
// shows the order decoded through the API's codec server. The UI's codec endpoint is fixed when
// the dev server starts, so this file starts its own Temporal dev server pointing at the API's
// port (Kafka and MongoDB come from the global setup). Support's first contact: the links of
// docs/support.md, read from the guide, list the orders they promise, and an order's page says
// what it waits for.

jest.setTimeout(360_000);

// The README's and the support guide's screenshots are rewritten only on request
// (UPDATE_SCREENSHOTS=1): a test run must not change tracked files. Otherwise the README's goes
// to the temp directory, for a look after a run.
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.resolve(__dirname, '../../docs/images/temporal-ui-order.png')
    : path.join(os.tmpdir(), 'order-saga-temporal-ui-order.png');
const DETAILS_SCREENSHOT = path.resolve(
  __dirname,
  '../../docs/images/temporal-ui-current-details.png',
);

/** The link to a workflow's page in a list of the Temporal UI. */
const workflowLink = (page: Page, workflowId: string) =>
  page.locator(`a[href*="/workflows/${encodeURIComponent(workflowId)}/"]`).first();

/** Saves what the page shows (screenshot and text) and fails with where they are. */
async function failWithPage(page: Page, what: string): Promise<never> {
  const base = path.join(os.tmpdir(), `order-saga-temporal-ui-failed-${Date.now()}`);
  await page.screenshot({ path: `${base}.png` });
  writeFileSync(`${base}.txt`, await page.locator('body').innerText());
  throw new Error(`${what} (page: ${base}.png, text: ${base}.txt, url: ${page.url()})`);
}

/**
 * Waits until the list on the page shows the workflow. Visibility is eventually consistent:
 * reload until the search finds it. Each look waits longer than the last: on a loaded machine
 * the page itself can take more than a few seconds to render, and a reload too early starts it
 * over (seen in a CI run).
 */
async function waitUntilListed(page: Page, workflowId: string) {
  const link = workflowLink(page, workflowId);
  const listed = (attempt: number) =>
    link.waitFor({ timeout: 5_000 * Math.min(attempt + 1, 6) }).then(
      () => true,
      () => false,
    );
  for (let attempt = 0; !(await listed(attempt)); attempt++) {
    if (attempt >= 6) await failWithPage(page, `workflow ${workflowId} not listed`);
    await page.reload();
  }
  return link;
}

const browserBinary = findChromium();
if (!browserBinary.found) {
  // Not silent: the notice is printed in the test output, and the skipped test is named by it.
  console.warn(browserBinary.notice);
  it.skip(browserBinary.notice, () => undefined);
}

(browserBinary.found ? describe : describe.skip)('Temporal Web UI with the codec server', () => {
  const CHROMIUM = browserBinary.found ? browserBinary.path : '';
  let stack: RunningStack;
  let system: TestSystem;
  let browser: BrowserContext;
  let userDataDir: string;
  const customerId = `ui-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    installQuietRuntime();
    const ports = await freeStackPorts();
    const [apiPort] = await freePorts(1);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.TEMPORAL_ADDRESS; // start a dev server of our own; keep Kafka and MongoDB
    stack = await startStack({
      dir: mkdtempSync(path.join(os.tmpdir(), 'order-saga-ui-test-')),
      ports,
      env,
      temporalUiCodecEndpoint: `http://127.0.0.1:${apiPort}/codec`,
    });
    if (!stack.temporalUiUrl) throw new Error('the dev server has no Web UI');
    system = await startTestSystem('temporal-ui', {
      codecKeys: `ui-test:${randomBytes(32).toString('base64')}`,
      temporalAddress: stack.temporalAddress,
      apiPort,
      temporalUiUrl: stack.temporalUiUrl,
    });
    userDataDir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 1000 },
      args: CHROMIUM_ARGS,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await stack?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('finds the order by CustomerId and shows its decoded payloads', async () => {
    const client = orderClient(system);
    await client.stock('KETTLE', 2_500, 100);
    const order = sampleOrder(customerId);
    const orderId = await client.place(order);
    expect((await client.final(orderId)).status).toBe('COMPLETED');
    const workflowId = orderWorkflowId(orderId);

    // Temporal itself holds ciphertext only.
    const raw = await system.temporal.connection.workflowService.getWorkflowExecutionHistory({
      namespace: system.namespace,
      execution: { workflowId },
    });
    const started = raw.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = started?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input?.data ?? []).toString('latin1')).not.toContain(
      order.shippingAddress.line1,
    );

    const page = await browser.newPage();
    const ui = stack.temporalUiUrl as string;
    const query = encodeURIComponent(`CustomerId="${customerId}"`);
    await page.goto(`${ui}/namespaces/${system.namespace}/workflows?query=${query}`);
    const link = await waitUntilListed(page, workflowId);
    await link.click();
    // The UI opens the timeline tab; the history is the next tab over.
    await page.waitForURL(/\/workflows\/[^/]+\/[^/]+\/[a-z-]+/);
    await page.goto(page.url().replace(/\/[a-z-]+(\?.*)?$/, '/history'));

    // The start input, decoded by the codec server in the browser: the address is readable.
    await page
      .locator('body', { hasText: order.shippingAddress.line1 })
      .waitFor({ timeout: 30_000 });
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    console.log(`Temporal UI screenshot: ${SCREENSHOT}`);
  });

  const supportToken = () =>
    devToken({
      sub: 'support-1',
      scope: 'orders:read orders:write orders:support',
      ttlSeconds: 600,
      secret: system.jwtSecret,
    });

  async function rejectAsSupport(orderId: string) {
    const res = await fetch(`${system.apiUrl}/orders/${orderId}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await supportToken()}` },
    });
    expect(res.status).toBe(202);
  }

  /** Reads the order as support does, until it matches (the read model follows the saga). */
  async function readAsSupport(orderId: string, until: (view: OrderResponse) => boolean) {
    const auth = await supportToken();
    const deadline = Date.now() + 60_000;
    for (let version = 1; ;) {
      const res = await fetch(
        `${system.apiUrl}/orders/${orderId}?minVersion=${version}&timeoutMs=5000`,
        { headers: { authorization: `Bearer ${auth}` } },
      );
      const view = (await res.json()) as OrderResponse;
      if (res.ok && until(view)) return view;
      if (Date.now() > deadline) throw new Error(`order ${orderId}: ${JSON.stringify(view)}`);
      if (res.ok) version = view.version + 1;
    }
  }

  it("support guide's links: the approval list and a customer's day; the order's page says what it waits for", async () => {
    const client = orderClient(system);
    await client.stock('KETTLE', 2_500, 1_000);
    const today = new Date().toISOString().slice(0, 10);
    const customer = `guide-${randomUUID().slice(0, 8)}`;
    const completedId = await client.place(sampleOrder(customer));
    expect((await client.final(completedId)).status).toBe('COMPLETED');
    // 60 × 2 500 = 150 000 minor units, above the approval threshold of 100 000.
    const waitingId = await client.place(
      sampleOrder(customer, { items: [{ sku: 'KETTLE', quantity: 60 }] }),
    );
    const waiting = await readAsSupport(waitingId, (v) => v.status === 'AWAITING_APPROVAL');
    const [completed, waits] = [orderWorkflowId(completedId), orderWorkflowId(waitingId)];
    const ui = stack.temporalUiUrl as string;
    const here = { ui, namespace: system.namespace };
    const page = await browser.newPage();

    // "Which orders wait for my approval?": this one, not the completed one.
    await page.goto(linkFor(guideLink('Orders awaiting approval'), here));
    await waitUntilListed(page, waits);
    expect(await workflowLink(page, completed).count()).toBe(0);

    // "What happened to this customer's orders today?": both.
    const day = { ...here, customerId: customer, day: today };
    await page.goto(linkFor(guideLink("A customer's orders since midnight (UTC)"), day));
    await waitUntilListed(page, waits);
    await waitUntilListed(page, completed);

    // The order view's link opens the workflow (its latest run, on the timeline); the User
    // Metadata tab shows the current details: the status, what it waits for and until when.
    expect(waiting.temporalUiUrl).toBe(`${ui}/namespaces/${system.namespace}/workflows/${waits}`);
    await page.goto(waiting.temporalUiUrl as string);
    await page.getByTestId('user-metadata-tab').click();
    // Rendered as Markdown in a frame of its own, which makes the apostrophe typographic.
    const details =
      /^AWAITING_APPROVAL — waiting for support.s approval until 20\S+Z \(total 150000 /;
    await page
      .frameLocator('iframe#user-metadata-current-details')
      .getByText(details)
      .waitFor({ timeout: 30_000 })
      .catch(() => failWithPage(page, `no current details matching ${details}`));
    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: DETAILS_SCREENSHOT });

    // Nobody needs this order any more: support rejects it, as the guide says.
    await rejectAsSupport(waitingId);
  });
});
