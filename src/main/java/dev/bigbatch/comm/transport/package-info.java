/**
 * Moving bytes between ranks: {@link dev.bigbatch.comm.transport.Transport} gives one
 * {@link dev.bigbatch.comm.transport.Pair} per peer with asynchronous, in-order send/recv of buffer
 * ranges; {@link dev.bigbatch.comm.transport.TcpTransport} implements it over a full mesh of
 * authenticated java.nio TCP connections served by one I/O thread, with heartbeats for failure detection.
 *
 * <p>Owns sockets, framing, liveness and failure propagation. It must not know about reductions,
 * collectives or how endpoints are discovered (it is handed a list of endpoints).
 */
package dev.bigbatch.comm.transport;
