/**
 * Decentralized training (Yuan et al. 2021, DecentLaM): every process keeps its own parameters and
 * averages them only with its neighbours in a static graph ({@link dev.bigbatch.train.decentralized.Topology}:
 * ring, exponential, full), one gossip round per step over the communicator's send/recv
 * ({@link dev.bigbatch.train.decentralized.Gossip}); the update rules DmSGD and DecentLaM live in
 * {@link dev.bigbatch.train.decentralized.DecentralizedSgd}, the trainer-facing replicas (no gradient allreduce,
 * evaluation of the consensus) in {@link dev.bigbatch.train.decentralized.DecentralizedReplicas}. It knows the
 * communicator only through its public interface, never sockets.
 */
package dev.bigbatch.train.decentralized;
