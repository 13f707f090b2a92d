import { CHROMIUM_INSTALL_COMMAND, findChromium } from './chromium';

describe('Chromium for the browser test', () => {
  it('without Chromium, the skip notice names the missing path and the install command', () => {
    const lookup = findChromium({}, () => false);
    expect(lookup).toEqual({
      found: false,
      notice: expect.stringContaining('/usr/bin/chromium') as unknown,
    });
    expect(!lookup.found && lookup.notice).toContain(CHROMIUM_INSTALL_COMMAND);
    expect(CHROMIUM_INSTALL_COMMAND).toBe('apt-get install -y chromium');
  });

  it('uses CHROMIUM_PATH when set and present', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/c' }, (p) => p === '/opt/c')).toEqual({
      found: true,
      path: '/opt/c',
    });
  });
});
