// Metric charts for RunDetails. The uPlot setup (axes, tick labels, gaps, the tooltip) and the number formats are
// the Lab extension's, from labextension/src/shared/ (bundled in by build.mjs), so a chart reads the same in a
// notebook output as in the Lab's run view. Values that are not finite numbers arrive as null: gaps in the line.
// A metric with one value is shown as a number.

import uPlot from "uplot";

import { chartOptions, themeColor, tooltipPlugin } from "../../labextension/src/shared/chart";
import { formatNumber, formatValue } from "../../labextension/src/shared/format";
import { countFinite, finiteOrNull, sortedByStep } from "../../labextension/src/shared/series";

const WIDTH = 320;
const HEIGHT = 170;

/** A value as text: numbers rounded to four significant digits, "–" for none. */
export function shown(value) {
  return value === null || value === undefined ? "–" : formatValue(value);
}

/** [xs, ys] in step order; points whose step is not a finite number are dropped, other values made null (gaps). */
export function points(series) {
  const x = [], y = [];
  const xs = series.x || [], ys = series.y || [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const step = finiteOrNull(xs[i]);
    if (step !== null) { x.push(step); y.push(finiteOrNull(ys[i])); }
  }
  const sorted = sortedByStep({ x, y });
  return [sorted.x, sorted.y];
}

function div(className, textContent) {
  return Object.assign(document.createElement("div"), { className, textContent });
}

function newPlot(name, node, xs, ys) {
  const theme = node.isConnected ? node : document.body;
  const tooltip = tooltipPlugin("jest-tooltip", (plot, index) => {
    const value = plot.data[1][index];
    return [div("jest-tooltip-value", `${name}: ${value === null || value === undefined ? "no value (not finite)" : formatNumber(value)}`)];
  });
  const lines = [{ label: name, color: themeColor(theme, "--jp-brand-color1", "#1f77b4") }];
  return new uPlot(chartOptions(theme, { width: WIDTH, height: HEIGHT, lines, zoom: false, plugins: [tooltip] }), [xs, ys], node);
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
    const drawn = countFinite(ys);
    node.dataset.points = String(drawn);
    node.dataset.count = String(current.count ?? ys.length);
    const wanted = xs.length <= 1 ? "single" : drawn === 0 ? "empty" : "chart";
    if (shape !== null && wanted !== shape) return false;
    shape = wanted;
    if (wanted === "single") {
      const value = xs.length ? ys[0] : finiteOrNull(current.last);
      const raw = xs.length ? (current.y || [])[0] : current.last;
      node.classList.add("jest-chart-single");
      node.replaceChildren(div("jest-single-value", value === null ? shown(raw) : formatNumber(value)),
                           div("jest-single-step", xs.length ? `step ${formatNumber(xs[0], 8)}` : ""));
    } else if (wanted === "empty") {
      node.replaceChildren(div("jest-chart-empty", `${xs.length} values, none of them a finite number`));
    } else if (plot === null) {
      plot = newPlot(name, node, xs, ys);
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
