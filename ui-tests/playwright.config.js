/**
 * Galata configuration for Tinker Doctor's UI tests: Debian's Chromium,
 * headless, one project, and a JupyterLab started from the repo's .venv.
 * TD_UI_PORT picks another port when 8888 is taken.
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.TD_UI_PORT || '8888';
const jupyter = path.resolve(__dirname, '..', '.venv', 'bin', 'jupyter');

module.exports = {
  ...baseConfig,
  // One server, shared kernels: run the tests one after the other.
  workers: 1,
  timeout: 120000,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    headless: true,
    trace: 'off',
    video: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `${jupyter} lab --config jupyter_server_test_config.py`,
    url: `http://localhost:${port}/lab`,
    timeout: 120000,
    reuseExistingServer: !process.env.CI,
    env: { ...process.env, TD_UI_PORT: port }
  }
};
