package dev.bigbatch.comm.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RendezvousTest {
  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void worldSpecIsValidated() {
    assertEquals(new WorldSpec(2, 3), new WorldSpec(2, 3));
    assertThrows(IllegalArgumentException.class, () -> new WorldSpec(3, 3));
    assertThrows(IllegalArgumentException.class, () -> new WorldSpec(-1, 3));
    assertThrows(IllegalArgumentException.class, () -> new WorldSpec(0, 0));
  }

  @Test
  void envModes() {
    assertEquals(new WorldSpec(1, 4), EnvWorld.detect(Map.of("BIGBATCH_RANK", "1", "BIGBATCH_WORLD_SIZE", "4")));
    assertEquals(new WorldSpec(2, 3), EnvWorld.detect(Map.of("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "3")));
    assertEquals(new WorldSpec(0, 8), EnvWorld.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "8")));
    // bigbatch's own variables win over the launcher's.
    assertEquals(new WorldSpec(0, 2), EnvWorld.detect(Map.of("BIGBATCH_RANK", "0", "BIGBATCH_WORLD_SIZE", "2",
        "SLURM_PROCID", "5", "SLURM_NTASKS", "8")));
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> EnvWorld.detect(Map.of()));
    assertTrue(none.getMessage().contains("BIGBATCH_RANK"));
    assertThrows(IllegalArgumentException.class, () -> EnvWorld.detect(Map.of("BIGBATCH_RANK", "0")));
    assertThrows(IllegalArgumentException.class, () -> EnvWorld.detect(Map.of("BIGBATCH_RANK", "x", "BIGBATCH_WORLD_SIZE", "2")));
    assertThrows(IllegalArgumentException.class, () -> EnvWorld.detect(Map.of("BIGBATCH_RANK", "2", "BIGBATCH_WORLD_SIZE", "2")));
    assertEquals(new InetSocketAddress("127.0.0.1", 29500),
        EnvWorld.masterAddress(Map.of("BIGBATCH_MASTER_ADDR", "127.0.0.1", "BIGBATCH_MASTER_PORT", "29500")));
    assertThrows(IllegalArgumentException.class, () -> EnvWorld.masterAddress(Map.of("BIGBATCH_MASTER_ADDR", "h")));
  }

  @Test
  void secretFromEnvOrPrivateFile(@TempDir Path dir) throws Exception {
    assertThrows(IllegalArgumentException.class, () -> JobSecret.fromEnv(Map.of()));
    JobSecret.fromEnv(Map.of("BIGBATCH_SECRET", "s3cret"));
    Path file = dir.resolve("secret");
    Files.writeString(file, "from-file\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
        () -> JobSecret.fromEnv(Map.of("BIGBATCH_SECRET_FILE", file.toString())));
    assertTrue(open.getMessage().contains("chmod 600"), open.getMessage());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    JobSecret fromFile = JobSecret.fromEnv(Map.of("BIGBATCH_SECRET_FILE", file.toString()));
    assertEquals("JobSecret[redacted]", fromFile.toString());

    // The trailing newline is not part of the secret: the file and the string authenticate each other.
    try (TcpStore store = TcpStore.start(ANY, fromFile);
        TcpStoreClient c = TcpStoreClient.connect(store.address(), JobSecret.of("from-file"), 0, Duration.ofSeconds(5))) {
      c.set("k", new byte[] {1});
    }
  }

  @Test
  void storeSetGetWaitsAndTimesOut() throws Exception {
    JobSecret secret = JobSecret.random();
    try (TcpStore store = TcpStore.start(ANY, secret);
        TcpStoreClient a = TcpStoreClient.connect(store.address(), secret, 0, Duration.ofSeconds(5));
        TcpStoreClient b = TcpStoreClient.connect(store.address(), secret, 1, Duration.ofSeconds(5))) {
      Thread setter = new Thread(() -> {
        sleep(200);
        b.set("late", new byte[] {4, 5});
      });
      setter.start();
      assertArrayEquals(new byte[] {4, 5}, a.get("late", Duration.ofSeconds(5)).orElseThrow());
      setter.join();
      assertTrue(a.get("never", Duration.ofMillis(100)).isEmpty());
    }
  }

  @Test
  void storeRefusesStrangersAndKeepsServing() throws Exception {
    JobSecret secret = JobSecret.random();
    try (TcpStore store = TcpStore.start(ANY, secret)) {
      assertThrows(UncheckedIOException.class,
          () -> TcpStoreClient.connect(store.address(), JobSecret.random(), 0, Duration.ofSeconds(5)));
      try (SocketChannel raw = SocketChannel.open(store.address())) {
        raw.write(ByteBuffer.wrap("\u0000\u0000\u0000\u0010garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage".getBytes()));
        ByteBuffer sink = ByteBuffer.allocate(1024);
        int n;
        do {
          sink.clear();
          n = dev.bigbatch.comm.transport.FakePeerTest.readOrReset(raw, sink);
        } while (n >= 0);
      }
      // Authenticated but malformed request: dropped, store survives.
      try (TcpStoreClient c = TcpStoreClient.connect(store.address(), secret, 0, Duration.ofSeconds(5))) {
        assertThrows(UncheckedIOException.class, () -> c.set("x".repeat(5000), new byte[1]));
      }
      try (TcpStoreClient c = TcpStoreClient.connect(store.address(), secret, 0, Duration.ofSeconds(5))) {
        c.set("ok", new byte[] {9});
        assertArrayEquals(new byte[] {9}, c.get("ok", Duration.ofSeconds(1)).orElseThrow());
      }
    }
  }

  @Test
  void rendezvousExchangesEndpointsAndReportsMissingRanks() throws Exception {
    JobSecret secret = JobSecret.random();
    try (TcpStore store = TcpStore.start(ANY, secret)) {
      TcpStoreRendezvous rdv = TcpStoreRendezvous.join(store.address(), secret, "t", Duration.ofSeconds(5));
      WorldSpec w = new WorldSpec(0, 2);
      CommException e = assertThrows(CommException.class,
          () -> rdv.exchangeEndpoints(w, new InetSocketAddress("127.0.0.1", 1234), Duration.ofMillis(300)));
      assertTrue(e.getMessage().contains("rank 1 did not publish"), e.getMessage());
      var other = new Thread(() -> rdv.exchangeEndpoints(new WorldSpec(1, 2),
          new InetSocketAddress("127.0.0.1", 5678), Duration.ofSeconds(5)));
      other.start();
      var all = rdv.exchangeEndpoints(w, new InetSocketAddress("127.0.0.1", 1234), Duration.ofSeconds(5));
      other.join();
      assertEquals(1234, all.get(0).getPort());
      assertEquals(5678, all.get(1).getPort());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
