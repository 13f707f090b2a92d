import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { chromium, type BrowserContext } from 'playwright-core';
import { orderWorkflowId } from '../../contracts/order';
import { freePorts, freeStackPorts, startStack, type RunningStack } from '../../stack';
import { startTestSystem, type TestSystem } from '../e2e/system';
import { installQuietRuntime } from '../../testing/saga-test-env';
import { findChromium } from './chromium';
import { orderClient, sampleOrder } from '../e2e/order-client';

// Support's view: with the payload codec on, Temporal stores only ciphertext, and the Web UI
// shows the order decoded through the API's codec server. The UI's codec endpoint is fixed when
// the dev server starts, so this file starts its own Temporal dev server pointing at the API's
// port (Kafka and MongoDB come from the global setup).

jest.setTimeout(360_000);

// The README's screenshot is rewritten only on request (UPDATE_SCREENSHOTS=1): a test run must
// not change tracked files. Otherwise it goes to the temp directory, for a look after a run.
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.resolve(__dirname, '../../docs/images/temporal-ui-order.png')
    : path.join(os.tmpdir(), 'order-saga-temporal-ui-order.png');
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
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
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
    // Visibility is eventually consistent: reload until the search finds the workflow. Each
    // look waits longer than the last: on a loaded machine the page itself can take more than
    // a few seconds to render, and a reload too early starts it over (seen in a CI run).
    const link = page.locator(`a[href*="/workflows/${encodeURIComponent(workflowId)}/"]`).first();
    const listed = (attempt: number) =>
      link.waitFor({ timeout: 5_000 * Math.min(attempt + 1, 6) }).then(
        () => true,
        () => false,
      );
    for (let attempt = 0; !(await listed(attempt)); attempt++) {
      if (attempt >= 6) {
        const failed = path.join(os.tmpdir(), 'order-saga-temporal-ui-failed.png');
        await page.screenshot({ path: failed });
        throw new Error(`workflow ${workflowId} not listed for ${customerId} (page: ${failed})`);
      }
      await page.reload();
    }
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
});
