/**
 * Allreduce throughput benchmark ({@code bigbatch bench allreduce}). It connects its ranks the way a job does (a
 * rendezvous store hosted in this JVM or by rank 0 of launched processes, the job secret,
 * {@link dev.bigbatch.comm.Communicators#connect}) and then times only the public
 * {@link dev.bigbatch.comm.Communicator} API. Must not know the transport or the algorithms' classes (it names an
 * algorithm by {@link dev.bigbatch.comm.AllreduceAlgorithm}), nor tensors or training.
 */
package dev.bigbatch.comm.bench;
