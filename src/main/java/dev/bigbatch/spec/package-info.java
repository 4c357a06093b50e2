/**
 * The job spec: what a training run is, as small immutable records per concern ({@link DataSpec}, {@link ModelSpec},
 * {@link BatchSpec}, {@link LrSpec}, {@link OptimizerSpec}, {@link SyncSpec}, {@link ExtrasSpec}, {@link OutputSpec}),
 * composed by {@link JobSpec}. Every check on a setting or a combination of settings lives in these constructors, with
 * one-line messages that name the flag; nothing downstream re-validates.
 *
 * <p>One name per setting, used three times: the record component, the field of its {@code Builder} (which carries the
 * picocli {@code @Option}, so the builders are the CLI's mixins), and the JSON key of {@code config.json}
 * ({@link Specs#JSON}). A setting whose default depends on another one (the warmup's start rate) is stored as given
 * ({@code null} = default) and resolved by an accessor, so a rerun with a changed flag re-derives it.
 *
 * <p>Must not know: training, communication, files other than paths. The spec depends only on the enums of
 * {@code schedule}, {@code optim} and on {@code model}'s names.
 */
package dev.bigbatch.spec;
