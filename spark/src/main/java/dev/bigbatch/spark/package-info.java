/**
 * Runs bigbatch training on a Spark cluster as one barrier stage: one task per rank, endpoints exchanged
 * once with {@code BarrierTaskContext.allGather()}, then the ranks talk to each other directly over
 * bigbatch's own TCP collectives, never per step through Spark. {@link dev.bigbatch.spark.SparkTrainer}
 * is the driver side, {@link dev.bigbatch.spark.SparkMain} the command line.
 *
 * <p>Owns the Spark glue only: scheduling, retries and the rendezvous. Must not know how a step is
 * computed (that is {@code dev.bigbatch.train}) or how bytes move between ranks ({@code dev.bigbatch.comm}).
 */
package dev.bigbatch.spark;
