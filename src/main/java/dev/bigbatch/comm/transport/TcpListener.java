package dev.bigbatch.comm.transport;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.DeadlineChannel;
import dev.bigbatch.comm.net.Handshake;
import dev.bigbatch.comm.net.JobSecret;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank's listening socket before the mesh exists. Publish {@link #endpoint()} through a rendezvous,
 * then {@link #connectMesh} with everyone's endpoints. Rank r connects to every lower rank and accepts
 * every higher one; each connection is authenticated with {@link Handshake} ("peer->r/size" purpose, the
 * connector's rank as id). Strangers are logged and refused without disturbing the job.
 */
public final class TcpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpListener.class);
    /** A single handshake may not take longer than this (a silent stranger holds the acceptor this long). */
    private static final long HANDSHAKE_NANOS = Duration.ofSeconds(5).toNanos();

    private final WorldSpec world;
    private final JobSecret secret;
    private final Duration timeout;
    private final Duration operationTimeout;
    private final ServerSocketChannel server;
    private final InetSocketAddress endpoint;

    TcpListener(WorldSpec world, String host, JobSecret secret, Duration timeout, Duration operationTimeout)
            throws IOException {
        this.operationTimeout = operationTimeout;
        this.world = world;
        this.secret = secret;
        this.timeout = timeout;
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(host, 0), world.size());
            server.configureBlocking(false);
            InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
            this.endpoint = new InetSocketAddress(bound.getAddress(), bound.getPort());
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /** Address peers must connect to. */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    /**
     * Builds the full mesh; {@code endpoints.get(i)} is rank i's endpoint. Closes the listening socket.
     *
     * @throws CommException if the mesh is not complete within {@code connectTimeout}
     */
    public TcpTransport connectMesh(List<InetSocketAddress> endpoints, Duration connectTimeout) {
        if (endpoints.size() != world.size()) {
            throw new IllegalArgumentException("need " + world.size() + " endpoints, got " + endpoints.size());
        }
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        Connection[] conns = new Connection[world.size()];
        boolean ok = false;
        try {
            // Phase 1: connect to every lower rank (they are accepting, or will be soon).
            for (int peer = 0; peer < world.rank(); peer++) {
                conns[peer] = connectTo(peer, endpoints.get(peer), deadline);
            }
            // Phase 2: accept every higher rank, refusing strangers.
            int missing = world.size() - 1 - world.rank();
            try (Selector sel = Selector.open()) {
                server.register(sel, SelectionKey.OP_ACCEPT);
                while (missing > 0) {
                    long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
                    if (leftMillis <= 0) {
                        throw new CommException("rank " + world.rank() + ": timed out after " + connectTimeout
                                + " waiting for " + missing + " higher rank(s) to connect");
                    }
                    sel.select(leftMillis);
                    sel.selectedKeys().clear();
                    SocketChannel ch;
                    while (missing > 0 && (ch = server.accept()) != null) {
                        Connection c = acceptOne(ch, conns, deadline);
                        if (c != null) {
                            conns[c.peer] = c;
                            missing--;
                        }
                    }
                }
            }
            TcpTransport t = new TcpTransport(world, conns, timeout, operationTimeout);
            ok = true;
            return t;
        } catch (IOException e) {
            throw new CommException("rank " + world.rank() + ": building the connection mesh failed: " + e, e);
        } finally {
            close();
            if (!ok) {
                for (Connection c : conns) {
                    if (c != null) {
                        try {
                            c.channel.close();
                        } catch (IOException e) {
                            log.debug("closing", e);
                        }
                    }
                }
            }
        }
    }

    private Connection connectTo(int peer, InetSocketAddress address, long deadline) throws IOException {
        SocketChannel ch = DeadlineChannel.connect(address, deadline);
        try (DeadlineChannel dc = new DeadlineChannel(ch)) {
            Handshake.connect(dc, secret, purpose(peer), world.rank(),
                    Math.min(deadline, System.nanoTime() + HANDSHAKE_NANOS));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("connecting to rank " + peer + " at " + address + ": " + e.getMessage(), e);
        }
        return new Connection(peer, ch, System.nanoTime());
    }

    /** Authenticates one incoming connection; returns null (and logs) if it is not a wanted peer. */
    private Connection acceptOne(SocketChannel ch, Connection[] conns, long deadline) throws IOException {
        String from = String.valueOf(ch.getRemoteAddress());
        try (DeadlineChannel dc = new DeadlineChannel(ch)) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int id = Handshake.accept(dc, secret, purpose(world.rank()),
                    Math.min(deadline, System.nanoTime() + HANDSHAKE_NANOS));
            if (id <= world.rank() || id >= world.size() || conns[id] != null) {
                throw new IOException("authenticated peer claims unexpected rank " + id);
            }
            return new Connection(id, ch, System.nanoTime());
        } catch (IOException e) {
            String why = e instanceof SocketTimeoutException ? "handshake timed out" : e.getMessage();
            log.warn("rank {}: refused peer connection from {}: {}", world.rank(), from, why);
            ch.close();
            return null;
        }
    }

    private String purpose(int acceptorRank) {
        return "peer->" + acceptorRank + "/" + world.size();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing listener", e);
        }
    }
}
