/**
 * Runs bigbatch training on a Spark cluster as one barrier stage: one task per rank, endpoints exchanged
 * once with {@code BarrierTaskContext.allGather()}, then the ranks talk to each other directly over
 * bigbatch's own TCP collectives, never per step through Spark. {@link dev.bigbatch.spark.SparkTrainer}
 * is the driver side, {@link dev.bigbatch.spark.SparkMain} the command line.
 *
 * <p>Owns the Spark glue only: scheduling, retries and the rendezvous. Each task runs {@code job.Job} with the train
 * flags; it uses {@code comm} only to connect (a {@code Rendezvous} over the all-gather, the job secret,
 * {@code Communicators.connect}) and {@code train} only for listeners and checkpoint files (to report steps and to
 * agree where a retried stage resumes). Must not know how a step is computed (the trainer's internals) or how bytes
 * move between ranks (comm's transports and collectives).
 */
package dev.bigbatch.spark;
