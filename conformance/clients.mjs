// Real client libraries against a running server, the way single-page apps meet it: Apollo Client 3 (its
// normalised cache and its persisted-query link over GET) and urql. Each check prints ok or FAIL; any FAIL exits 1.
//
//	node clients.mjs http://localhost:8080/graphql
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { Client, fetchExchange } from "@urql/core";

const url = process.argv[2];
if (!url) {
  console.error("usage: node clients.mjs URL");
  process.exit(2);
}

let failed = 0;
function check(name, ok, detail) {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || detail === undefined ? "" : ": " + JSON.stringify(detail)}`);
  if (!ok) failed++;
}

// exchanges records every HTTP exchange a client makes, so that the checks can read methods and headers.
const exchanges = [];
async function recordingFetch(input, init) {
  const res = await fetch(input, init);
  exchanges.push({ method: init?.method ?? "GET", url: String(input), status: res.status, cacheControl: res.headers.get("cache-control") });
  return res;
}

function apollo(link) {
  return new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { errorPolicy: "all", fetchPolicy: "network-only" } } });
}

const codes = (errors) => (errors ?? []).map((e) => e.extensions?.code);

// Apollo Client: data, then request errors as GraphQL errors (not network errors), then the normalised cache.
{
  const client = apollo(new HttpLink({ uri: url, fetch: recordingFetch }));
  const ok = await client.query({ query: gql`{ coalition(slug: "ireland") { id name country { code } } }` });
  check("apollo: a query answers data", ok.data?.coalition?.country?.code === "IE", ok);
  const start = ok.data?.coalition?.id;

  for (const [name, query, code] of [
    ["a validation error", gql`{ coalitions { nope } }`, "GRAPHQL_VALIDATION_FAILED"],
    ["a limit error", gql`{ coalitions(first: 100) { nodes { members(first: 100) { nodes { coalitions(first: 100) { nodes { members(first: 100) { nodes { name } } } } } } } } }`, "QUERY_TOO_COMPLEX"],
  ]) {
    try {
      const r = await client.query({ query });
      check(`apollo: ${name} is a GraphQL error with its code, not a network error`, codes(r.errors).includes(code) && !r.error?.networkError, r.errors ?? r.error);
    } catch (e) {
      check(`apollo: ${name} is a GraphQL error with its code, not a network error`, codes(e.graphQLErrors).includes(code) && !e.networkError, { graphQLErrors: e.graphQLErrors, networkError: String(e.networkError) });
    }
  }
  try {
    const r = await client.query({ query: gql`query($n: Int) { coalitions(first: $n) { totalCount } }`, variables: { n: "5" } });
    check("apollo: a string for an Int variable is BAD_USER_INPUT", codes(r.errors).includes("BAD_USER_INPUT"), r.errors);
  } catch (e) {
    check("apollo: a string for an Int variable is BAD_USER_INPUT", codes(e.graphQLErrors).includes("BAD_USER_INPUT") && !e.networkError, String(e));
  }

  // Two traversals from the same start at different depths: each keeps its own depths in the normalised cache.
  const one = gql`query($id: ID!) { neighbors(id: $id, depth: 1) { nodes { depth node { ... on Node { id } } } } }`;
  const two = gql`query($id: ID!) { neighbors(id: $id, depth: 2) { nodes { depth node { ... on Node { id } } } } }`;
  const cached = apollo(new HttpLink({ uri: url, fetch: recordingFetch }));
  const a = await cached.query({ query: one, variables: { id: start }, fetchPolicy: "cache-first" });
  await cached.query({ query: two, variables: { id: start }, fetchPolicy: "cache-first" });
  const again = cached.readQuery({ query: one, variables: { id: start } });
  const depths = (r) => JSON.stringify(r?.neighbors?.nodes?.map((n) => n.depth));
  check("apollo: a second traversal leaves the first one's depths in the cache", a.data && depths(again) === depths(a.data), { before: depths(a.data), after: depths(again) });
}

// Apollo's automatic persisted queries over GET: the miss is not cached, the query registers, a hit is cacheable.
{
  const sha256 = (s) => createHash("sha256").update(s).digest("hex");
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(new HttpLink({ uri: url, fetch: recordingFetch }));
  const query = gql`query PersistedProbe { countries(first: 3) { nodes { code } } }`;
  exchanges.length = 0;
  const first = await apollo(link).query({ query });
  check("apollo persisted: the first query answers data", first.data?.countries?.nodes?.length === 3, first);
  const miss = exchanges[0];
  check("apollo persisted: the miss is a GET that no cache keeps", miss?.method === "GET" && miss?.cacheControl === "no-store", exchanges);
  exchanges.length = 0;
  const second = await apollo(link).query({ query });
  const hit = exchanges[0];
  check("apollo persisted: a new client's hashed GET is a hit that caches may keep", second.data?.countries?.nodes?.length === 3 && exchanges.length === 1 && hit.method === "GET" && /max-age/.test(hit.cacheControl ?? ""), exchanges);
}

// urql: data, and a request error as a GraphQL error.
{
  const client = new Client({ url, exchanges: [fetchExchange], fetch: recordingFetch, requestPolicy: "network-only" });
  const ok = await client.query(`{ countries(first: 2) { totalCount nodes { code } } }`, {}).toPromise();
  check("urql: a query answers data", ok.data?.countries?.nodes?.length === 2 && !ok.error, ok.error);
  const bad = await client.query(`{ countries { nope } }`, {}).toPromise();
  check("urql: a validation error is a GraphQL error with its code, not a network error",
    codes(bad.error?.graphQLErrors).includes("GRAPHQL_VALIDATION_FAILED") && !bad.error?.networkError, bad.error);
  const deep = await client.query(`query($f: CoalitionFilter) { coalitions(filter: $f) { totalCount } }`, { f: { not: { not: { not: { not: { not: { not: { not: { not: { not: { not: { not: {} } } } } } } } } } } } }).toPromise();
  check("urql: a filter nested too deep is INPUT_TOO_DEEP", codes(deep.error?.graphQLErrors).includes("INPUT_TOO_DEEP") && !deep.error?.networkError, deep.error);
}

console.log(failed === 0 ? "all client checks passed" : `${failed} client checks failed`);
process.exit(failed === 0 ? 0 : 1);
