/**
 * Communication among the ranks of a data-parallel job: {@link dev.bigbatch.comm.Communicator}
 * (allreduce, broadcast, allgather, barrier, send/recv; blocking and async), how one is connected
 * ({@link dev.bigbatch.comm.Communicators}: from the launcher's environment, or over any rendezvous), its options
 * ({@link dev.bigbatch.comm.CommOptions}), the value types every layer shares ({@link dev.bigbatch.comm.WorldSpec},
 * {@link dev.bigbatch.comm.ReduceOp}, {@link dev.bigbatch.comm.DataType}, the binary16 codec
 * {@link dev.bigbatch.comm.Float16}) and the failures it reports
 * ({@link dev.bigbatch.comm.PeerFailureException}).
 *
 * <p>Layers, Gloo-style: {@code algorithm} (protocols) over {@code transport} (bytes between ranks) set up
 * by {@code rendezvous} (who is where), with {@code net} (authentication, deadlines) underneath. This
 * package wires them together ({@code Communicators}, {@code TransportCommunicator}); the subpackages use only its
 * value types and exceptions. It must not know
 * about tensors, models or the training loop (buffers are plain java.nio buffers).
 */
package dev.bigbatch.comm;
