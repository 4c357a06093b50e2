/**
 * How ranks find each other: {@link dev.bigbatch.comm.rendezvous.Rendezvous} turns "my endpoint" into
 * "every rank's endpoint". {@link dev.bigbatch.comm.rendezvous.TcpStoreRendezvous} does it through a small
 * authenticated key-value store ({@link dev.bigbatch.comm.rendezvous.TcpStore}) run by rank 0;
 * {@link dev.bigbatch.comm.rendezvous.EnvWorld} reads rank/size from the launcher's environment
 * (bigbatch, mpirun, Slurm). Other rendezvous (e.g. Spark's allGather) implement the same interface.
 *
 * <p>Must not know about transports' framing, collectives or reductions; it only moves small byte strings.
 */
package dev.bigbatch.comm.rendezvous;
