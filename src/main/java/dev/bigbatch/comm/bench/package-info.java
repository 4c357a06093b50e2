/**
 * Allreduce throughput benchmark ({@code bigbatch bench allreduce}). Uses only the public
 * {@link dev.bigbatch.comm.Communicator} API; knows nothing about the layers below it.
 */
package dev.bigbatch.comm.bench;
