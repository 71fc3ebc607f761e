/**
 * The metrics as a console table and as a self-contained HTML page of inline SVG line charts
 * (no scripts, no CDN): one chart per metric with both cohorts, the rollout's goal for it, and the
 * rollout percentage with the days the guard rolled it back.
 */
import type { QualityCause } from "../contract/quality";
import { COHORTS, type Cohort } from "../contract/cohorts";
import { addCounts, ratesOf, ratio, type CohortCounts, type RateName } from "./compute";
import type { MetricsDocument } from "./metricsDocument";
import { COST_STAGES, roundUsd } from "./spend";
import type { StoryboardDay } from "./storyboards";

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

/** A day's storyboard figures as the report's cells: the funnel, time to approve, provider spend. */
function storyboardCells(b: StoryboardDay): string[] {
  const f = b.funnel;
  return [
    ...[f.shown, f.approved, f.edited, f.cancelled, f.expired, f.endedOtherwise, f.waiting].map(String),
    formatSeconds(b.timeToApprove.medianSec),
    formatSeconds(b.timeToApprove.p90Sec),
    usdText(b.providerSpend.usd),
    String(b.providerSpend.uncostedCalls),
    usdText(b.unapproved.providerUsd),
    usdText(b.unapproved.videoSpendAvoidedUsd),
  ];
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
  const boardDays = docs.filter((d) => d.storyboards);
  const boardTotal = pooledStoryboards(boardDays);
  const boardTable = boardTotal
    ? `<table class="causes"><caption>Storyboards (both cohorts) and provider spend per day</caption>
<tr><th>day</th><th>shown</th><th>approved</th><th>edited</th><th>cancelled</th><th>expired</th><th>other end</th><th>waiting</th><th>approve p50</th><th>p90</th><th>provider spend</th><th>uncosted calls</th><th>unapproved spend</th><th>video spend spared</th></tr>
${boardDays
  .map((d) => {
    const cells = storyboardCells(d.storyboards as StoryboardDay);
    return `<tr><td>${escape(d.day)}</td>${cells.map((c) => `<td>${escape(c)}</td>`).join("")}</tr>`;
  })
  .join("\n")}
</table>
${storyboardSummaryLines(boardTotal)
  .map((line) => `<p class="lead">${escape(line)}</p>`)
  .join("\n")}`
    : "";
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
${boardTable}
<div class="grid2">
${charts.map((svg, i) => `<figure>${svg}${captions[i] ? `<figcaption>${escape(captions[i])}</figcaption>` : ""}</figure>`).join("\n")}
</div>
</body></html>
`;
}

const usdText = (usd: number | null) => (usd === null ? "—" : `$${usd.toFixed(usd !== 0 && usd < 0.1 ? 4 : 2)}`);

/** A duration in seconds as "42 s", "3 min 5 s" or "2 h 10 min". */
export function formatSeconds(sec: number | null): string {
  if (sec === null) return "—";
  if (sec < 60) return `${Math.round(sec)} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
}

function alignedTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

/** The storyboard's figures over the days that have them, pooled where counts and sums allow. */
export function pooledStoryboards(docs: readonly MetricsDocument[]): StoryboardDay | null {
  const days = docs.flatMap((d) => (d.storyboards ? [d.storyboards] : []));
  if (days.length === 0) return null;
  const sum = (pick: (s: StoryboardDay) => number) => days.reduce((total, s) => total + pick(s), 0);
  const usd = (pick: (s: StoryboardDay) => number) => roundUsd(sum(pick));
  const byStage: StoryboardDay["providerSpend"]["byStage"] = {};
  for (const stage of COST_STAGES) {
    if (days.some((s) => s.providerSpend.byStage[stage] !== undefined))
      byStage[stage] = usd((s) => s.providerSpend.byStage[stage] ?? 0);
  }
  const mostExpensive = days
    .map((s) => s.providerSpend.mostExpensive)
    .reduce<StoryboardDay["providerSpend"]["mostExpensive"]>((a, b) => (b && (!a || b.usd > a.usd) ? b : a), null);
  return {
    funnel: {
      shown: sum((s) => s.funnel.shown),
      approved: sum((s) => s.funnel.approved),
      edited: sum((s) => s.funnel.edited),
      cancelled: sum((s) => s.funnel.cancelled),
      expired: sum((s) => s.funnel.expired),
      endedOtherwise: sum((s) => s.funnel.endedOtherwise),
      waiting: sum((s) => s.funnel.waiting),
    },
    // Medians do not pool: the range keeps only the count (each day has its own median and p90).
    timeToApprove: { approvals: sum((s) => s.timeToApprove.approvals), medianSec: null, p90Sec: null },
    providerSpend: {
      runs: sum((s) => s.providerSpend.runs),
      usd: usd((s) => s.providerSpend.usd),
      byStage,
      uncostedCalls: sum((s) => s.providerSpend.uncostedCalls),
      delivered: {
        runs: sum((s) => s.providerSpend.delivered.runs),
        usd: usd((s) => s.providerSpend.delivered.usd),
      },
      mostExpensive,
    },
    unapproved: {
      storyboards: sum((s) => s.unapproved.storyboards),
      providerUsd: usd((s) => s.unapproved.providerUsd),
      uncostedCalls: sum((s) => s.unapproved.uncostedCalls),
      videoSpendAvoidedUsd: usd((s) => s.unapproved.videoSpendAvoidedUsd),
      unpriced: sum((s) => s.unapproved.unpriced),
    },
    credits: {
      chargeFirst: {
        runs: sum((s) => s.credits.chargeFirst.runs),
        charged: sum((s) => s.credits.chargeFirst.charged),
        refunded: sum((s) => s.credits.chargeFirst.refunded),
      },
      storyboardFirst: {
        runs: sum((s) => s.credits.storyboardFirst.runs),
        charged: sum((s) => s.credits.storyboardFirst.charged),
        refunded: sum((s) => s.credits.storyboardFirst.refunded),
      },
      endedUncharged: {
        storyboards: sum((s) => s.credits.endedUncharged.storyboards),
        creditsNotTaken: sum((s) => s.credits.endedUncharged.creditsNotTaken),
      },
    },
  };
}

/** Plain lines on what a total says: the unapproved storyboards' spend, and the credits charged for nothing. */
export function storyboardSummaryLines(s: StoryboardDay): string[] {
  const { unapproved, credits, providerSpend } = s;
  const each = (usd: number, n: number) => (n === 0 ? "—" : usdText(roundUsd(usd / n)));
  const uncosted = (n: number) => (n > 0 ? ` (+ ${n} served calls without a price, not in the sum)` : "");
  const refundedShare = (f: { charged: number; refunded: number }) =>
    `${f.refunded} of ${f.charged} credits charged were refunded (${formatPct(ratio(f.refunded, f.charged))})`;
  return [
    `Provider spend: ${usdText(providerSpend.usd)} over ${providerSpend.runs} settled runs${uncosted(providerSpend.uncostedCalls)}; ` +
      `${each(providerSpend.delivered.usd, providerSpend.delivered.runs)} per delivered video (${providerSpend.delivered.runs}); by stage: ` +
      (COST_STAGES.map((stage) => `${stage} ${usdText(providerSpend.byStage[stage] ?? 0)}`).join(", ") || "none"),
    `Storyboards nobody approved: ${unapproved.storyboards}, provider spend ${usdText(unapproved.providerUsd)} ` +
      `(${each(unapproved.providerUsd, unapproved.storyboards)} each)${uncosted(unapproved.uncostedCalls)}; ` +
      `video spend they spared ${usdText(unapproved.videoSpendAvoidedUsd)}` +
      (unapproved.unpriced > 0 ? ` (${unapproved.unpriced} not priced: no price for the video model)` : "") +
      ` (scenes at the first video model's price, first try)`,
    `Credits charged for nothing: charge first (${credits.chargeFirst.runs} runs): ${refundedShare(credits.chargeFirst)}; ` +
      `storyboard first (${credits.storyboardFirst.runs} runs): ${refundedShare(credits.storyboardFirst)}; ` +
      `${credits.endedUncharged.storyboards} storyboards ended uncharged (${credits.endedUncharged.creditsNotTaken} credits never taken)`,
  ];
}

/** Plain-text lines: the funnel and provider spend per day, then the range's totals. */
export function renderStoryboardLines(docs: readonly MetricsDocument[]): string {
  const withBoards = docs.filter((d) => d.storyboards);
  if (withBoards.length === 0)
    return "Storyboards: no day in the range has the storyboard's figures (rolled up before them)";
  const rows = withBoards.map((d) => [d.day, ...storyboardCells(d.storyboards as StoryboardDay)]);
  const header = [
    "day",
    "shown",
    "approved",
    "edited",
    "cancelled",
    "expired",
    "other end",
    "waiting",
    "approve p50",
    "p90",
    "provider $",
    "uncosted",
    "unapproved $",
    "video $ spared",
  ];
  const total = pooledStoryboards(withBoards) as StoryboardDay;
  return [
    "Storyboards (both cohorts; time to approve from the first version shown to the approval)",
    ...alignedTable(header, rows),
    "",
    `Whole range: ${total.funnel.shown} shown, ${total.funnel.approved} approved, ${total.funnel.edited} edited, ` +
      `${total.funnel.cancelled} cancelled, ${total.funnel.expired} expired, ${total.funnel.endedOtherwise} ended otherwise, ` +
      `${total.funnel.waiting} waiting`,
    ...storyboardSummaryLines(total),
  ].join("\n");
}
