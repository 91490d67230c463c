// Metric charts for RunDetails, drawn with uPlot: a step axis, gridlines, rounded values, a tooltip with the
// step and the value under the cursor. Values that are not finite numbers (NaN and ±inf arrive as null or as
// strings such as "nan") are gaps in the line, never errors. A metric with one value is shown as a number.

import uPlot from "uplot";

const WIDTH = 320;
const HEIGHT = 170;
const STEP_INCREMENTS = [];
for (let power = 0; power <= 12; power++) for (const base of [1, 2, 5]) STEP_INCREMENTS.push(base * 10 ** power);

/** A finite number, or null for anything else (null, undefined, NaN, ±Infinity, "nan", "inf", "abc"). */
export function finite(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  }
  return null;
}

/** A value rounded for reading: four significant digits, exponent form only for very large or small values. */
export function rounded(value) {
  const number = finite(value);
  if (number === null) return value === null || value === undefined ? "–" : String(value);
  if (number === 0) return "0";
  const size = Math.abs(number);
  if (size >= 1e6 || size < 1e-4) return number.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(number.toPrecision(4)));
}

function stepText(value) {
  return Number.isInteger(value) ? String(value) : rounded(value);
}

/** [xs, ys] sorted by step, with points whose step is unusable dropped and unusable values made null (gaps). */
export function points(series) {
  const pairs = [];
  const xs = series.x || [], ys = series.y || [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const step = finite(xs[i]);
    if (step !== null) pairs.push([step, finite(ys[i])]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
}

function themeColor(element, name, fallback) {
  const value = getComputedStyle(element).getPropertyValue(name).trim();
  return value || fallback;
}

function tooltipPlugin(name) {
  let tip;
  return {
    hooks: {
      init: (plot) => {
        tip = document.createElement("div");
        tip.className = "jest-tooltip";
        tip.style.display = "none";
        plot.over.append(tip);
        plot.over.addEventListener("mouseleave", () => { tip.style.display = "none"; });
      },
      setCursor: (plot) => {
        const index = plot.cursor.idx;
        if (index === null || index === undefined || plot.cursor.left < 0) {
          tip.style.display = "none";
          return;
        }
        const step = plot.data[0][index], value = plot.data[1][index];
        tip.replaceChildren(
          Object.assign(document.createElement("div"), { className: "jest-tooltip-step", textContent: `step ${stepText(step)}` }),
          Object.assign(document.createElement("div"), { className: "jest-tooltip-value",
            textContent: `${name}: ${value === null ? "no value (not finite)" : rounded(value)}` }));
        tip.style.display = "block";
        const left = plot.cursor.left, top = plot.cursor.top;
        const flip = left > plot.over.clientWidth / 2;
        tip.style.left = flip ? "" : `${left + 10}px`;
        tip.style.right = flip ? `${plot.over.clientWidth - left + 10}px` : "";
        tip.style.top = `${Math.max(0, top - 10)}px`;
      },
    },
  };
}

function options(name, element) {
  const ink = themeColor(element, "--jp-ui-font-color2", "#555");
  const grid = themeColor(element, "--jp-border-color2", "#e0e0e0");
  const line = themeColor(element, "--jp-brand-color1", "#1f77b4");
  const font = "10px " + (themeColor(element, "--jp-ui-font-family", "sans-serif"));
  const axis = { stroke: ink, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width: WIDTH, height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 6 } },
    scales: { x: { time: false } },
    axes: [
      { ...axis, label: "step", labelSize: 14, labelGap: 0, size: 26, labelFont: font, incrs: STEP_INCREMENTS,
        values: (_plot, splits) => splits.map(stepText) },
      { ...axis, size: 48, values: (_plot, splits) => splits.map(rounded) },
    ],
    series: [
      { label: "step" },
      { label: name, stroke: line, width: 1.5, spanGaps: false, points: { size: 4 } },
    ],
    plugins: [tooltipPlugin(name)],
  };
}

/**
 * A chart for one line metric. Returns {node, update(series), destroy()}; update() redraws in place when the
 * shape (chart or single number) stays the same and returns false when the caller must build a new one.
 */
export function metricChart(name, series) {
  const node = document.createElement("div");
  node.className = "jest-chart";
  node.dataset.metric = name;
  let plot = null;
  let shape = null;

  const draw = (current) => {
    const [xs, ys] = points(current);
    const drawn = ys.filter((y) => y !== null).length;
    node.dataset.points = String(drawn);
    node.dataset.count = String(current.count ?? ys.length);
    const single = xs.length <= 1;
    const wanted = single ? "single" : drawn === 0 ? "empty" : "chart";
    if (shape !== null && wanted !== shape) return false;
    shape = wanted;
    if (wanted === "single") {
      const value = xs.length ? ys[0] : finite(current.last);
      const raw = xs.length ? (current.y || [])[0] : current.last;
      node.classList.add("jest-chart-single");
      node.replaceChildren(
        Object.assign(document.createElement("div"), { className: "jest-single-value", textContent: value === null ? rounded(raw) : rounded(value) }),
        Object.assign(document.createElement("div"), { className: "jest-single-step", textContent: xs.length ? `step ${stepText(xs[0])}` : "" }));
    } else if (wanted === "empty") {
      node.replaceChildren(Object.assign(document.createElement("div"), { className: "jest-chart-empty",
        textContent: `${xs.length} values, none of them a finite number` }));
    } else if (plot === null) {
      plot = new uPlot(options(name, node.isConnected ? node : document.body), [xs, ys], node);
    } else {
      plot.setData([xs, ys]);
    }
    return true;
  };

  draw(series);
  return {
    node,
    update: draw,
    destroy: () => { if (plot !== null) plot.destroy(); plot = null; },
  };
}
