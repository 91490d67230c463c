// The uPlot setup both front ends draw metric charts with (the Lab extension's run view and the notebook widget,
// which bundles this file): steps across with whole-number ticks, values up, gridlines that read on light and
// dark themes, tick labels by tickLabel(), gaps where values are not finite, and a tooltip that follows the
// cursor. uPlot is imported for its types only: each front end bundles uPlot itself and calls `new uPlot(…)`.
import type uPlot from 'uplot';

import { formatNumber, tickLabel } from './format';

/** Step-axis tick increments, 1, 2, 5 × 10^n: steps are whole numbers, so never a tick at step 0.5. */
export const STEP_INCREMENTS: number[] = [];
for (let power = 0; power <= 15; power++) {
  for (const base of [1, 2, 5]) {
    STEP_INCREMENTS.push(base * 10 ** power);
  }
}

/** A CSS variable of the JupyterLab theme as `element` sees it, or `fallback` outside JupyterLab. */
export function themeColor(element: Element, name: string, fallback: string): string {
  const value = getComputedStyle(element).getPropertyValue(name).trim();
  return value || fallback;
}

export interface IChartLine {
  label: string;
  color: string;
}

export interface IChartSpec {
  width: number;
  height: number;
  /** One line per run, in the order of the data's value columns. */
  lines: IChartLine[];
  /** Dragging across the plot zooms into those steps (a double click zooms back out). */
  zoom: boolean;
  plugins?: uPlot.Plugin[];
}

/** uPlot options for one metric, in the colours of the theme `element` is in. */
export function chartOptions(element: Element, spec: IChartSpec): uPlot.Options {
  const font = `10px ${themeColor(element, '--jp-ui-font-family', 'sans-serif')}`;
  const labels = (_u: uPlot, splits: number[], _axis: number, _space: number, increment: number) =>
    splits.map(value => tickLabel(value, increment));
  const axis = {
    stroke: themeColor(element, '--jp-ui-font-color2', '#616161'),
    grid: { stroke: 'rgba(128, 128, 128, 0.25)', width: 1 },
    ticks: { stroke: 'rgba(128, 128, 128, 0.5)', width: 1, size: 4 },
    values: labels,
    font
  };
  return {
    width: spec.width,
    height: spec.height,
    legend: { show: false },
    cursor: { drag: { x: spec.zoom, y: false, setScale: spec.zoom }, points: { size: 6 } },
    scales: { x: { time: false } },
    axes: [
      { ...axis, label: 'step', labelSize: 16, labelFont: font, size: 28, incrs: STEP_INCREMENTS },
      { ...axis, size: 52 }
    ],
    series: [{ label: 'step' }, ...spec.lines.map(line => ({ label: line.label, stroke: line.color, width: 2, spanGaps: false }))],
    plugins: spec.plugins ?? []
  };
}

/**
 * A tooltip in the plot (an element of class `className`): "step N" (class `<className>-step`), then the rows
 * `rows` gives for the point under the cursor. It sits beside the cursor, flips left or up to stay inside the
 * plot, and hides when the cursor leaves.
 */
export function tooltipPlugin(className: string, rows: (plot: uPlot, index: number) => Node[]): uPlot.Plugin {
  const tip = document.createElement('div');
  tip.className = className;
  Object.assign(tip.style, { display: 'none', left: '0', top: '0' });
  const hide = () => {
    tip.style.display = 'none';
  };
  return {
    hooks: {
      init: (plot: uPlot) => {
        plot.over.append(tip);
        plot.over.addEventListener('mouseleave', hide);
      },
      setCursor: (plot: uPlot) => {
        const index = plot.cursor.idx;
        const left = plot.cursor.left ?? -1;
        const top = plot.cursor.top ?? -1;
        if (index === null || index === undefined || left < 0) {
          hide();
          return;
        }
        const step = document.createElement('div');
        step.className = `${className}-step`;
        step.textContent = `step ${formatNumber(plot.data[0][index], 8)}`;
        tip.replaceChildren(step, ...rows(plot, index));
        tip.style.display = 'block';
        const width = tip.offsetWidth;
        const height = tip.offsetHeight;
        const x = left + 12 + width > plot.over.clientWidth ? Math.max(0, left - 12 - width) : left + 12;
        const y = top + 12 + height > plot.over.clientHeight ? Math.max(0, top - 12 - height) : top + 12;
        tip.style.transform = `translate(${x}px, ${y}px)`;
      }
    }
  };
}
