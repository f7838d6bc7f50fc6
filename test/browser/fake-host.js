// In-page fake VS Code host for the chart webview (loaded before dist/webview.js by the harness
// page). Plain JavaScript: it runs in the browser, untouched by any build.
//
// window.harness:
//   start(config)   answer the webview from now on; config = { key, bars, exchanges, instruments,
//                   colors, running, state, savedState, failures: {method: {code, message, data}},
//                   holdHistory: true to keep the first klines.get unanswered (see releaseHistory),
//                   ignoreLimit: true to answer klines.get with every bar (the bench's 5,000) }
//   releaseHistory() answer the held klines.get now (historyPostedAt: performance.now() as it is posted)
//   post(message)   deliver one host → webview message (JSON)
//   setTheme(name)  dark | light | high-contrast: VS Code's body class and --vscode-* variables
//   sent, requests, logs, errors, csp   what the webview did
(() => {
  const THEMES = {
    dark: {
      cls: 'vscode-dark',
      vars: {
        '--vscode-editor-background': '#1e1e1e',
        '--vscode-editor-foreground': '#cccccc',
        '--vscode-panel-border': '#80808059',
        '--vscode-editorInfo-foreground': '#3794ff',
        '--vscode-font-family': 'sans-serif',
        '--vscode-font-size': '13px',
      },
    },
    light: {
      cls: 'vscode-light',
      vars: {
        '--vscode-editor-background': '#ffffff',
        '--vscode-editor-foreground': '#3b3b3b',
        '--vscode-panel-border': '#80808059',
        '--vscode-editorInfo-foreground': '#1a85ff',
        '--vscode-font-family': 'sans-serif',
        '--vscode-font-size': '13px',
      },
    },
    'high-contrast': {
      cls: 'vscode-high-contrast',
      vars: {
        '--vscode-editor-background': '#000000',
        '--vscode-editor-foreground': '#ffffff',
        '--vscode-contrastBorder': '#6fc3df',
        '--vscode-editorInfo-foreground': '#3794ff',
        '--vscode-font-family': 'sans-serif',
        '--vscode-font-size': '13px',
      },
    },
  };

  const h = {
    config: null,
    queue: [],
    sent: [],
    requests: [],
    logs: [],
    errors: [],
    csp: [],
    state: undefined,
    heldHistory: null,
  };

  h.post = (message) => window.postMessage(message, '*');

  h.setTheme = (name) => {
    const t = THEMES[name];
    const root = document.documentElement.style;
    for (const n of Array.from(root)) if (n.startsWith('--vscode-')) root.removeProperty(n);
    for (const [k, v] of Object.entries(t.vars)) root.setProperty(k, v);
    document.body.className = t.cls;
  };

  h.start = (config) => {
    h.config = config;
    if (config.savedState !== undefined) h.state = config.savedState;
    for (const m of h.queue.splice(0)) handle(m);
  };

  h.releaseHistory = () => {
    const m = h.heldHistory;
    h.heldHistory = null;
    h.releasing = m;
    if (m) respond(m);
  };

  function respond(m) {
    const c = h.config;
    const fail = c.failures && c.failures[m.method];
    if (fail) return h.post({ type: 'response', id: m.id, error: fail });
    let result;
    switch (m.method) {
      case 'exchanges.list':
        result = c.exchanges || [];
        break;
      case 'instruments.list':
        result = (c.instruments || []).filter((i) => i.exchange === m.params.exchange && i.market === m.params.market);
        break;
      case 'subscribe':
        result = { key: c.key, state: 'active' };
        break;
      case 'unsubscribe':
        result = { ok: true };
        break;
      case 'klines.get': {
        const p = m.params;
        let bars = c.bars || [];
        if (p.startTime !== undefined) bars = bars.filter((b) => b.openTime >= p.startTime);
        if (p.endTime !== undefined) bars = bars.filter((b) => b.openTime <= p.endTime);
        if (!c.ignoreLimit) bars = bars.slice(-(p.limit || 500));
        if (p.format === 'columns') {
          const cols = { openTime: [], closeTime: [], open: [], high: [], low: [], close: [], volume: [], quoteVolume: [], trades: [], closed: [] };
          for (const b of bars) for (const k of Object.keys(cols)) cols[k].push(k === 'trades' ? (b.trades === undefined ? null : b.trades) : b[k]);
          result = { key: c.key, source: 'cache', columns: cols };
        } else {
          result = { key: c.key, source: 'cache', klines: bars };
        }
        break;
      }
      default:
        return h.post({ type: 'response', id: m.id, error: { code: -32601, message: 'no such method in the harness' } });
    }
    if (m === h.releasing) h.historyPostedAt = performance.now();
    h.post({ type: 'response', id: m.id, result });
  }

  function handle(m) {
    if (!h.config) {
      h.queue.push(m);
      return;
    }
    const c = h.config;
    if (m.type === 'ready') {
      h.post({
        type: 'init',
        state: c.state === undefined ? null : c.state,
        colors: c.colors || { upColor: '#26a69a', downColor: '#ef5350' },
        sidecarRunning: c.running === undefined ? true : c.running,
      });
    } else if (m.type === 'request') {
      h.requests.push(m);
      if (m.method === 'klines.get' && c.holdHistory && !h.heldHistory && m.params.endTime === undefined) {
        h.heldHistory = m;
        return;
      }
      setTimeout(() => respond(m), 0);
    } else if (m.type === 'log') {
      h.logs.push(m);
    }
  }

  window.acquireVsCodeApi = () => ({
    postMessage: (m) => {
      h.sent.push(m);
      handle(m);
    },
    getState: () => h.state,
    setState: (s) => {
      h.state = s;
    },
  });

  window.addEventListener('error', (e) => h.errors.push(String(e.message)));
  document.addEventListener('securitypolicyviolation', (e) => h.csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  h.setTheme('dark');
  window.harness = h;
})();
