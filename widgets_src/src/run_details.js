// RunDetails front end (anywidget ESM). Draws what the kernel syncs; sends "cancel" and "tensorboard"
// messages back. Charts are uPlot, bundled into the built file (widgets_src/build.mjs), so nothing is
// fetched from a CDN.

import { duration } from "../../labextension/src/shared/format";
import { isFinal, toneClass } from "../../labextension/src/shared/status";
import { metricChart, shown } from "./chart.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function table(columns) {
  const names = Object.keys(columns);
  const rows = Math.max(0, ...names.map((n) => columns[n].length));
  const head = el("tr", {}, ...names.map((n) => el("th", {}, n)));
  const body = [];
  for (let i = 0; i < rows; i++) body.push(el("tr", {}, ...names.map((n) => el("td", {}, columns[n][i] ?? ""))));
  return el("table", { class: "jest-table" }, el("thead", {}, head), el("tbody", {}, ...body));
}

function render({ model, el: root }) {
  root.classList.add("jest-run-details");
  const header = el("div", { class: "jest-header" });
  const meta = el("div", { class: "jest-meta" });
  const charts = el("div", { class: "jest-charts" });
  const logSelect = el("select", { class: "jest-log-select", onchange: (e) => { model.set("log_file", e.target.value); model.save_changes(); } });
  const log = el("pre", { class: "jest-log" });
  const children = el("div", { class: "jest-children" });
  const files = el("div", { class: "jest-files" });
  const message = el("div", { class: "jest-message" });
  const cancel = el("button", { class: "jest-cancel", onclick: () => model.send({ type: "cancel" }) }, "Cancel");
  const tensorboard = el("button", { class: "jest-tensorboard", onclick: () => model.send({ type: "tensorboard" }) }, "TensorBoard");
  root.append(header, meta, el("div", { class: "jest-section" }, "Metrics"), charts,
              el("div", { class: "jest-section" }, "Log ", logSelect), log,
              el("div", { class: "jest-section" }, "Child runs"), children,
              el("div", { class: "jest-section" }, "Files"), files, message);

  const drawHeader = () => {
    const status = model.get("status");
    header.replaceChildren(
      el("span", { class: `jest-status jest-status-${status} ${toneClass(status)}` }, status || "…"),
      el("span", { class: "jest-id" }, ` ${model.get("experiment")} / ${model.get("run_id")} `),
      el("span", { class: "jest-duration" }, duration(model.get("start_time"), model.get("end_time"))),
      cancel, tensorboard);
    cancel.disabled = isFinal(status);
    const error = model.get("error");
    if (error) header.append(el("div", { class: "jest-error" }, error));
  };
  const drawMeta = () => {
    const pairs = [["target", model.get("target")], ...Object.entries(model.get("tags")).map(([k, v]) => [`tag ${k}`, v]),
                   ...Object.entries(model.get("properties")).filter(([k]) => !k.startsWith("_")).map(([k, v]) => [k, v])];
    meta.replaceChildren(el("table", { class: "jest-table" }, ...pairs.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, v ?? "")))));
  };
  const plots = new Map();  // metric name -> chart handle, redrawn in place as points arrive
  const drawCharts = () => {
    const metrics = model.get("metrics"), images = model.get("images");
    const boxes = Object.entries(metrics).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, series]) => {
      const showLast = series.last !== undefined && series.last !== null && series.kind !== "table"
        && series.kind !== "image" && !(series.kind === "line" && (series.count ?? 0) <= 1);
      const title = showLast ? `${name} = ${shown(series.last)}` : name;
      const box = el("div", { class: "jest-metric" }, el("div", { class: "jest-metric-name" }, title));
      if (series.kind === "line") {
        let chart = plots.get(name);
        if (chart && !chart.update(series)) { chart.destroy(); chart = null; }
        if (!chart) { chart = metricChart(name, series); plots.set(name, chart); }
        box.append(chart.node);
      } else {
        if (plots.has(name)) { plots.get(name).destroy(); plots.delete(name); }
        if (series.kind === "table") box.append(table(series.columns));
        else if (series.kind === "image" && images[name]) box.append(el("img", { src: images[name], class: "jest-image" }));
      }
      return box;
    });
    charts.replaceChildren(...boxes);
  };
  const drawLog = () => {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = model.get("log_tail");
    if (atBottom) log.scrollTop = log.scrollHeight;
    const current = model.get("log_file");
    logSelect.replaceChildren(...(model.get("log_files").length ? model.get("log_files") : [current]).map(
      (path) => { const o = el("option", { value: path }, path); o.selected = path === current; return o; }));
  };
  const drawChildren = () => {
    const rows = model.get("children");
    children.replaceChildren(rows.length ? table({ id: rows.map((r) => r.name), status: rows.map((r) => r.status),
      duration: rows.map((r) => duration(r.start_time, r.end_time)) }) : el("span", { class: "jest-none" }, "none"));
  };
  const drawFiles = () => {
    const base = model.get("file_base_url");
    files.replaceChildren(...model.get("files").map((f) => el("div", {},
      base ? el("a", { href: base + f.path.split("/").map(encodeURIComponent).join("/"), target: "_blank", download: "" }, f.path) : f.path,
      ` (${f.size} B)`)));
  };
  const drawMessage = () => {
    message.replaceChildren(model.get("message"));
    const url = model.get("tensorboard_url");
    if (url) message.append(" ", el("a", { href: url, target: "_blank" }, "Open TensorBoard"));
  };

  drawHeader(); drawMeta(); drawCharts(); drawLog(); drawChildren(); drawFiles(); drawMessage();
  const handlers = [
    ["change:status change:start_time change:end_time change:error", drawHeader],
    ["change:tags change:properties change:target", drawMeta],
    ["change:metrics change:images", drawCharts],
    ["change:log_tail change:log_files change:log_file", drawLog],
    ["change:children", drawChildren],
    ["change:files change:file_base_url", drawFiles],
    ["change:message change:tensorboard_url", drawMessage],
  ];
  for (const [events, handler] of handlers) model.on(events, handler);
  const ticker = setInterval(() => { if (!isFinal(model.get("status"))) drawHeader(); }, 1000);
  return () => {
    clearInterval(ticker);
    for (const [events, handler] of handlers) model.off(events, handler);
    for (const chart of plots.values()) chart.destroy();
  };
}

export default { render };
