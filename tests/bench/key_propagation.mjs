// Runs `latchkey keys rotate --now` ROUNDS times and measures, for each round, how long the
// command took and how long after it exited both instances served the new key in their
// JWKS. Polls both instances every 2 ms over kept-alive connections. Then times RS256
// rotations, whose key generation dominates. Started by tests/bench/key_rotation.sh.

import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const [first, second] = process.argv.slice(2);
const latchkey = process.env.LK_BENCH_LATCHKEY;
const rounds = Number(process.env.LK_BENCH_ROUNDS ?? 20);
const POLL_MS = 2;
const TIMEOUT_MS = 10_000;

async function lists(url, kid) {
  const response = await fetch(`${url}/.well-known/jwks.json`);
  const jwks = await response.json();
  return jwks.keys.some((key) => key.kid === kid);
}

function rotate(alg) {
  const started = process.hrtime.bigint();
  const result = spawnSync(latchkey, ['keys', 'rotate', '--now', '--alg', alg, '--json'], { encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`keys rotate failed: ${result.stderr}`);
  }
  return { kid: JSON.parse(result.stdout).kid, commandMs: elapsed };
}

async function propagationMs(kid) {
  const started = process.hrtime.bigint();
  const pending = new Set([first, second]);
  while (pending.size > 0) {
    for (const url of [...pending]) {
      if (await lists(url, kid)) {
        pending.delete(url);
      }
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (elapsed > TIMEOUT_MS) {
      throw new Error(`key ${kid} not published within ${TIMEOUT_MS} ms`);
    }
    if (pending.size > 0) {
      await sleep(POLL_MS);
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function summary(name, values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(`${name}: n=${sorted.length} min ${sorted[0].toFixed(1)} ms, median ${at(0.5).toFixed(1)} ms, `
    + `p90 ${at(0.9).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
}

const commands = [];
const propagation = [];
for (let round = 0; round < rounds; round += 1) {
  const { kid, commandMs } = rotate('ES256');
  commands.push(commandMs);
  propagation.push(await propagationMs(kid));
}
summary('keys rotate --now (ES256), command time', commands);
summary('propagation to both instances after the command exits', propagation);

const rsa = [];
for (let round = 0; round < Math.max(3, Math.floor(rounds / 4)); round += 1) {
  rsa.push(rotate('RS256').commandMs);
}
summary('keys rotate --now (RS256, 3072-bit), command time', rsa);
rotate('ES256');
