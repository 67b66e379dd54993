// Runs node-redis against the server on 127.0.0.1:<port>, once with the
// client's defaults and once with RESP: 3 (HELLO 3), and prints one line
// per check for integration/node_test.go to compare.
'use strict';
const { createClient } = require('redis');

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: node node-redis.js <port>');
  process.exit(2);
}

function withTimeout(p, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out: ' + what)), 10000);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function run(label, options) {
  const url = `redis://127.0.0.1:${port}`;
  const c = createClient({ url, ...options });
  c.on('error', (e) => console.error(label, 'client error', e));
  await c.connect();
  const out = (k, v) => console.log(`${label} ${k} ${JSON.stringify(v)}`);
  const p = `node:${label}:`;

  const info = String(await c.sendCommand(['CLIENT', 'INFO']));
  out('resp', info.match(/ resp=(\d)/)[1]);
  out('set', await c.set(p + 'k', 'v'));
  out('get', await c.get(p + 'k'));
  out('missing', await c.get(p + 'nokey'));
  out('mget', await c.mGet([p + 'k', p + 'nokey']));
  out('incr', await c.incr(p + 'n'));
  out('config', await c.configGet('maxmemory-policy'));
  out('info', String(await c.info('server')).startsWith('# Server\r\n'));

  out('multi', await c.multi().set(p + 'm', '1').incr(p + 'm').get(p + 'm').get(p + 'nokey').exec());

  // A watched key changed by another client: EXEC answers null and
  // node-redis rejects with a WatchError.
  const other = c.duplicate();
  await other.connect();
  await c.watch(p + 'w');
  await other.set(p + 'w', 'changed');
  try {
    await c.multi().get(p + 'w').exec();
    out('watch', 'committed');
  } catch (e) {
    out('watch', e.constructor.name);
  }

  // Pub/sub: a dedicated subscriber, a message published by another client.
  const sub = c.duplicate();
  await sub.connect();
  let deliver;
  const got = new Promise((resolve) => { deliver = resolve; });
  // subscribe() resolves once the server confirmed the subscription.
  await sub.subscribe(p + 'ch', (message, channel) => deliver([channel, message]));
  out('publish', await other.publish(p + 'ch', 'hello'));
  out('message', await withTimeout(got, 'message'));
  if (options.RESP === 3) {
    // RESP3 lets a subscribed connection run any command.
    out('subscribed-get', await sub.get(p + 'k'));
  }
  await sub.unsubscribe(p + 'ch');
  out('after-unsubscribe', String(await sub.ping()));

  await sub.quit();
  await other.quit();
  await c.quit();
}

(async () => {
  await withTimeout(run('default', {}), 'default client');
  await withTimeout(run('resp3', { RESP: 3 }), 'RESP3 client');
  console.log('done');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
