// Runs graphql-http's GraphQL-over-HTTP server audits against a running server and prints every result.
// Usage: node audit.mjs http://localhost:8080/graphql
// Exits non-zero when any MUST or SHOULD audit fails; a failing MAY is printed as a notice and does not fail.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL (the GraphQL endpoint, e.g. http://localhost:8080/graphql)');
  process.exit(2);
}

const counts = { MUST: { ok: 0, failed: 0 }, SHOULD: { ok: 0, failed: 0 }, MAY: { ok: 0, failed: 0 } };
const results = [];
// One audit at a time: the server under audit is small and the output stays in the audits' order.
for (const { fn } of serverAudits({ url })) {
  results.push(await fn());
}
for (const r of results) {
  const level = r.name.split(' ')[0];
  const passed = r.status === 'ok';
  counts[level][passed ? 'ok' : 'failed']++;
  const mark = passed ? 'ok  ' : { error: 'FAIL', warn: 'WARN', notice: 'note' }[r.status];
  console.log(`${mark} ${r.id} ${r.name}${passed ? '' : ` (${r.reason})`}`);
  if (!passed && level !== 'MAY' && r.response) {
    const body = await r.response.text().catch(() => '');
    console.log(`       status ${r.response.status}, content-type ${r.response.headers.get('content-type')}: ${body.slice(0, 300)}`);
  }
}
for (const [level, c] of Object.entries(counts)) {
  console.log(`${level}: ${c.ok} passed, ${c.failed} failed`);
}
const failed = counts.MUST.failed + counts.SHOULD.failed;
console.log(`${counts.MUST.ok + counts.SHOULD.ok} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
