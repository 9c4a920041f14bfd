// An S3-compatible server on 127.0.0.1 for the download tests and bench/download:
// s3rver, which checks SigV4 signatures against its one account (access key
// S3RVER, secret S3RVER), keeping objects in a folder.
//
//   node s3-server.js DIR PORT [--page-size N] BUCKET...
//
// Prints "listening on 127.0.0.1:PORT" once it accepts connections (PORT 0: any
// free port). --page-size lists at most N keys a page, as S3 may: clients must
// follow the continuation tokens.
'use strict';

const S3rver = require('@20minutes/s3rver');

const args = process.argv.slice(2);
const [directory, port] = args;
let pageSize = 0;
const buckets = [];
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--page-size') pageSize = Number(args[++i]);
  else buckets.push({ name: args[i] });
}
if (!directory || port === undefined || buckets.length === 0) {
  console.error('usage: node s3-server.js DIR PORT [--page-size N] BUCKET...');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: !process.env.S3_SERVER_LOG,
  vhostBuckets: false,
  configureBuckets: buckets,
});
if (pageSize > 0) {
  const list = server.store.listObjects.bind(server.store);
  server.store.listObjects = (bucket, options) => list(bucket, { ...options, maxKeys: Math.min(options.maxKeys, pageSize) });
}
server.run().then(
  (address) => console.log(`listening on 127.0.0.1:${address.port}`),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close().then(() => process.exit(0)));
