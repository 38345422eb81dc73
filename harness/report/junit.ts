import type { Report } from '../schema/report.ts';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
  // XML 1.0 forbids most control characters (ANSI colour codes among them).
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function toJUnit(r: Report): string {
  const cases = r.scenarios.map((s) => {
    const anomalies = s.verdicts.filter((v) => v.valid === false).flatMap((v) => v.anomalies.map((a) => `${v.name}: ${a.detail}`));
    const fail = s.status === 'failed' ? `<failure message="${esc((s.error ?? 'failed').split('\n')[0] ?? '')}">${esc([s.error ?? '', ...anomalies].join('\n'))}</failure>` : '';
    const skip = s.status === 'skipped' ? '<skipped/>' : '';
    return `    <testcase classname="${esc(s.file)}" name="${esc(s.title)}" time="${(s.durationMs / 1000).toFixed(3)}">${fail}${skip}</testcase>`;
  });
  const plantedCases = r.planted.map((m) => `    <testcase classname="planted" name="${esc(`${m.bug} is caught by ${m.scenario}`)}" time="${(m.durationMs / 1000).toFixed(3)}">${m.caught ? '' : `<failure message="MISSED">${esc(m.detail)}</failure>`}</testcase>`);
  const loadCases = r.load.map((l) => `    <testcase classname="load" name="${esc(`${l.name} (${l.size})`)}">${l.passed ? '' : '<failure message="thresholds failed"/>'}</testcase>`);
  const failures = r.scenarios.filter((s) => s.status === 'failed').length + r.planted.filter((m) => !m.caught).length + r.load.filter((l) => !l.passed).length;
  const total = cases.length + plantedCases.length + loadCases.length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="syncwright ${esc(r.runId)}" tests="${total}" failures="${failures}">
  <testsuite name="conformance" tests="${total}" failures="${failures}" skipped="${r.summary.skipped}" timestamp="${esc(r.startedAt)}">
${[...cases, ...plantedCases, ...loadCases].join('\n')}
  </testsuite>
</testsuites>
`;
}
