// flyte.report: an HTML report with tabs, stored with the action.
//   npx flyte run --local examples/reports.ts summarize --values '[3,1,4,1,5]'
//   npx flyte get report RUN a0        (writes the HTML and prints its path)
import * as flyte from "flyte";

const env = new flyte.TaskEnvironment({ name: "reports-example" });

export const summarize = env.task({ report: true }, async function summarize(values: number[]): Promise<number> {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  flyte.report.log(`<h1>Summary</h1><p>${values.length} values, mean ${mean.toFixed(2)}</p>`);
  const bars = values.map((v) => `<div style="background:#4a8;width:${v * 20}px">${v}</div>`).join("");
  flyte.report.getTab("Chart").log(bars);
  await flyte.report.flush();
  return mean;
});
