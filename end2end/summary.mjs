// Prints the browser suite's outcome as one "N passed, N failed" line for CI.
import fs from 'node:fs';

const file = process.argv[2];
let passed = 0, failed = 0, skipped = 0;
try {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const s = report.stats ?? {};
  passed = (s.expected ?? 0) + (s.flaky ?? 0);
  failed = s.unexpected ?? 0;
  skipped = s.skipped ?? 0;
} catch (e) {
  console.log(`browser suite: 0 passed, 1 failed (no report at ${file}: ${e.message})`);
  process.exit(1);
}
console.log(`browser suite: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
