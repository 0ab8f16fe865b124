// Checks latchkey's access tokens with jose, a JOSE implementation that shares no code with
// latchkey: log in over HTTPS, fetch the JWKS, verify the token as a resource server would,
// and make sure that tampered tokens fail.
//
// Environment (set by tests/run.sh): LK_TEST_BASE_URL, LK_TEST_USER_EMAIL,
// LK_TEST_USER_PASSWORD, LK_TEST_ISSUER, LK_TEST_AUDIENCE, LK_TEST_RUN_DIR,
// LK_TEST_CLIENT_ID and LK_TEST_CLIENT_SECRET (a service client with tokens:verify), and
// NODE_EXTRA_CA_CERTS naming the test certificate so that fetch trusts the server.

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`missing environment variable ${name}; run this through tests/run.sh`);
    process.exit(2);
  }
  return value;
};

const baseUrl = env('LK_TEST_BASE_URL');
const issuer = env('LK_TEST_ISSUER');
const audience = env('LK_TEST_AUDIENCE');
const runDir = env('LK_TEST_RUN_DIR');
const verifyOptions = { issuer, audience, algorithms: ['ES256'], typ: 'at+jwt' };

const results = { passed: 0, failed: 0 };

async function check(name, body) {
  try {
    await body();
    results.passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    results.failed += 1;
    console.log(`not ok - ${name}: ${error.message}`);
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

// Fails unless verifying TOKEN throws a jose error with the code EXPECTED_CODE.
async function expectRejected(token, keySet, expectedCode) {
  try {
    await jose.jwtVerify(token, keySet, verifyOptions);
  } catch (error) {
    assert(error.code === expectedCode, `expected ${expectedCode}, got ${error.code}: ${error.message}`);
    return;
  }
  throw new Error('the token verified');
}

// Replaces one character of a base64url segment with a different valid one.
function flipCharacter(segment, index) {
  const replacement = segment[index] === 'A' ? 'B' : 'A';
  return segment.slice(0, index) + replacement + segment.slice(index + 1);
}

async function login() {
  const response = await fetch(`${baseUrl}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: env('LK_TEST_USER_EMAIL'), password: env('LK_TEST_USER_PASSWORD') }),
  });
  assert(response.status === 200, `login returned ${response.status}`);
  const body = await response.json();

  // tests/run.sh checks that the server log never contains an issued token.
  appendFileSync(join(runDir, 'issued-tokens.txt'), `${body.access_token}\n${body.refresh_token}\n`);
  return body;
}

async function main() {
  const keySet = jose.createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
  let tokens;

  await check('login returns an access token', async () => {
    tokens = await login();
    assert(typeof tokens.access_token === 'string', 'access_token is not a string');
  });
  if (!tokens) {
    console.log(`${results.passed} passed, ${results.failed} failed`);
    process.exit(1);
  }
  const token = tokens.access_token;

  await check('access token verifies with the JWKS', async () => {
    const { payload, protectedHeader } = await jose.jwtVerify(token, keySet, verifyOptions);
    assert(protectedHeader.alg === 'ES256', `alg is ${protectedHeader.alg}`);
    assert(typeof protectedHeader.kid === 'string', 'kid is missing');
    assert(protectedHeader.kid.length > 0, 'kid is empty');
    assert(typeof payload.sub === 'string', 'sub is missing');
    assert(payload.sub.length > 0, 'sub is empty');
    assert(payload.exp - payload.iat === 900, `exp - iat is ${payload.exp - payload.iat}`);
    for (const claim of ['jti', 'client_id', 'sid']) {
      assert(typeof payload[claim] === 'string', `${claim} is missing`);
    }
  });

  await check('every JWKS key imports as a public key', async () => {
    const response = await fetch(`${baseUrl}/.well-known/jwks.json`);
    const jwks = await response.json();
    assert(Array.isArray(jwks.keys), 'keys is not an array');
    assert(jwks.keys.length > 0, 'keys is empty');
    for (const jwk of jwks.keys) {
      assert(!('d' in jwk), `key ${jwk.kid} has a private member`);
      const key = await jose.importJWK(jwk, jwk.alg);
      assert(key.type === 'public', `key ${jwk.kid} imported as ${key.type}`);
    }
  });

  await check('token with a changed payload is rejected', async () => {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.sub = 'someone-else';
    const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
    await expectRejected(`${header}.${forged}.${signature}`, keySet, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  await check('token with a changed signature is rejected', async () => {
    const [header, payload, signature] = token.split('.');
    const tampered = flipCharacter(signature, Math.floor(signature.length / 2));
    await expectRejected(`${header}.${payload}.${tampered}`, keySet, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  await check('token is rejected for another audience', async () => {
    try {
      await jose.jwtVerify(token, keySet, { ...verifyOptions, audience: `${audience}-other` });
    } catch (error) {
      assert(error.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED', `got ${error.code}`);
      return;
    }
    throw new Error('the token verified');
  });

  await check('verify endpoint agrees with jose', async () => {
    // client_secret_basic (RFC 6749 section 2.3.1): id and secret form-encoded, then Basic.
    const credentials = `${encodeURIComponent(env('LK_TEST_CLIENT_ID'))}:${encodeURIComponent(env('LK_TEST_CLIENT_SECRET'))}`;
    const response = await fetch(`${baseUrl}/v1/token/verify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
      },
      body: JSON.stringify({ token }),
    });
    assert(response.status === 200, `verify returned ${response.status}`);
    const body = await response.json();
    const { payload } = await jose.jwtVerify(token, keySet, verifyOptions);
    assert(body.active === true, 'active is not true');
    assert(body.sub === payload.sub, `sub is ${body.sub}, jose read ${payload.sub}`);
    assert(body.jti === payload.jti, `jti is ${body.jti}, jose read ${payload.jti}`);
  });

  await check('verify endpoint requires client credentials', async () => {
    const response = await fetch(`${baseUrl}/v1/token/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    assert(response.status === 401, `verify without credentials returned ${response.status}`);
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert(challenge.startsWith('Basic realm="latchkey"'), `WWW-Authenticate is "${challenge}"`);
  });

  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.log(`not ok - unexpected error: ${error.stack}`);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  process.exit(1);
});
