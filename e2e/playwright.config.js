// Browser tests run in Debian's Chromium (never a downloaded browser) at tablet viewports with
// touch. Each test file starts its own backend (see server.js) on a free port.
const { defineConfig } = require('@playwright/test');

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['./summary-reporter.js']],
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: chromiumArgs },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  projects: [
    {
      name: 'tablet-portrait',
      use: { browserName: 'chromium', viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: false },
    },
  ],
});
