/**
 * The recipe linter: rules that look at a {@link dev.bigbatch.spec.JobSpec} (and, where given, the
 * checkpoint it resumes and a reference run) and warn about the large-batch mistakes users of other
 * frameworks trip over (DESIGN.md §1). Each rule is a small record implementing {@link dev.bigbatch.lint.Rule};
 * {@link dev.bigbatch.lint.Linter} runs them. Warnings are advice, never errors: the linter must not know
 * tensors, models or the trainer's internals, and must not change a config.
 */
package dev.bigbatch.lint;
