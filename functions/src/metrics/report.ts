/**
 * The metrics as a console table and as a self-contained HTML page of inline SVG line charts
 * (no scripts, no CDN): one chart per metric with both cohorts, the rollout's goal for it, and the
 * rollout percentage with the days the guard rolled it back.
 */
import type { QualityCause } from "../contract/quality";
import { COHORTS, type Cohort } from "../contract/cohorts";
import { addCounts, ratesOf, type CohortCounts, type RateName } from "./compute";
import type { MetricsDocument } from "./metricsDocument";

interface MetricInfo {
  label: string;
  /** The plan's goal, drawn as a dashed line. */
  target?: { value: number; label: string };
  explain: string;
}

export const METRICS: Record<RateName, MetricInfo> = {
  creditWasteRate: {
    label: "Credit waste rate",
    target: { value: 0.05, label: "goal < 5%" },
    explain:
      "Charged, not refunded, yet failed, on generic legacy content, or mostly static without the user accepting it.",
  },
  pipelineSuccessRate: {
    label: "Pipeline success rate",
    target: { value: 0.95, label: "goal > 95%" },
    explain: "Succeeded with no generic content and Ken Burns scenes at or below the degradation threshold.",
  },
  gracefulFailureRate: {
    label: "Graceful failure rate",
    target: { value: 1, label: "goal 100%" },
    explain: "Of the runs whose models failed (failed, or rescued by legacy content): refunded and notified.",
  },
  celebrityPreDetectionRate: {
    label: "Celebrity-filter pre-detection",
    target: { value: 0.9, label: "goal > 90%" },
    explain: "Of the runs with a Veo person/celebrity rejection: the preflight had warned FACES_DETECTED.",
  },
  refundRate: {
    label: "Refund rate",
    target: { value: 0.2, label: "rollback at 20%" },
    explain: "Refunded runs of all charged, settled runs. The guard watches the graceful cohort's.",
  },
  kenBurnsShare: {
    label: "Ken Burns share",
    explain: "Static pan/zoom scenes of all rendered scenes.",
  },
};
const RATE_NAMES = Object.keys(METRICS) as RateName[];

const COLORS: Record<Cohort, string> = { graceful: "#1b7f5b", legacy: "#c2410c" };
const COHORT_LABELS: Record<Cohort, string> = { graceful: "Graceful (rollout)", legacy: "Legacy" };

export const formatPct = (value: number | null, digits = 1) =>
  value === null ? "—" : `${(value * 100).toFixed(digits)}%`;

/** Plain-text table, one line per day and cohort. */
export function renderTable(docs: readonly MetricsDocument[]): string {
  const header = [
    "day",
    "cohort",
    "rollout",
    "runs",
    "waste",
    "success",
    "graceful",
    "pre-detect",
    "refunds",
    "ken burns",
    "gate fails",
  ];
  const rows = docs.flatMap((doc) =>
    COHORTS.map((cohort) => {
      const { counts, rates } = doc.cohorts[cohort];
      return [
        doc.day,
        cohort,
        `${doc.rollout.effectivePct}%${doc.rollout.enabled ? "" : " (off)"}`,
        String(counts.runs),
        ...RATE_NAMES.map((name) => formatPct(rates[name])),
        String(counts.qualityGateFailures),
      ];
    }),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
  step?: boolean;
}

interface Chart {
  title: string;
  subtitle: string;
  days: string[];
  series: Series[];
  yMax: number;
  format: (value: number) => string;
  target?: { value: number; label: string };
  /** Days marked with a vertical line (the guard's rollbacks). */
  markers?: { day: string; label: string }[];
}

const W = 560;
const H = 300;
const PAD = { left: 52, right: 16, top: 76, bottom: 40 };

/** One line chart as an SVG element; a null value breaks the line (no runs to measure that day). */
export function lineChart(chart: Chart): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const n = chart.days.length;
  const x = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (plotW * i) / (n - 1));
  const y = (v: number) => PAD.top + plotH - (plotH * Math.min(v, chart.yMax)) / chart.yMax;
  const parts: string[] = [];
  parts.push(`<text x="${PAD.left}" y="20" class="title">${escape(chart.title)}</text>`);
  parts.push(`<text x="${PAD.left}" y="38" class="subtitle">${escape(chart.subtitle)}</text>`);
  for (let t = 0; t <= 4; t++) {
    const value = (chart.yMax * t) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(value)}" y2="${y(value)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(value) + 4}" class="ylabel">${escape(chart.format(value))}</text>`);
  }
  chart.days.forEach((day, i) => {
    parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 18}" class="xlabel">${day.slice(5)}</text>`);
  });
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>`);
  if (chart.target) {
    const ty = y(chart.target.value);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${ty}" y2="${ty}" class="target"/>`);
    parts.push(`<text x="${W - PAD.right - 4}" y="${ty - 5}" class="targetlabel">${escape(chart.target.label)}</text>`);
  }
  for (const marker of chart.markers ?? []) {
    const i = chart.days.indexOf(marker.day);
    if (i < 0) continue;
    parts.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${PAD.top - 6}" y2="${y(0)}" class="marker"/>`);
    parts.push(`<text x="${x(i) - 4}" y="${PAD.top - 10}" class="markerlabel">${escape(marker.label)}</text>`);
  }
  for (const s of chart.series) {
    let d = "";
    let open = false;
    s.values.forEach((v, i) => {
      if (v === null) {
        open = false;
        return;
      }
      if (!open) d += `M${x(i)},${y(v)}`;
      else d += s.step ? `H${x(i)}V${y(v)}` : `L${x(i)},${y(v)}`;
      open = true;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round"/>`);
    s.values.forEach((v, i) => {
      if (v === null) return;
      parts.push(
        `<circle cx="${x(i)}" cy="${y(v)}" r="3.5" fill="${s.color}"><title>${escape(`${s.name} ${chart.days[i]}: ${chart.format(v)}`)}</title></circle>`,
      );
    });
  }
  chart.series.forEach((s, i) => {
    const lx = PAD.left + 150 * i;
    parts.push(`<rect x="${lx}" y="52" width="14" height="4" rx="2" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 20}" y="58" class="legend">${escape(s.name)}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escape(chart.title)}">${parts.join("")}</svg>`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2937;background:#f8fafc}
h1{margin:0 0 4px;font-size:24px}p.lead{margin:0 0 20px;color:#4b5563}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin-bottom:20px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px}
.card .k{font-size:12px;color:#6b7280}.card .v{font-size:20px;font-weight:600;margin-top:2px}
.card .v span{display:block;font-size:14px;font-weight:600}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px}
figcaption{font-size:12px;color:#6b7280;padding:0 8px 6px}
table.causes{border-collapse:collapse;background:#fff;margin-bottom:20px;font-size:13px}table.causes caption{text-align:left;font-weight:600;padding:4px 0}table.causes td,table.causes th{border:1px solid #e5e7eb;padding:4px 10px;text-align:right}table.causes td:first-child{text-align:left}
svg .title{font-size:15px;font-weight:600;fill:#111827}svg .subtitle{font-size:11px;fill:#6b7280}
svg .grid{stroke:#eef0f3}svg .axis{stroke:#9ca3af}svg .ylabel{font-size:11px;fill:#6b7280;text-anchor:end}
svg .xlabel{font-size:11px;fill:#6b7280;text-anchor:middle}svg .legend{font-size:12px;fill:#374151}
svg .target{stroke:#6b7280;stroke-dasharray:5 4}svg .targetlabel{font-size:11px;fill:#6b7280;text-anchor:end}
svg .marker{stroke:#b91c1c;stroke-dasharray:3 3}svg .markerlabel{font-size:11px;fill:#b91c1c;text-anchor:end}
.alert{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;border-radius:8px;padding:10px 12px;margin-bottom:16px;font-size:14px}
`;

export interface ReportAlert {
  day: string;
  body: string;
}

export function renderHtmlReport(
  docs: readonly MetricsDocument[],
  options: { from: string; to: string; alerts: readonly ReportAlert[]; generatedAt: string },
): string {
  const days = docs.map((d) => d.day);
  const markers = options.alerts.map((a) => ({ day: a.day, label: "guard tripped" }));
  const pooled = (cohort: Cohort): CohortCounts | null =>
    docs.map((d) => d.cohorts[cohort].counts).reduce<CohortCounts | null>((a, b) => (a ? addCounts(a, b) : b), null);
  const totals = Object.fromEntries(COHORTS.map((c) => [c, pooled(c)])) as Record<Cohort, CohortCounts | null>;
  const cards = [
    `<div class="card"><div class="k">Charged, settled runs</div><div class="v">${COHORTS.map((c) => `<span style="color:${COLORS[c]}">${c} ${totals[c]?.runs ?? 0}</span>`).join("")}</div></div>`,
    ...RATE_NAMES.map((name) => {
      const values = COHORTS.map((c) => {
        const counts = totals[c];
        return `<span style="color:${COLORS[c]}">${c} ${formatPct(counts ? ratesOf(counts)[name] : null)}</span>`;
      });
      return `<div class="card"><div class="k">${escape(METRICS[name].label)}, whole range</div><div class="v">${values.join("")}</div></div>`;
    }),
  ];
  const causes = [
    ...new Set(COHORTS.flatMap((c) => Object.keys(totals[c]?.qualityGateCauses ?? {}) as QualityCause[])),
  ].sort();
  const gateTable = `<table class="causes"><caption>Quality-gate failures by cause, whole range (finished videos not delivered, refunded)</caption>
<tr><th>cause</th>${COHORTS.map((c) => `<th style="color:${COLORS[c]}">${c}</th>`).join("")}</tr>
<tr><td>runs failed at the gate</td>${COHORTS.map((c) => `<td>${totals[c]?.qualityGateFailures ?? 0}</td>`).join("")}</tr>
${causes.map((cause) => `<tr><td>${escape(cause.replace(/_/g, " "))}</td>${COHORTS.map((c) => `<td>${totals[c]?.qualityGateCauses[cause] ?? 0}</td>`).join("")}</tr>`).join("\n")}
</table>`;
  const pctFormat = (v: number) => `${Math.round(v * 100)}%`;
  const charts = [
    lineChart({
      title: "Rollout of graceful failures",
      subtitle: "Share of users in the graceful cohort (0% while the flag is off)",
      days,
      series: [{ name: "rollout %", color: "#1d4ed8", values: docs.map((d) => d.rollout.effectivePct), step: true }],
      yMax: 100,
      format: (v) => `${Math.round(v)}%`,
      markers,
    }),
    ...RATE_NAMES.map((name) =>
      lineChart({
        title: METRICS[name].label,
        subtitle: "Per day and cohort",
        days,
        series: COHORTS.map((c) => ({
          name: COHORT_LABELS[c],
          color: COLORS[c],
          values: docs.map((d) => d.cohorts[c].rates[name]),
        })),
        yMax: 1,
        format: pctFormat,
        target: METRICS[name].target,
        markers,
      }),
    ),
    lineChart({
      title: "Runs",
      subtitle: "Charged, settled runs per day and cohort",
      days,
      series: COHORTS.map((c) => ({
        name: COHORT_LABELS[c],
        color: COLORS[c],
        values: docs.map((d) => d.cohorts[c].counts.runs),
      })),
      yMax: Math.max(10, ...docs.flatMap((d) => COHORTS.map((c) => d.cohorts[c].counts.runs))),
      format: (v) => String(Math.round(v)),
    }),
  ];
  const captions = ["", ...RATE_NAMES.map((name) => METRICS[name].explain), ""];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fairshot metrics ${escape(options.from)} – ${escape(options.to)}</title>
<style>${STYLE}</style></head><body>
<h1>Graceful failures: rollout metrics</h1>
<p class="lead">${escape(options.from)} to ${escape(options.to)} (UTC days) · graceful cohort vs legacy · generated ${escape(options.generatedAt)}</p>
${options.alerts.map((a) => `<div class="alert"><strong>${escape(a.day)}: rollback.</strong> ${escape(a.body)}</div>`).join("\n")}
<div class="cards">${cards.join("")}</div>
${gateTable}
<div class="grid2">
${charts.map((svg, i) => `<figure>${svg}${captions[i] ? `<figcaption>${escape(captions[i])}</figcaption>` : ""}</figure>`).join("\n")}
</div>
</body></html>
`;
}
