// The ai-trader dashboard: one page, no build step, no third-party code.
// Data comes from GET /dashboard/state (viewer token) and the /ws/market websocket; every
// control posts to the same API the CLI uses, with an operator token typed for that action.
// Text from the API is only ever set with textContent, never parsed as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "ai-trader-token";
  const POLL_MS = 5000;
  const MAX_LIVE_POINTS = 2000;
  const $ = (id) => document.getElementById(id);

  let token = null;
  let curve = [];          // [{t: ms, equity, drawdown}]
  let peak = 0;            // running peak that continues the server's drawdown
  let socket = null;
  let retryMs = 1000;
  let refreshTimer = null;
  let pollTimer = null;
  let drawPending = false;
  let pendingAction = null;
  let barSeconds = null;

  // -- formatting --------------------------------------------------------------------------

  const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const pct = (x, digits = 2) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(digits)} %`);
  const num = (x) => (x === null || x === undefined ? "–" : money.format(Number(x)));
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "–");
  const dateTime = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
  const signed = (x) => (x > 0 ? "good" : x < 0 ? "bad" : "");

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function table(id, headers, rows, empty) {
    const head = el("tr", {}, headers.map((h) => el("th", { text: h.label, class: h.num ? "num" : "" })));
    const body = rows.length
      ? rows.map((cells) => el("tr", {}, cells.map((cell, i) => {
          if (cell instanceof Node) return el("td", {}, [cell]);
          return el("td", { text: cell, class: headers[i].num ? "num" : "" });
        })))
      : [el("tr", {}, [el("td", { text: empty, class: "empty", colspan: String(headers.length) })])];
    $(id).replaceChildren(el("thead", {}, [head]), el("tbody", {}, body));
  }

  function toast(message) {
    const box = $("toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
  }

  // -- API -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, { method = "GET", body, auth = token } = {}) {
    const headers = { Authorization: `Bearer ${auth}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const answer = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!answer.ok) {
      let detail = `${answer.status} ${answer.statusText}`;
      try { detail = (await answer.json()).detail || detail; } catch (_) { /* not JSON */ }
      throw new ApiError(answer.status, detail);
    }
    return answer;
  }

  // -- sign-in -------------------------------------------------------------------------------

  function tokenFromLink() {
    const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
    if (!match) return null;
    history.replaceState(null, "", location.pathname + location.search);  // keep it out of history
    return decodeURIComponent(match[1]);
  }

  function showSignin(message = "") {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (socket) socket.close();
    clearInterval(pollTimer);
    $("board").hidden = true;
    $("controls").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message;
    $("signin-token").focus();
  }

  async function signIn(candidate) {
    token = candidate;
    try {
      await refresh();
    } catch (error) {
      showSignin(error instanceof ApiError ? error.message : `cannot reach the service: ${error.message}`);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, candidate);
    $("signin").hidden = true;
    $("board").hidden = false;
    $("controls").hidden = false;
    connect();
    clearInterval(pollTimer);
    pollTimer = setInterval(() => { if (!document.hidden) refresh().catch(onRefreshError); }, POLL_MS);
  }

  // -- state ---------------------------------------------------------------------------------

  async function refresh() {
    const state = await (await api("/dashboard/state")).json();
    render(state);
  }

  function onRefreshError(error) {
    if (error instanceof ApiError && error.status === 401) showSignin("the token is no longer valid");
    else setConnection("retry", `refresh failed: ${error.message}`);
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh().catch(onRefreshError), 250);
  }

  function render(state) {
    barSeconds = state.bar_seconds;
    renderMode(state.mode);
    renderCards(state);
    curve = state.equity_curve.map((p) => ({ t: Date.parse(p.ts), equity: p.equity, drawdown: p.drawdown }));
    const last = curve[curve.length - 1];
    peak = last ? (last.drawdown < 1 ? last.equity / (1 - last.drawdown) : last.equity) : 0;
    drawCharts();
    renderPositions(state.portfolio.positions);
    renderOrders(state.portfolio.open_orders);
    renderFills(state.recent_fills);
    renderSlos(state.slo);
    renderIncidents(state.incidents);
    renderSignals(state.signals);
    renderNews(state.news);
    renderReport(state.latest_backtest_report);
    $("updated").textContent = `run ${state.run_id} · updated ${time(state.generated_at)}`;
  }

  function renderMode(mode) {
    const badge = $("mode");
    badge.textContent = mode.mode;
    badge.dataset.mode = mode.halted ? "halt" : mode.mode;
    const halt = $("halt-reason");
    halt.hidden = !mode.halted;
    halt.textContent = mode.halted
      ? `halted: ${mode.halt_reason || "no reason given"}${mode.trading_halted_until ? ` (until ${dateTime(mode.trading_halted_until)})` : ""}`
      : "";
  }

  function renderCards(state) {
    const p = state.portfolio;
    const perf = state.performance;
    $("equity").textContent = num(p.equity);
    $("equity-sub").textContent = `cash ${num(p.cash)} · fees ${num(p.fees_paid)}`;
    $("daily-pnl").textContent = num(perf.daily_pnl);
    $("daily-pnl").className = `big ${signed(perf.daily_pnl)}`;
    $("total-return").textContent = `total return ${pct(perf.total_return)} · ${perf.closed_trades} trades`;
    $("drawdown").textContent = pct(perf.drawdown);
    $("max-drawdown").textContent = `max ${pct(perf.max_drawdown)} · peak ${num(perf.peak_equity)}`;
    const t = state.trading;
    $("strategy").textContent = t.strategy;
    $("trading-sub").textContent = `${t.symbols.join(", ")} · ${t.exec_mode}${t.dry_run ? " (dry run)" : ""}`;
  }

  function renderPositions(positions) {
    table("positions", [
      { label: "Symbol" }, { label: "Qty", num: true }, { label: "Avg price", num: true },
      { label: "Mark", num: true }, { label: "Unrealized", num: true },
    ], positions.map((p) => [p.symbol, p.quantity, num(p.average_price), num(p.mark_price), num(p.unrealized_pnl)]),
    "flat: no open positions");
  }

  function renderOrders(orders) {
    table("orders", [
      { label: "Symbol" }, { label: "Side" }, { label: "Type" }, { label: "Qty", num: true },
      { label: "Filled", num: true }, { label: "Price", num: true }, { label: "Status" },
    ], orders.map((o) => [o.symbol, o.side, o.order_type, o.quantity, o.filled, o.price === null ? "market" : num(o.price), o.status]),
    "no working orders");
  }

  function renderFills(fills) {
    table("fills", [
      { label: "Time" }, { label: "Symbol" }, { label: "Side" }, { label: "Qty", num: true },
      { label: "Price", num: true }, { label: "Fee", num: true },
    ], fills.map((f) => [time(f.ts), f.symbol, f.side, f.quantity, num(f.price), num(f.fee)]),
    "no fills yet");
  }

  function renderSlos(slo) {
    const tier = $("slo-tier");
    tier.textContent = `tier ${slo.tier}`;
    tier.dataset.tier = slo.tier;
    const rows = Object.entries(slo.slos).map(([name, s]) => [
      name.replaceAll("_", " "),
      pct(s.target, 1),
      s.actual === null ? "no data" : pct(s.actual, 1),
      el("span", { text: s.met ? "met" : "MISSED", class: s.met ? "good" : "bad" }),
      String(s.samples),
    ]);
    table("slos", [
      { label: "SLO" }, { label: "Target", num: true }, { label: "Actual", num: true },
      { label: "Status" }, { label: "Samples", num: true },
    ], rows, "no SLOs");
  }

  function renderIncidents(incidents) {
    const items = incidents.map((i) => el("li", {}, [
      el("span", { text: i.severity.toUpperCase(), class: `severity-${i.severity}` }),
      " ",
      el("strong", { text: i.title }),
      el("div", { class: "meta", text: `${i.incident_id} · opened ${dateTime(i.opened_at)}${i.acked_at ? ` · acked by ${i.acked_by}` : " · not acknowledged"}` }),
    ]));
    $("incidents").replaceChildren(...(items.length ? items : [el("li", { class: "meta", text: "none open" })]));
  }

  function renderSignals(signals) {
    table("signals", [
      { label: "Time" }, { label: "Strategy" }, { label: "Symbol" }, { label: "Action" },
      { label: "Confidence", num: true }, { label: "Contributions" }, { label: "Reason" },
    ], signals.map((s) => [
      time(s.ts), s.strategy, s.symbol, s.action, pct(s.confidence, 0),
      el("span", {}, s.contributions.map((c) => el("span", { title: `${c.member}: ${c.contribution.toFixed(2)}` }, [
        barOf(c.contribution),
        ` ${c.member} ${c.contribution >= 0 ? "+" : ""}${c.contribution.toFixed(2)} `,
      ]))),
      s.reason,
    ]), "no signals yet");
  }

  function barOf(value) {
    const bar = el("span", { class: `bar${value < 0 ? " neg" : ""}` });
    bar.style.width = `${Math.max(2, Math.abs(value) * 60)}px`;  // CSSOM: allowed by the CSP
    return bar;
  }

  function renderNews(news) {
    const items = news.map((n) => el("li", {}, [
      n.url ? el("a", { href: n.url, text: n.title, rel: "noopener noreferrer", target: "_blank" }) : el("span", { text: n.title }),
      el("div", { class: "meta", text: [n.source, n.published_at && dateTime(n.published_at), n.sentiment !== null && n.sentiment !== undefined ? `sentiment ${n.sentiment.toFixed(2)}` : null].filter(Boolean).join(" · ") }),
    ]));
    $("news").replaceChildren(...(items.length ? items : [el("li", { class: "meta", text: "no news ingested yet" })]));
  }

  function renderReport(report) {
    $("report-download").hidden = !report;
    $("report-status").textContent = report
      ? `latest generated ${dateTime(report.generated_at)}`
      : "none yet: run ai-trader backtest --report, or POST /paper/backtest with report=true";
  }

  async function downloadReport() {
    try {
      const blob = await (await api("/reports/backtest/latest")).blob();
      const link = el("a", { href: URL.createObjectURL(blob), download: "backtest-report.html" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      toast(`report: ${error.message}`);
    }
  }

  // -- charts (SVG, drawn from the curve) -----------------------------------------------------

  function drawCharts() {
    drawPending = false;
    drawLine($("equity-chart"), curve.map((p) => [p.t, p.equity]), 220, false);
    drawLine($("drawdown-chart"), curve.map((p) => [p.t, -p.drawdown]), 110, true);
    $("equity-chart").dataset.points = String(curve.length);
    if (curve.length) {
      $("chart-range").textContent = `${dateTime(new Date(curve[0].t).toISOString())} → ${dateTime(new Date(curve[curve.length - 1].t).toISOString())} · ${curve.length} points`;
    }
  }

  function drawLine(svg, points, fallbackHeight, area) {
    // Drawn in the element's own pixels, so text and strokes are never stretched.
    const width = Math.max(100, Math.round(svg.clientWidth || 800));
    const height = Math.max(50, Math.round(svg.clientHeight || fallbackHeight));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const pad = { left: 4, right: 4, top: 16, bottom: 4 };
    if (points.length < 2) {
      const every = barSeconds ? ` (one every ${barSeconds >= 1 ? Math.round(barSeconds) : barSeconds} s)` : "";
      svg.replaceChildren(svgEl("text", { x: 10, y: 20 }, `waiting for bars${every}…`));
      return;
    }
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const x0 = xs[0], x1 = xs[xs.length - 1] === x0 ? x0 + 1 : xs[xs.length - 1];
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (area) y1 = 0;
    if (y1 === y0) { y1 += Math.abs(y1) * 0.001 || 1; y0 -= Math.abs(y0) * 0.001 || 0; }
    const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
    const sy = (y) => pad.top + ((y1 - y) / (y1 - y0)) * (height - pad.top - pad.bottom);
    let d = points.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
    if (area) d += `L${sx(x1).toFixed(1)},${sy(0).toFixed(1)}L${sx(x0).toFixed(1)},${sy(0).toFixed(1)}Z`;
    const label = area ? `${(y0 * 100).toFixed(2)} %` : `${money.format(y0)} – ${money.format(y1)}`;
    svg.replaceChildren(
      svgEl("line", { class: "grid", x1: 0, x2: width, y1: sy(area ? 0 : y1), y2: sy(area ? 0 : y1) }),
      svgEl("line", { class: "grid", x1: 0, x2: width, y1: sy(y0), y2: sy(y0) }),
      svgEl("path", { class: area ? "area" : "line", d }),
      svgEl("text", { x: 8, y: 12 }, label),
    );
  }

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addEquityPoint(message) {
    const t = Date.parse(message.ts);
    if (curve.length && t <= curve[curve.length - 1].t) return;
    peak = Math.max(peak, message.equity);
    curve.push({ t, equity: message.equity, drawdown: peak > 0 ? 1 - message.equity / peak : 0 });
    if (curve.length > MAX_LIVE_POINTS) curve = curve.filter((_, i) => i % 2 === 0 || i === curve.length - 1);
    $("equity").textContent = num(message.equity);
    if (!drawPending) { drawPending = true; requestAnimationFrame(drawCharts); }
  }

  // -- websocket -----------------------------------------------------------------------------

  function setConnection(state, text) {
    $("connection").dataset.state = state;
    $("connection-text").textContent = text;
  }

  function connect() {
    if (!token) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/market?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => { retryMs = 1000; setConnection("live", "live"); };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "equity") addEquityPoint(message);
      else if (message.type === "mode") { renderMode({ mode: message.mode, halted: message.halted, halt_reason: message.halt_reason }); scheduleRefresh(); }
      else if (message.type === "fill" || message.type === "incident") scheduleRefresh();
    };
    ws.onclose = (event) => {
      if (socket !== ws || !token) { setConnection("off", "offline"); return; }
      if (event.code === 4401) { showSignin("the token is no longer valid"); return; }
      setConnection("retry", `reconnecting in ${Math.round(retryMs / 1000)} s`);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }

  // -- operator controls: ask for the token, confirm, then act -------------------------------

  const ACTIONS = {
    mode: {
      title: "Change trading mode",
      text: "The mode changes at once for every strategy; the change is audited with your token's name.",
      submit: "Change mode",
      run: (auth, reason) => api("/mode", { method: "POST", auth, body: { mode: $("confirm-mode").value, reason } }),
      done: async (answer) => `mode is now ${(await answer.json()).mode}`,
    },
    halt: {
      title: "Halt trading (kill switch)",
      text: "No new entries until the mode is changed back; open positions and their exits stay.",
      submit: "Halt trading",
      run: (auth, reason) => api("/mode", { method: "POST", auth, body: { mode: "halt", reason } }),
      done: async () => "trading halted",
    },
    closeAll: {
      title: "Close all positions",
      text: "Cancels working orders and sends market orders that flatten every position.",
      submit: "Close all positions",
      run: (auth, reason) => api("/trading/close_all", { method: "POST", auth, body: { reason } }),
      done: async (answer) => `close all: ${(await answer.json()).orders.length} closing orders sent`,
    },
  };

  function openAction(name) {
    const action = ACTIONS[name];
    pendingAction = action;
    $("confirm-title").textContent = action.title;
    $("confirm-text").textContent = action.text;
    $("confirm-mode-row").hidden = name !== "mode";
    $("confirm-submit").textContent = action.submit;
    $("confirm-error").textContent = "";
    $("confirm-reason").value = "";
    $("confirm-token").value = "";
    $("confirm").showModal();
    $("confirm-reason").focus();
  }

  async function confirmAction(event) {
    event.preventDefault();
    const action = pendingAction;
    const reason = $("confirm-reason").value.trim();
    const auth = $("confirm-token").value.trim();
    if (!reason || !auth) { $("confirm-error").textContent = "a reason and an operator token are required"; return; }
    $("confirm-submit").disabled = true;
    try {
      const answer = await action.run(auth, reason);
      $("confirm").close();
      toast(await action.done(answer));
      await refresh();
    } catch (error) {
      $("confirm-error").textContent = error.message;
    } finally {
      $("confirm-submit").disabled = false;
      $("confirm-token").value = "";
    }
  }

  // -- start ---------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    $("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      signIn($("signin-token").value.trim());
    });
    $("sign-out").addEventListener("click", () => showSignin("signed out"));
    $("open-mode").addEventListener("click", () => openAction("mode"));
    $("open-halt").addEventListener("click", () => openAction("halt"));
    $("open-close-all").addEventListener("click", () => openAction("closeAll"));
    $("confirm-form").addEventListener("submit", confirmAction);
    $("confirm-cancel").addEventListener("click", () => $("confirm").close());
    $("report-download").addEventListener("click", downloadReport);
    window.addEventListener("resize", () => { if (!drawPending) { drawPending = true; requestAnimationFrame(drawCharts); } });
    document.addEventListener("visibilitychange", () => { if (!document.hidden && token) scheduleRefresh(); });
    const candidate = tokenFromLink() || sessionStorage.getItem(TOKEN_KEY);
    if (candidate) signIn(candidate);
    else showSignin();
  });
})();
