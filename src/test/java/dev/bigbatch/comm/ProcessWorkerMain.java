package dev.bigbatch.comm;

import dev.bigbatch.comm.rendezvous.EnvWorld;
import java.nio.FloatBuffer;
import java.time.Duration;

/**
 * One rank as a separate JVM, configured only through the environment (BIGBATCH_RANK, ..._WORLD_SIZE,
 * ..._MASTER_ADDR/PORT, ..._SECRET). Modes: {@code check} runs each collective once and verifies it;
 * {@code loop} allreduces forever (for fault injection). Reports on stdout, one line per event.
 */
public final class ProcessWorkerMain {
  private ProcessWorkerMain() {
  }

  public static void main(String[] args) {
    String mode = args[0];
    Duration timeout = Duration.ofMillis(Long.parseLong(args[1]));
    WorldSpec world = EnvWorld.detect(System.getenv());
    CommOptions options = CommOptions.defaults().withTimeout(timeout).withConnectTimeout(Duration.ofSeconds(60))
        .withChunkBytes(64 << 10);
    int code = 0;
    try (Communicator comm = Communicators.fromEnv(options)) {
      say("READY " + world.rank());
      if (mode.equals("check")) {
        check(comm);
        say("OK " + world.rank());
      } else {
        loop(comm);
      }
    } catch (PeerFailureException e) {
      say("PEER_FAILURE " + e.peerRank() + " " + e.getMessage());
      code = 3;
    } catch (RuntimeException e) {
      say("ERROR " + e);
      code = 4;
    }
    System.exit(code);
  }

  private static void check(Communicator comm) {
    int n = comm.size();
    int r = comm.rank();
    for (AllreduceAlgorithm algorithm : new AllreduceAlgorithm[] {AllreduceAlgorithm.RING, AllreduceAlgorithm.HALVING_DOUBLING}) {
      FloatBuffer b = Buffers.floats(100_003, i -> r + i % 101);
      comm.allreduceAsync(b, ReduceOp.SUM, algorithm).await();
      expect(Buffers.firstMismatch(b, i -> n * (n - 1) / 2.0 + n * (i % 101), 0), algorithm.toString());
    }
    FloatBuffer bc = Buffers.floats(5000, i -> r == n - 1 ? i : 0);
    comm.broadcast(bc, n - 1);
    expect(Buffers.firstMismatch(bc, i -> i, 0), "broadcast");
    FloatBuffer all = Buffers.floats(3 * n, i -> -1);
    comm.allgather(Buffers.floats(3, i -> r), all);
    expect(Buffers.firstMismatch(all, i -> i / 3, 0), "allgather");
    comm.barrier();
  }

  private static void loop(Communicator comm) {
    int n = comm.size();
    int r = comm.rank();
    FloatBuffer b = Buffers.floats(1_000_000, i -> 0);
    for (long iter = 0; ; iter++) {
      for (int i = 0; i < b.limit(); i++) {
        b.put(i, r + i % 7);
      }
      comm.allreduceAsync(b, ReduceOp.SUM, iter % 2 == 0 ? AllreduceAlgorithm.RING : AllreduceAlgorithm.HALVING_DOUBLING).await();
      expect(Buffers.firstMismatch(b, i -> n * (n - 1) / 2.0 + n * (i % 7), 0), "iteration " + iter);
      say("ITER " + iter);
    }
  }

  private static void expect(int mismatch, String what) {
    if (mismatch >= 0) {
      say("WRONG " + what + " at element " + mismatch);
      System.exit(5);
    }
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
