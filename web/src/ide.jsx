// The GraphQL IDE: GraphiQL with the service's example queries as tabs (each with its variables and headers) and
// the docs pane open. The page (internal/ide) gives the endpoint and the examples' URL as data attributes of
// #graphiql; nothing is fetched from anywhere but this origin.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { setNonce } from 'get-nonce';
import 'graphiql/graphiql.css';
import './ide.css';

const root = document.getElementById('graphiql');
const { endpoint, examples } = root.dataset;

// The dialogs' scroll lock (react-remove-scroll) adds a <style> element; the page's Content-Security-Policy allows
// it only with the per-request nonce that the page puts on its stylesheet link.
const nonce = document.querySelector('link[rel="stylesheet"][nonce]')?.nonce;
if (nonce) setNonce(nonce);

async function fetcher(params, opts) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...opts?.headers },
    body: JSON.stringify(params),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${res.status} ${res.statusText}: ${text.slice(0, 200)}`);
  }
}

async function loadTabs() {
  try {
    const res = await fetch(examples, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    // A tab's headers (the editing example's API key and Stage) go with every request GraphiQL sends from it.
    return (await res.json()).map(({ query, variables, headers }) => ({ query, variables, headers }));
  } catch (err) {
    console.warn('example queries not loaded:', err);
    return undefined;
  }
}

// GraphiQL 3 opens the first tab with its query but without its variables unless they come as a prop too. Passing
// them only when no tabs are stored keeps GraphiQL from adding a tab for them when it restores a user's tabs.
function storesTabs() {
  try {
    return localStorage.getItem('graphiql:tabState') !== null;
  } catch {
    return false;
  }
}

loadTabs().then((defaultTabs) => {
  createRoot(root).render(
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={defaultTabs}
      variables={storesTabs() ? undefined : defaultTabs?.[0]?.variables}
      defaultEditorToolsVisibility="variables"
      visiblePlugin="Documentation Explorer"
    />,
  );
});
