// Checks that automatic key rotation never breaks a verifier that caches the JWKS. A
// dedicated latchkey instance rotates every few seconds (tests/run.sh starts it with a
// JWKS max-age of 1 s, a 5 s token TTL and short rotation settings, on its own database).
// A jose verifier created with createRemoteJWKSet caches the key set for exactly the
// served max-age and never refetches early for an unknown kid, the strictest behaviour a
// caching verifier may have. Every few hundred milliseconds the script logs in, verifies
// the fresh token and every earlier token that has not expired, with jose and with the
// verify endpoint, until one key has gone through pending, active, retired and removed.
// It expects zero failures. Finally it shows the failure that the pre-publication delay
// prevents: a key activated at once is unknown to a verifier whose cache predates it.
//
// Environment (set by tests/run.sh): LK_TEST_ROTATION_BASE_URL, LK_TEST_ROTATION_DATABASE_URL,
// LK_TEST_ROTATION_CLIENT_ID and LK_TEST_ROTATION_CLIENT_SECRET (a service client of that
// database with tokens:verify), LK_TEST_USER_EMAIL, LK_TEST_USER_PASSWORD, LK_TEST_AUDIENCE,
// LK_TEST_RUN_DIR, LK_TEST_LATCHKEY, LATCHKEY_MASTER_KEY_FILE, and NODE_EXTRA_CA_CERTS.

import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as jose from 'jose';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`missing environment variable ${name}; run this through tests/run.sh`);
    process.exit(2);
  }
  return value;
};

const baseUrl = env('LK_TEST_ROTATION_BASE_URL');
const databaseUrl = env('LK_TEST_ROTATION_DATABASE_URL');
const latchkey = env('LK_TEST_LATCHKEY');
const runDir = env('LK_TEST_RUN_DIR');
const verifyOptions = { issuer: baseUrl, audience: env('LK_TEST_AUDIENCE'), algorithms: ['ES256'], typ: 'at+jwt' };

// Bounds: the whole cycle takes about 30 s with the settings of tests/run.sh.
const STEP_MS = 300;
const CYCLE_DEADLINE_MS = 90_000;
const STARTUP_DEADLINE_MS = 20_000;
const TOKEN_MARGIN_S = 1; // earlier tokens are checked until this long before "exp"

const results = { passed: 0, failed: 0 };

function check(name, condition, detail) {
  if (condition) {
    results.passed += 1;
    console.log(`ok - ${name}`);
  } else {
    results.failed += 1;
    console.log(`not ok - ${name}: ${detail}`);
  }
}

function finish() {
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

// Runs the latchkey command line against the rotation database and returns its output.
function runLatchkey(args) {
  return execFileSync(latchkey, args, {
    env: { ...process.env, LATCHKEY_DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function listKeys() {
  return JSON.parse(runLatchkey(['keys', 'list', '--json']));
}

// Logs in and returns the access token, or null when the instance has no key yet (503).
async function login() {
  const response = await fetch(`${baseUrl}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: env('LK_TEST_USER_EMAIL'), password: env('LK_TEST_USER_PASSWORD') }),
  });
  if (response.status === 503) {
    await response.body?.cancel();
    return null;
  }
  if (response.status !== 200) {
    throw new Error(`login returned ${response.status}`);
  }
  const body = await response.json();
  // tests/run.sh checks that the server log never contains an issued token.
  appendFileSync(join(runDir, 'issued-tokens.txt'), `${body.access_token}\n${body.refresh_token}\n`);
  return body.access_token;
}

// client_secret_basic (RFC 6749, section 2.3.1): id and secret form-encoded, then Basic.
const clientCredentials = Buffer.from(
  `${encodeURIComponent(env('LK_TEST_ROTATION_CLIENT_ID'))}:${encodeURIComponent(env('LK_TEST_ROTATION_CLIENT_SECRET'))}`,
).toString('base64');

async function verifyEndpoint(token) {
  const response = await fetch(`${baseUrl}/v1/token/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${clientCredentials}` },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 200) {
    throw new Error(`verify returned ${response.status}`);
  }
  return (await response.json()).active === true;
}

async function servedMaxAgeMs() {
  const response = await fetch(`${baseUrl}/.well-known/jwks.json`);
  await response.json();
  const match = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '');
  if (!match) {
    throw new Error('the JWKS has no Cache-Control max-age');
  }
  return Number(match[1]) * 1000;
}

async function waitForFirstToken() {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (Date.now() < deadline) {
    const token = await login();
    if (token) {
      return token;
    }
    await sleep(STEP_MS);
  }
  throw new Error(`no login succeeded within ${STARTUP_DEADLINE_MS} ms`);
}

// Records every state each kid is seen in.
function observeStates(seen) {
  for (const key of listKeys()) {
    if (!seen.has(key.kid)) {
      seen.set(key.kid, new Set());
    }
    seen.get(key.kid).add(key.state);
  }
}

function fullCycleKid(seen) {
  for (const [kid, states] of seen) {
    if (['pending', 'active', 'retired', 'removed'].every((state) => states.has(state))) {
      return kid;
    }
  }
  return null;
}

// Verifies TOKEN with jose and the verify endpoint and counts the outcome.
async function verifyBoth(token, keySet, stats, label) {
  try {
    await jose.jwtVerify(token, keySet, verifyOptions);
  } catch (error) {
    stats.failures.push(`${label}: jose: ${error.code ?? error.message}`);
  }
  if (!(await verifyEndpoint(token))) {
    stats.failures.push(`${label}: the verify endpoint reported it inactive`);
  }
  stats.verifications += 1;
}

async function runCycle(keySet) {
  const stats = { verifications: 0, earlier: 0, failures: [], kids: new Set() };
  const seen = new Map();
  const live = [];
  const deadline = Date.now() + CYCLE_DEADLINE_MS;
  let cycleKid = null;

  while (!cycleKid && Date.now() < deadline) {
    const token = await login();
    if (!token) {
      stats.failures.push('login answered 503: no active key');
    } else {
      const { kid, exp } = { ...jose.decodeProtectedHeader(token), ...jose.decodeJwt(token) };
      stats.kids.add(kid);
      await verifyBoth(token, keySet, stats, `fresh token of ${kid}`);
      live.push({ token, kid, exp });
    }

    const now = Date.now() / 1000;
    for (const earlier of live.splice(0)) {
      if (earlier.exp - now > TOKEN_MARGIN_S) {
        live.push(earlier);
        if (earlier.token !== token) {
          stats.earlier += 1;
          await verifyBoth(earlier.token, keySet, stats, `earlier token of ${earlier.kid}`);
        }
      }
    }

    observeStates(seen);
    cycleKid = fullCycleKid(seen);
    await sleep(STEP_MS);
  }
  return { stats, cycleKid, seen };
}

// Shows what the pre-publication delay prevents: a verifier whose cached key set predates
// a key activated at once rejects that key's tokens until its cache expires.
async function showImmediateActivationRisk(keySet) {
  const staleKeySet = jose.createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`), {
    cacheMaxAge: 60_000,
    cooldownDuration: 60_000,
  });
  await jose.jwtVerify(await waitForFirstToken(), staleKeySet, verifyOptions);

  // A new key, so that no cached key set can have it. Activating it cancels the rotator's
  // scheduled activation, which therefore cannot replace it during this check.
  const created = spawnSync(latchkey, ['keys', 'create', '--activate', '--json'], {
    env: { ...process.env, LATCHKEY_DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  check('keys create --activate warns that caches may not have the key',
    created.status === 0 && created.stderr.includes('warning: key'), `exit ${created.status}: ${created.stderr}`);
  const active = created.status === 0 ? JSON.parse(created.stdout) : null;
  if (!active) {
    return;
  }

  let token = null;
  for (let attempt = 0; attempt < 20 && !token; attempt += 1) {
    const candidate = await login();
    if (candidate && jose.decodeProtectedHeader(candidate).kid === active.kid) {
      token = candidate;
    } else {
      await sleep(250);
    }
  }
  check('the instance signs with the key activated at once', Boolean(token), `kid ${active.kid} not used`);
  if (!token) {
    return;
  }

  let warning = '';
  try {
    await jose.jwtVerify(token, staleKeySet, verifyOptions);
    warning = 'the stale verifier accepted it';
  } catch (error) {
    warning = error.code;
  }
  check('a verifier with an older cache rejects a key activated at once',
    warning === 'ERR_JWKS_NO_MATCHING_KEY', `got ${warning}`);

  // The verifier that honours max-age accepts it once its cache has expired.
  await sleep(2000);
  let accepted = false;
  try {
    await jose.jwtVerify(token, keySet, verifyOptions);
    accepted = true;
  } catch (error) {
    warning = error.code;
  }
  check('a verifier honouring max-age accepts it after max-age', accepted, `got ${warning}`);
}

async function main() {
  const maxAgeMs = await servedMaxAgeMs();
  check('the JWKS max-age is short for this test', maxAgeMs > 0 && maxAgeMs <= 2000, `max-age ${maxAgeMs} ms`);
  const keySet = jose.createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`), {
    cacheMaxAge: maxAgeMs,
    cooldownDuration: maxAgeMs,
  });
  await waitForFirstToken();

  const { stats, cycleKid, seen } = await runCycle(keySet);
  const summary = [...seen].map(([kid, states]) => `${kid.slice(0, 8)}:${[...states].join('>')}`).join(' ');
  check('a key went through pending, active, retired and removed', cycleKid !== null, summary);
  check('tokens were signed by at least three keys', stats.kids.size >= 3, `${stats.kids.size} keys`);
  check('earlier tokens were verified after the key changed', stats.earlier > 0, 'none');
  check(`all ${stats.verifications} verifications passed (jose and verify endpoint)`,
    stats.failures.length === 0, stats.failures.slice(0, 5).join('; '));
  console.log(`# ${stats.verifications} verifications, ${stats.earlier} of earlier tokens, keys: ${summary}`);

  await showImmediateActivationRisk(keySet);
  finish();
}

main().catch((error) => {
  console.log(`not ok - unexpected error: ${error.stack}`);
  results.failed += 1;
  finish();
});
