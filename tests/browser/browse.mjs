// A person's visit to `mreg serve`, in Debian's Chromium driven by playwright-core: the models
// page, a search typed into its box, the model and then the version clicked in the results.
// On every page it reads what a person would read there, and checks that the <script> and
// onerror handlers injected into the registry's descriptions and tags never ran.
//
//   node browse.mjs BASE_URL [CHROMIUM]     e.g. node browse.mjs http://127.0.0.1:5000/registry/
//
// The registry is the one tests/e2e_serve_browser.cpp builds. Prints one line per check and
// exits 1 at the first one that fails.
import { chromium } from 'playwright-core';

const [base, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node browse.mjs BASE_URL [CHROMIUM]');
  process.exit(2);
}

let passed = 0;
function check(what, ok, detail = '') {
  if (!ok) throw new Error(`${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  console.log(`ok - ${what}`);
}
function equal(what, actual, expected) {
  check(what, actual === expected, `got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}
function includes(what, text, part) {
  check(what, text.includes(part), `${JSON.stringify(part)} not in ${JSON.stringify(text)}`);
}

// What the injected code would leave behind if it ever ran.
const dialogs = [];
const injectedRequests = [];
const pageErrors = [];

const browser = await chromium.launch({
  executablePath,
  // As root in a container, Chromium's sandbox cannot start; the rest keeps it off the network.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  // The pages' Content-Security-Policy would stop an injected script too: bypass it, so that
  // escaping alone is what is tested.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => {
    if (request.url().includes('injected')) injectedRequests.push(request.url());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));

  async function nothingInjectedRan(where, title) {
    equal(`${where}: the title is the page's own`, await page.title(), title);
    equal(`${where}: no injected global`, await page.evaluate(() => typeof window.injected), 'undefined');
    equal(`${where}: no script element in the page`, await page.evaluate(() => document.scripts.length), 0);
    equal(`${where}: no dialog opened`, dialogs.join(' | '), '');
    equal(`${where}: no request sent by injected code`, injectedRequests.join(' '), '');
    equal(`${where}: no script error`, pageErrors.join(' | '), '');
  }
  const rowTexts = (selector) => page.locator(selector).allInnerTexts();

  // The models page.
  await page.goto(base);
  equal('models page: heading', await page.getByRole('heading', { level: 1 }).innerText(), 'Registered models');
  const names = (await rowTexts('table.models tbody tr td:first-child')).map((t) => t.trim());
  equal('models page: every model, by name', names.join(', '), 'grid-load, power-forecast');
  const row = page.locator('table.models tbody tr', { hasText: 'power-forecast' });
  includes('models page: latest version per stage', await row.innerText(), 'Production v1');
  includes('models page: first line of the description', await row.innerText(), 'Forecasts wind power.');
  await nothingInjectedRan('models page', 'Models · mreg');

  // A search typed into the box and sent with Enter.
  const box = page.getByRole('searchbox', { name: 'Search models' });
  await box.click();
  await box.pressSequentially('power');
  await Promise.all([page.waitForURL(/[?&]q=power(&|$)/), box.press('Enter')]);
  equal('search: the box keeps what was typed', await box.inputValue(), 'power');
  includes('search: says what it found', await page.locator('main').innerText(), '1 model matching “power”');
  const found = (await rowTexts('table.models tbody tr td:first-child')).map((t) => t.trim());
  equal('search: only the matching model', found.join(', '), 'power-forecast');
  await nothingInjectedRan('search results', 'Models · mreg');

  // The model, clicked in the results.
  await Promise.all([page.waitForURL(/\/models\/power-forecast$/),
                     page.getByRole('link', { name: 'power-forecast', exact: true }).click()]);
  equal('model page: heading', await page.getByRole('heading', { level: 1 }).innerText(), 'power-forecast');
  const description = await page.locator('.description').innerText();
  includes('model page: the description', description, 'Forecasts wind power.');
  includes('model page: the injected script reads as text', description, '<script>');
  const markup = page.locator('.description');
  equal('model page: the description\'s Markdown heading', await markup.getByRole('heading', { name: 'Inputs' }).count(), 1);
  equal('model page: the description\'s list', await markup.getByRole('listitem').innerText(), 'weather forecasts');
  const tags = await page.locator('table.tags').innerText();
  includes('model page: a tag', tags, 'team\tenergy');
  includes('model page: a hostile tag value reads as text', tags, '<b>');
  const version = page.locator('table.versions tbody tr', { hasText: 'Version 1' });
  const versionRow = await version.innerText();
  includes('model page: the version and its stage', versionRow, 'Production');
  includes('model page: the version source', versionRow, 's3://ml/pf/1');
  await nothingInjectedRan('model page', 'power-forecast · mreg');

  // The version, clicked in the versions table.
  await Promise.all([page.waitForURL(/\/models\/power-forecast\/versions\/1$/),
                     version.getByRole('link', { name: 'Version 1' }).click()]);
  equal('version page: heading', await page.getByRole('heading', { level: 1 }).innerText(),
        'power-forecast version 1');
  const field = async (name) =>
    (await page.locator('dl.fields dt', { hasText: name }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
  equal('version page: stage', await field('Stage'), 'Production');
  equal('version page: source', await field('Source'), 's3://ml/pf/1');
  equal('version page: run', await field('Run'), '6f0a0b2c');
  includes('version page: the injected image reads as text', await field('Description'), '<img src=x onerror=');
  equal('version page: no image in the page', await page.locator('main img').count(), 0);
  includes('version page: stage history', await page.locator('table.stage-history').innerText(), 'Production');
  await nothingInjectedRan('version page', 'power-forecast version 1 · mreg');

  console.log(`browser: ${passed} checks passed`);
} catch (error) {
  console.log(`not ok - ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
