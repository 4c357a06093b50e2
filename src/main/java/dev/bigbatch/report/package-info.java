/**
 * Experiments and their reports: the published large-batch experiments as lists of train runs
 * ({@link dev.bigbatch.report.Experiments}), tables aggregated over seeds with Goyal's error rule
 * ({@link dev.bigbatch.report.ResultTable}), the reproduction criteria stated before the runs and their verdicts on
 * a table ({@link dev.bigbatch.report.Claim}, {@link dev.bigbatch.report.Criteria}), and PNG plots plus an HTML index
 * ({@link dev.bigbatch.report.Report}). Reads run directories; knows nothing of LibTorch and never
 * trains (the CLI runs the plans).
 */
package dev.bigbatch.report;
