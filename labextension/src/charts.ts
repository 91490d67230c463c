// Plain SVG line charts; several runs overlay on one chart when comparing.
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const SVG = 'http://www.w3.org/2000/svg';

export interface ISeries {
  label: string;
  x: number[];
  y: number[];
}

export function lineChart(name: string, series: ISeries[], width = 360, height = 180): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'jest-lab-chart');
  svg.dataset.metric = name;
  const xs = series.flatMap(s => s.x);
  const ys = series.flatMap(s => s.y);
  if (!ys.length) {
    return svg;
  }
  const pad = 36;
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const sx = (x: number) => pad + ((x - minX) / (maxX - minX || 1)) * (width - pad - 8);
  const sy = (y: number) => height - pad + 8 - ((y - minY) / (maxY - minY || 1)) * (height - pad - 8);
  series.forEach((s, index) => {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', s.x.map((x, i) => `${sx(x).toFixed(1)},${sy(s.y[i]).toFixed(1)}`).join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', COLORS[index % COLORS.length]);
    line.setAttribute('stroke-width', '1.5');
    line.dataset.run = s.label;
    svg.append(line);
  });
  const label = (text: string, x: number, y: number, anchor = 'start') => {
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', String(x));
    t.setAttribute('y', String(y));
    t.setAttribute('text-anchor', anchor);
    t.setAttribute('class', 'jest-lab-axis');
    t.textContent = text;
    svg.append(t);
  };
  label(String(Number(maxY.toPrecision(4))), 2, 12);
  label(String(Number(minY.toPrecision(4))), 2, height - pad + 8);
  label(String(minX), pad, height - 4);
  label(String(maxX), width - 4, height - 4, 'end');
  return svg;
}

export function legend(labels: string[]): HTMLElement {
  const box = document.createElement('div');
  box.className = 'jest-lab-legend';
  labels.forEach((text, index) => {
    const item = document.createElement('span');
    item.style.color = COLORS[index % COLORS.length];
    item.textContent = `■ ${text}  `;
    box.append(item);
  });
  return box;
}
