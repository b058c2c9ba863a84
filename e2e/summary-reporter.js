// Prints a plain "N passed, M failed" line that CI can read.
class SummaryReporter {
  constructor() { this.passed = 0; this.failed = 0; this.skipped = 0; }
  onTestEnd(test, result) {
    if (result.status === 'skipped') return;
    // Count the final outcome of each test only once (retries are off).
    if (result.status === 'passed') this.passed += 1; else this.failed += 1;
  }
  onEnd() {
    console.log(`browser tests: ${this.passed} passed, ${this.failed} failed`);
  }
  printsToStdio() { return true; }
}
module.exports = SummaryReporter;
