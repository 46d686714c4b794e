// flyte.report: an HTML report per action, built from tabs. Content is kept in memory while the task runs and
// stored on flush() and when the attempt ends. Outside a run the calls do nothing, so tasks stay testable.
import { currentFrame, type ActionFrame, type ActionNode } from "../engine/index.js";

const MAIN_TAB = "Main";

interface ReportState {
  readonly frame: ActionFrame;
  readonly tabs: Map<string, string[]>;
}

const reports = new WeakMap<ActionNode, ReportState>();

/** One tab of the current action's report. */
export interface ReportTab {
  /** Appends HTML to the tab. */
  log(html: string): void;
  /** Replaces the tab's content. */
  replace(html: string): void;
}

function state(): ReportState | undefined {
  const frame = currentFrame();
  if (!frame) return undefined;
  let report = reports.get(frame.node);
  if (!report || report.frame.node.attempt !== frame.node.attempt) {
    report = { frame, tabs: new Map([[MAIN_TAB, []]]) };
    reports.set(frame.node, report);
    const saved = report;
    frame.node.addFinalizer(() => save(saved));
  }
  return report;
}

function tab(name: string): ReportTab {
  return {
    log(html) {
      const report = state();
      if (!report) return;
      const parts = report.tabs.get(name);
      if (parts) parts.push(html);
      else report.tabs.set(name, [html]);
    },
    replace(html) {
      state()?.tabs.set(name, [html]);
    },
  };
}

async function save(report: ReportState): Promise<void> {
  await report.frame.run.controller.saveReport(report.frame, renderReport(report.tabs));
}

/** Renders tabs as one self-contained HTML document (tab buttons only when there is more than one tab). */
export function renderReport(tabs: ReadonlyMap<string, readonly string[]>): string {
  const entries = [...tabs].filter(([name, parts]) => name === MAIN_TAB || parts.length > 0);
  const single = entries.length === 1;
  const buttons = single
    ? ""
    : `<nav>${entries.map(([name], i) => `<button data-tab="${i}"${i === 0 ? ' class="active"' : ""}>${escapeHtml(name)}</button>`).join("")}</nav>`;
  const panes = entries
    .map(([, parts], i) => `<section data-pane="${i}"${i === 0 ? "" : " hidden"}>${parts.join("\n")}</section>`)
    .join("\n");
  const script = single
    ? ""
    : `<script>document.querySelectorAll("nav button").forEach(b=>b.onclick=()=>{document.querySelectorAll("section").forEach(s=>s.hidden=s.dataset.pane!==b.dataset.tab);document.querySelectorAll("nav button").forEach(x=>x.classList.toggle("active",x===b))})</script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:system-ui,sans-serif;margin:1rem}nav button{margin-right:.25rem}nav button.active{font-weight:bold}</style></head><body>${buttons}\n${panes}${script}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The current action's HTML report.
 * @example flyte.report.log("<h2>Loss</h2>"); flyte.report.getTab("Data").replace(table); await flyte.report.flush();
 */
export const report = {
  /** Appends HTML to the main tab. */
  log(html: string): void {
    tab(MAIN_TAB).log(html);
  },
  /** Replaces the main tab's content. */
  replace(html: string): void {
    tab(MAIN_TAB).replace(html);
  },
  /** A named tab (created on first use). */
  getTab(name: string): ReportTab {
    return tab(name);
  },
  /** Stores the report now (it is also stored when the attempt ends). */
  async flush(): Promise<void> {
    const report = state();
    if (report) await save(report);
  },
};
