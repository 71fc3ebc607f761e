/**
 * `npm run metrics -- --from YYYY-MM-DD --to YYYY-MM-DD`: prints the stored daily metrics per
 * cohort, the storyboard's funnel and the provider spend, and writes reports/metrics.html (self-contained SVG charts). Days without a
 * `metrics/{day}` document are rolled up first, as the scheduled function would have.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { addDays, dayOf, DAY_PATTERN, daysBetween } from "../functions/src/metrics/compute";
import { renderHtmlReport, renderStoryboardLines, renderTable } from "../functions/src/metrics/report";
import { loadMetricsDocuments, rollUpMetrics } from "../functions/src/handlers/metricsRollup";
import { OPERATOR_ALERTS_PATH } from "../functions/src/metrics/rollbackGuard";
import { adminDb, requireEmulators, ROOT } from "./lib/emulators";

async function main() {
  const yesterday = addDays(dayOf(Date.now()), -1);
  const { values } = parseArgs({
    options: {
      from: { type: "string", default: addDays(yesterday, -6) },
      to: { type: "string", default: yesterday },
      out: {
        type: "string",
        default: path.join(ROOT, "reports", "metrics.html"),
      },
    },
  });
  const { from, to } = values;
  if (!DAY_PATTERN.test(from) || !DAY_PATTERN.test(to) || from > to) {
    console.error("usage: npm run metrics -- --from YYYY-MM-DD --to YYYY-MM-DD (from ≤ to)");
    process.exit(2);
  }
  requireEmulators();
  const db = adminDb();
  const stored = new Set((await loadMetricsDocuments(db, from, to)).map((d) => d.day));
  for (const day of daysBetween(from, to).filter((d) => !stored.has(d) && d < dayOf(Date.now()))) {
    await rollUpMetrics(db, day);
  }
  const docs = await loadMetricsDocuments(db, from, to);
  if (docs.length === 0) {
    console.log(
      `no metrics between ${from} and ${to}: seed a week with \`npm run seed-week\` or run the pipeline first`,
    );
    process.exit(0);
  }
  console.log(renderTable(docs));
  console.log(`\n${renderStoryboardLines(docs)}`);
  const alerts = (await db.collection(OPERATOR_ALERTS_PATH).where("day", ">=", from).where("day", "<=", to).get()).docs
    .map((d) => ({ day: String(d.get("day")), body: String(d.get("body")) }))
    .sort((a, b) => a.day.localeCompare(b.day));
  for (const alert of alerts) console.log(`\nALERT ${alert.day}: ${alert.body}`);
  const html = renderHtmlReport(docs, {
    from,
    to,
    alerts,
    generatedAt: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  });
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, html);
  console.log(`\nwrote ${path.relative(process.cwd(), values.out) || values.out}`);
  process.exit(0);
}

main().catch((error) => {
  console.error(`metrics failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
