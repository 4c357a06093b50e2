package dev.bigbatch.comm;

import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.EnvWorld;
import dev.bigbatch.comm.rendezvous.Rendezvous;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import dev.bigbatch.comm.transport.TcpListener;
import dev.bigbatch.comm.transport.TcpTransport;
import dev.bigbatch.comm.transport.Transport;
import java.util.Map;

/**
 * Wiring the layers into a {@link Communicator}: listen, exchange endpoints through a rendezvous, connect the
 * authenticated full mesh, put the collectives on top. The interface itself only says what a communicator does.
 */
public final class Communicators {
  private Communicators() {}

  /**
   * Connects this rank to the job: listens, exchanges endpoints through {@code rendezvous}, builds the
   * authenticated full mesh. The secret comes from {@code BIGBATCH_SECRET}/{@code BIGBATCH_SECRET_FILE}.
   */
  public static Communicator connect(WorldSpec world, Rendezvous rendezvous, CommOptions options) {
    return connect(world, rendezvous, JobSecret.fromEnv(System.getenv()), options);
  }

  /**
   * Everything from the environment: rank/size ({@link EnvWorld#detect}),
   * the secret, the store at {@code BIGBATCH_MASTER_ADDR:BIGBATCH_MASTER_PORT} (rank 0 hosts it), and the
   * address to listen on from {@code BIGBATCH_LISTEN_ADDR} if set (required when ranks span hosts), else
   * {@link CommOptions#listenHost()}. The returned communicator owns the rendezvous and closes it last.
   */
  public static Communicator fromEnv(CommOptions options) {
    Map<String, String> env = System.getenv();
    WorldSpec world = EnvWorld.detect(env);
    JobSecret secret = JobSecret.fromEnv(env);
    String listen = env.getOrDefault("BIGBATCH_LISTEN_ADDR", options.listenHost());
    CommOptions opts = options.withListenHost(listen);
    var rendezvous = TcpStoreRendezvous.fromEnv(world, secret, env, opts.connectTimeout());
    try {
      return new TransportCommunicator(connectMesh(world, rendezvous, secret, opts), opts, rendezvous);
    } catch (RuntimeException e) {
      rendezvous.close();
      throw e;
    }
  }

  /** Like {@link #connect(WorldSpec, Rendezvous, CommOptions)} with an explicit job secret. */
  public static Communicator connect(WorldSpec world, Rendezvous rendezvous, JobSecret secret, CommOptions options) {
    return over(connectMesh(world, rendezvous, secret, options), options);
  }

  private static Transport connectMesh(WorldSpec world, Rendezvous rendezvous, JobSecret secret, CommOptions options) {
    try (TcpListener listener = TcpTransport.listen(world, options.listenHost(), secret, options.timeout(),
        options.operationTimeout())) {
      var endpoints = rendezvous.exchangeEndpoints(world, listener.endpoint(), options.connectTimeout());
      return listener.connectMesh(endpoints, options.connectTimeout());
    }
  }

  /** A communicator over an already connected transport, which it then owns and closes. */
  public static Communicator over(Transport transport, CommOptions options) {
    return new TransportCommunicator(transport, options);
  }
}
