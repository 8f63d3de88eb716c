// Charts as SVG, written by hand: a few rectangles, lines and labels. Each chart carries its
// numbers in a <title> too, for screen readers and for anyone who wants the figures.

const COLORS = ['#9c9c9c', '#59a14f', '#4e79a7', '#e15759', '#76b7b2', '#f28e2b', '#b07aa1'];
const WIDTH = 760;
const HEIGHT = 380;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const BOTTOM = 300;

/** One line or one set of bars: a name and a value per group (NaN: not measured). */
export interface Series {
  name: string;
  values: number[];
}

const short = (value: number) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumSignificantDigits: 3 }) : 'n/a';
const xmlText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

function frame(title: string, description: string, maxValue: number, unit: string): string[] {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">${xmlText(`${title}. ${description}`)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${xmlText(title)}</text>`,
  ];
  const step = niceStep(maxValue);
  for (let tick = 0; tick <= maxValue + step / 1000; tick += step) {
    const y = yOf(tick, maxValue);
    parts.push(
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${short(tick)}${unit}</text>`,
    );
  }
  return parts;
}

function legend(series: Series[]): string[] {
  return series.flatMap((line, i) => {
    const x = LEFT + (i % 4) * 165;
    const y = HEIGHT - 42 + Math.floor(i / 4) * 18;
    return [
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${y + 10}">${xmlText(line.name)}</text>`,
    ];
  });
}

/** A tick spacing that gives 4 to 10 lines: 1, 2 or 5 times a power of ten. */
function niceStep(maxValue: number): number {
  const rough = maxValue / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => maxValue / step <= 8) ?? power * 10;
}

function yOf(value: number, maxValue: number): number {
  return Math.round((BOTTOM - (value / maxValue) * (BOTTOM - TOP)) * 10) / 10;
}

function description(groups: string[], series: Series[], unit: string): string {
  const said = (value: number) =>
    Number.isFinite(value) ? `${short(value)}${unit}` : 'not measured';
  return series
    .map(
      (s) =>
        `${s.name}: ${groups.map((g, i) => `${g} ${said(s.values[i] ?? Number.NaN)}`).join(', ')}`,
    )
    .join('; ');
}

/** Bars grouped by `groups` (such as message sizes), one bar per series in each group. */
export function barChart(title: string, groups: string[], series: Series[], unit: string): string {
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  const maxValue = Math.max(1, ...finite) * 1.1;
  const parts = frame(title, description(groups, series, unit), maxValue, unit);
  const groupWidth = Math.floor((WIDTH - LEFT - RIGHT) / groups.length);
  const barWidth = Math.floor((groupWidth - 24) / series.length);
  groups.forEach((group, g) => {
    const x0 = LEFT + g * groupWidth + 12;
    series.forEach((s, i) => {
      const value = s.values[g] ?? Number.NaN;
      if (!Number.isFinite(value)) return;
      const x = x0 + i * barWidth;
      const y = yOf(value, maxValue);
      parts.push(
        `<rect x="${x}" y="${y}" width="${barWidth - 3}" height="${Math.round((BOTTOM - y) * 10) / 10}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${x + (barWidth - 3) / 2}" y="${y - 4}" text-anchor="middle" font-size="10">${short(value)}</text>`,
      );
    });
    const middle = x0 + (series.length * barWidth) / 2;
    parts.push(
      `<text x="${middle}" y="${BOTTOM + 18}" text-anchor="middle">${xmlText(group)}</text>`,
    );
  });
  parts.push(...legend(series), '</svg>');
  return `${parts.join('\n')}\n`;
}

/** One line per series across `groups` (such as connection counts), spaced evenly. */
export function lineChart(title: string, groups: string[], series: Series[], unit: string): string {
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  const maxValue = Math.max(1, ...finite) * 1.1;
  const parts = frame(title, description(groups, series, unit), maxValue, unit);
  const xOf = (g: number) =>
    LEFT + 40 + (groups.length === 1 ? 0 : (g * (WIDTH - LEFT - RIGHT - 80)) / (groups.length - 1));
  groups.forEach((group, g) => {
    parts.push(
      `<text x="${xOf(g)}" y="${BOTTOM + 18}" text-anchor="middle">${xmlText(group)}</text>`,
    );
  });
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.values
      .map((value, g) => (Number.isFinite(value) ? `${xOf(g)},${yOf(value, maxValue)}` : ''))
      .filter(Boolean);
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
      ...points.map((point) => {
        const [x, y] = point.split(',');
        return `<circle cx="${x}" cy="${y}" r="3.5" fill="${color}"/>`;
      }),
    );
  });
  parts.push(...legend(series), '</svg>');
  return `${parts.join('\n')}\n`;
}
