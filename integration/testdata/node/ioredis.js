// Runs ioredis against the server on 127.0.0.1:<port> and prints one line
// per check for integration/node_test.go to compare.
'use strict';
const Redis = require('ioredis');

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: node ioredis.js <port>');
  process.exit(2);
}

function withTimeout(p, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out: ' + what)), 10000);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function main() {
  const opts = { host: '127.0.0.1', port, maxRetriesPerRequest: 1, lazyConnect: true };
  const c = new Redis(opts);
  c.on('error', (e) => console.error('client error', e));
  await c.connect();
  const out = (k, v) => console.log(`ioredis ${k} ${JSON.stringify(v)}`);
  const p = 'ioredis:';

  const info = await c.client('INFO');
  out('resp', info.match(/ resp=(\d)/)[1]);
  out('set', await c.set(p + 'k', 'v'));
  out('get', await c.get(p + 'k'));
  out('missing', await c.get(p + 'nokey'));
  out('mget', await c.mget(p + 'k', p + 'nokey'));
  out('config', await c.config('GET', 'maxmemory-policy'));
  out('multi', await c.multi().set(p + 'm', '1').incr(p + 'm').get(p + 'm').exec());

  const other = new Redis(opts);
  await other.connect();
  await c.watch(p + 'w');
  await other.set(p + 'w', 'changed');
  out('watch', await c.multi().get(p + 'w').exec());

  const sub = new Redis(opts);
  await sub.connect();
  const got = new Promise((resolve) => sub.on('message', (ch, msg) => resolve([ch, msg])));
  out('subscribe', await sub.subscribe(p + 'ch'));
  out('publish', await other.publish(p + 'ch', 'hello'));
  out('message', await withTimeout(got, 'message'));
  out('unsubscribe', await sub.unsubscribe(p + 'ch'));

  sub.disconnect();
  other.disconnect();
  await c.quit();
  console.log('done');
}

withTimeout(main(), 'ioredis checks').catch((e) => {
  console.error(e);
  process.exit(1);
});
