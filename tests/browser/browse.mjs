// A person's visit to `mreg serve`, in Debian's Chromium driven by playwright-core: the models
// page, a search typed into its box, the model and then the version clicked in the results.
// On every page it reads what a person would read there, and checks that the <script> and
// onerror handlers injected into the registry's descriptions and tags never ran. Then it pages
// through a long model and the filtered activity, and checks every kind of page at 400 and
// 1400 px (no sideways scrolling, no wasted width) and with axe-core (no serious or critical
// accessibility violation).
//
//   node browse.mjs BASE_URL [CHROMIUM]     e.g. node browse.mjs http://127.0.0.1:5000/registry/
//
// Then a reviewer's visit: a request's page reached from its model, with its approvals and
// verdicts; the activity naming the signers; versions compared through the model page's boxes;
// a version's signature and URI. These pages are also checked for hostile links (none may act)
// and for fitting 400 and 1400 px without scrolling sideways.
//
// The registry is the one tests/e2e_serve_browser.cpp builds. Prints one line per check and
// exits 1 at the first one that fails.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

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
  equal('models page: every model, by name', names.join(', '), 'broken-model, grid-load, load-series, m, power-forecast');
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

  // Every link on the page goes to this server, a web page of the examples, or mail: none
  // runs script or leaves for a host that a backslash or a scheme's case smuggled in.
  async function linksAreSafe(where) {
    const hrefs = await page.$$eval('a[href]', (links) => links.map((a) => a.href));
    const server = new URL(base).host;
    const unsafe = hrefs.filter((href) => {
      const url = new URL(href);
      if (url.protocol === 'mailto:') return false;
      return !['http:', 'https:'].includes(url.protocol) || ![server, 'docs.example.com'].includes(url.host);
    });
    equal(`${where}: no unsafe link`, unsafe.join(' '), '');
    equal(`${where}: no HTML from link text`, await page.locator('main b, main img').count(), 0);
  }
  async function noSidewaysScroll(where) {
    for (const width of [400, 1400]) {
      await page.setViewportSize({ width, height: 900 });
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth,
                                                          document.documentElement.clientWidth]);
      // On failure, the innermost elements that stick out say what to fix.
      const wide = scroll <= client ? [] : await page.evaluate((limit) => [...document.querySelectorAll('main *')]
        .filter((e) => e.getBoundingClientRect().right > limit && ![...e.children].some((c) => c.getBoundingClientRect().right > limit))
        .slice(0, 8).map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`), client);
      check(`${where}: no sideways scroll at ${width} px`, scroll <= client, `${scroll} px wide in ${client} px: ${wide.join(', ')}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }
  const styleOf = (locator, property) =>
    locator.evaluate((element, name) => getComputedStyle(element).getPropertyValue(name), property);

  // A request, clicked in its model's open requests.
  await page.goto(new URL('models/m', base).href);
  const requestLink = page.locator('table.requests a[href*="/requests/"]').first();
  const requestId = (await requestLink.innerText()).trim();
  await Promise.all([page.waitForURL(/\/models\/m\/requests\/[^/]+$/), requestLink.click()]);
  equal('request page: heading', await page.getByRole('heading', { level: 1 }).innerText(), `Request ${requestId}`);
  const fields = await page.locator('dl.fields').innerText();
  includes('request page: the move', fields, 'Move: version 1 from None → Production');
  includes('request page: the requester, proven', fields, 'carol@example.com proven');
  const alice = page.locator('table.approvals tbody tr', { hasText: 'alice@example.com' });
  const bob = page.locator('table.approvals tbody tr', { hasText: 'bob@example.com' });
  includes('request page: alice\'s key and verdict', await alice.innerText(), 'SHA256:');
  equal('request page: alice\'s approval is good', (await alice.locator('.verdict').innerText()).trim(), 'OK');
  equal('request page: the forged approval is bad', (await bob.locator('.verdict').innerText()).trim(), 'E_UNKNOWN_KEY');
  check('request page: why it is bad, in view', await bob.locator('.reason').isVisible());
  includes('request page: why it is bad, in words', await bob.locator('.reason').innerText(), 'not in policy');
  const okColour = await styleOf(alice.locator('.verdict'), 'background-color');
  const badColour = await styleOf(bob.locator('.verdict'), 'background-color');
  check('request page: verdicts are styled, each its own way',
        okColour !== badColour && !okColour.endsWith(', 0)') && !badColour.endsWith(', 0)'), `${okColour} / ${badColour}`);
  includes('request page: what is still needed', await page.locator('ul.needed').innerText(), 'needs 1 more from bob@example.com');
  includes('request page: the command to approve', await page.locator('pre.commands').innerText(), `mreg approve m ${requestId}`);
  includes('request page: the commits', await page.locator('table.events').innerText(), 'requested m v1');
  includes('request page: the comment\'s HTML in link text reads as text', await page.locator('main').innerText(), '<b>bold</b>');
  await linksAreSafe('request page');
  await noSidewaysScroll('request page');
  await nothingInjectedRan('request page', `Request ${requestId} · mreg`);

  // The activity of model m (the longer models fill the first page of all) names each approval's
  // signer, with its verdict and reason in view.
  await page.goto(new URL('activity?model=m', base).href);
  const approvedByAlice = page.locator('table.events tbody tr', { hasText: 'as alice@example.com' });
  const approvedByBob = page.locator('table.events tbody tr', { hasText: 'as bob@example.com' });
  equal('activity: alice\'s approval reads as good', (await approvedByAlice.locator('.verdict').innerText()).trim(), 'OK');
  equal('activity: the forged one reads as bad', (await approvedByBob.locator('.verdict').innerText()).trim(), 'E_UNKNOWN_KEY');
  check('activity: the reason is in view', await approvedByBob.locator('.reason').isVisible());
  includes('activity: credited to the signer, not the committer', await approvedByBob.locator('td').nth(2).innerText(),
           'bob@example.com\ncommitted by mallory');
  await nothingInjectedRan('activity', 'Activity · mreg');

  // Versions compared: two boxes checked on the model page and the form sent.
  await page.goto(new URL('models/m', base).href);
  await page.getByRole('checkbox', { name: 'Compare version 3' }).check();
  await page.getByRole('checkbox', { name: 'Compare version 1' }).check();
  await Promise.all([page.waitForURL(/\/models\/m\/compare\?v=3&v=1$/),
                     page.getByRole('button', { name: 'Compare the checked versions' }).click()]);
  equal('compare page: heading', await page.getByRole('heading', { level: 1 }).innerText(), 'Compare m versions 1, 3');
  const sourceRow = await page.locator('table.compare tr', { hasText: 'source' }).innerText();
  includes('compare page: each version\'s source', sourceRow, 's3://ml/m/3/xxx');
  includes('compare page: the signature change', await page.locator('ul.signature-changes').innerText(), 'inputs: temp added (long)');
  await noSidewaysScroll('compare page');
  await nothingInjectedRan('compare page', 'Compare m versions 1, 3 · mreg');

  // The version, clicked in the compare table: its signature, URI, and hostile Markdown.
  await Promise.all([page.waitForURL(/\/models\/m\/versions\/3$/),
                     page.locator('table.compare').getByRole('link', { name: 'Version 3' }).click()]);
  const inputs = page.locator('table.signature', { hasText: 'inputs' });
  const columns = (await inputs.locator('tbody tr').allInnerTexts()).map((t) => t.trim());
  equal('version page: the signature\'s inputs', columns.join(' | '), 'temp\tlong\tyes | gust\tdouble\tno');
  equal('version page: the URI to copy', await page.locator('code.uri').innerText(), 'models:/m/3');
  includes('version page: how to load it', await page.locator('pre.commands').innerText(),
           'mlflow.pyfunc.load_model("models:/m/3")');
  includes('version page: the comment', await page.locator('h2:has-text("Comments") + table').innerText(), 'see ');
  await linksAreSafe('version page with hostile links');
  await noSidewaysScroll('version page');
  await nothingInjectedRan('version page m 3', 'm version 3 · mreg');

  await pagingAndFilters(page, base);
  await layoutAndAccessibility(page, [
    ['models page', base],
    ['search results', `${base}?q=energy`],
    ['invalid filter', `${base}?q=${encodeURIComponent("tags.team = 'unclosed")}`],
    ['model page', `${base}models/power-forecast`],
    ['long model page', `${base}models/load-series?page=2`],
    ['broken model page', `${base}models/broken-model`],
    ['version page', `${base}models/power-forecast/versions/1`],
    ['version page with a signature', `${base}models/m/versions/3`],
    ['compare page', `${base}models/m/compare?v=1&v=3`],
    ['activity page', `${base}activity`],
    ['filtered activity', `${base}activity?model=load-series&type=registered&page=2`],
    ['not found page', `${base}models/nope`],
    ['bad request page', `${base}activity?page=x`],
  ]);

  console.log(`browser: ${passed} checks passed`);
} catch (error) {
  console.log(`not ok - ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}

// Long lists: a model's 51 versions and its activity, newest first, a page at a time; the
// activity's filters typed into their form, and kept by the links between pages.
async function pagingAndFilters(page, base) {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`${base}models/load-series`);
  const versionNames = async () => (await page.locator('table.versions tbody tr td:first-child').allInnerTexts())
    .map((t) => t.trim());
  let shown = await versionNames();
  equal('model versions: 50 on the first page', shown.length, 50);
  equal('model versions: newest first', shown[0], 'Version 51');
  await Promise.all([page.waitForURL(/\/models\/load-series\?page=2$/),
                     page.getByRole('navigation', { name: 'Pages of versions' }).getByRole('link', { name: /Older/ }).click()]);
  shown = await versionNames();
  equal('model versions: the oldest on page 2', shown.join(', '), 'Version 1');
  await page.goto(`${base}models/load-series`);
  await Promise.all([page.waitForURL(/\/activity\?model=load-series&page=2$/),
                     page.getByRole('link', { name: /Older activity/ }).click()]);
  check('model activity: older events on the activity page', (await page.locator('table.events tbody tr').count()) > 0);

  // The activity, filtered with its form.
  await page.goto(`${base}activity`);
  await page.getByLabel('Model', { exact: true }).fill('load-series');
  await page.getByLabel('Kind', { exact: true }).selectOption('registered');
  await page.getByLabel('Author', { exact: true }).fill('TEST');
  await Promise.all([page.waitForURL(/\/activity\?model=load-series&type=registered&author=TEST$/),
                     page.getByRole('button', { name: 'Filter' }).click()]);
  const events = await page.locator('table.events tbody tr').allInnerTexts();
  equal('activity filter: a page of 50', events.length, 50);
  check('activity filter: only registrations of the model', events.every((e) => /registered load-series v\d+/.test(e)),
        events.find((e) => !/registered load-series v\d+/.test(e)));
  includes('activity filter: newest first', events[0], 'v51');
  equal('activity filter: the form keeps the kind', await page.getByLabel('Kind', { exact: true }).inputValue(), 'registered');
  await Promise.all([page.waitForURL(/\/activity\?model=load-series&type=registered&author=TEST&page=2$/),
                     page.getByRole('link', { name: /Older/ }).click()]);
  equal('activity filter: the oldest on page 2', (await page.locator('table.events tbody tr').allInnerTexts()).length, 1);
  await page.goto(`${base}?q=${encodeURIComponent("tags.team = 'unclosed")}`);
  includes('models page: an invalid filter is an error', await page.getByRole('alert').innerText(), 'Invalid filter');
  equal('models page: no count of models for an invalid filter', await page.getByText(/models? matching/).count(), 0);
}

// Every page given, at 400 and 1400 px: nothing wider than the window (no sideways scrolling),
// the main column using the width at 1400 px, and no serious or critical axe-core violation.
async function layoutAndAccessibility(page, pages) {
  for (const width of [400, 1400]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, url] of pages) {
      await page.goto(url);
      const size = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        window: window.innerWidth,
        main: document.querySelector('main').getBoundingClientRect().width,
        widest: [...document.querySelectorAll('main *')].map((e) => [e.getBoundingClientRect().right, e.tagName + '.' + e.className])
          .reduce((a, b) => (b[0] > a[0] ? b : a), [0, '']),
      }));
      check(`${name} at ${width} px: no sideways scrolling`, size.scroll <= size.window,
            `${size.scroll} px wide in a ${size.window} px window; widest: ${size.widest[1]} to ${size.widest[0]} px`);
      if (width === 1400) check(`${name} at ${width} px: the page uses the width`, size.main >= 0.9 * size.window, `main is ${size.main} px`);
    }
  }
  for (const [name, url] of pages) {
    await page.goto(url);
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
    });
    equal(`${name}: no serious or critical accessibility violation (axe-core)`, violations.join(' | '), '');
  }
}
