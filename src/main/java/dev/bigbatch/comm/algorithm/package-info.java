/**
 * The collective protocols, one class per collective, each with a {@code run()} that reads like the
 * protocol (one comment per phase): ring and recursive halving-doubling allreduce, ring allgather,
 * binomial-tree broadcast, dissemination barrier; plus the element-wise reduction kernels.
 *
 * <p>Algorithms talk to peers only through {@link dev.bigbatch.comm.transport.Pair}s of a
 * {@link dev.bigbatch.comm.transport.Transport}; they must never touch sockets, know how peers were
 * found, or allocate per-call memory beyond the scratch they are handed.
 */
package dev.bigbatch.comm.algorithm;
