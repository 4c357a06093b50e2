package dev.bigbatch.comm.bench;

import dev.bigbatch.comm.AllreduceAlgorithm;
import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.Float16;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.EnvWorld;
import dev.bigbatch.comm.rendezvous.TcpStore;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Allreduce (float32 sum) time and bandwidth per buffer size and algorithm, and optionally per element
 * type on the wire ({@code --dtypes float32,float16}).
 *
 * <p>Sizes are float32 gradient bytes in every row. A float16 row (impl {@code bigbatch-fp16}) times what
 * {@code train --grad-compression fp16} pays for that gradient: encode to halves, allreduce FLOAT16 (half
 * the bytes), decode; its algbw is gradient bytes / time, so it compares directly with the float32 row.
 *
 * <p>algbw = bytes / time; busbw = algbw · 2(k−1)/k, the bytes each rank's link carries per second for a
 * bandwidth-optimal allreduce (NCCL-tests' convention), comparable with the link rate.
 *
 * <p>Two ways to run: {@code --ranks K} starts K ranks as threads of this JVM over loopback TCP;
 * {@code --env} runs one rank per process, placed by {@code BIGBATCH_RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT}
 * and {@code BIGBATCH_SECRET} (e.g. one process per network namespace); rank 0 prints.
 */
public final class AllreduceBench {
  /** Benchmark settings. Sizes are in bytes; each size runs for about {@code secondsPerSize}. */
  public record Options(int ranks, List<Long> sizes, List<AllreduceAlgorithm> algorithms, boolean fromEnv,
      String listenHost, Duration timeout, int chunkBytes, double secondsPerSize, List<DataType> types) {
    public Options(int ranks, List<Long> sizes, List<AllreduceAlgorithm> algorithms, boolean fromEnv,
        String listenHost, Duration timeout, int chunkBytes, double secondsPerSize) {
      this(ranks, sizes, algorithms, fromEnv, listenHost, timeout, chunkBytes, secondsPerSize,
          List.of(DataType.FLOAT32));
    }
  }

  /**
   * One measurement: {@code seconds} is the mean time of one allreduce of {@code bytes} float32 bytes on
   * rank 0, sent as {@code type} (FLOAT16: including the encode and decode).
   */
  public record Row(AllreduceAlgorithm algorithm, int ranks, long bytes, int iters, double seconds, DataType type) {
    public Row(AllreduceAlgorithm algorithm, int ranks, long bytes, int iters, double seconds) {
      this(algorithm, ranks, bytes, iters, seconds, DataType.FLOAT32);
    }

    public double algbwGBps() {
      return bytes / seconds / 1e9;
    }

    public double busbwGBps() {
      return algbwGBps() * 2.0 * (ranks - 1) / ranks;
    }
  }

  private AllreduceBench() {
  }

  public static void main(String[] args) throws Exception {
    run(parse(args), System.out);
  }

  /** Runs the benchmark and prints one line per (algorithm, size) to {@code out}; returns the rows. */
  public static List<Row> run(Options o, PrintStream out) throws Exception {
    CommOptions comm = CommOptions.defaults().withTimeout(o.timeout()).withChunkBytes(o.chunkBytes())
        .withListenHost(o.listenHost());
    if (o.fromEnv()) {
      Map<String, String> env = System.getenv();
      WorldSpec world = EnvWorld.detect(env);
      JobSecret secret = JobSecret.fromEnv(env);
      try (TcpStoreRendezvous rdv = TcpStoreRendezvous.fromEnv(world, secret, env, comm.connectTimeout());
          Communicator c = Communicators.connect(world, rdv, secret, comm)) {
        return rank(c, o, out);
      }
    }
    JobSecret secret = JobSecret.random();
    ExecutorService pool = Executors.newFixedThreadPool(o.ranks());
    try (TcpStore store = TcpStore.start(new InetSocketAddress(o.listenHost(), 0), secret)) {
      List<Future<List<Row>>> futures = new ArrayList<>();
      for (int r = 0; r < o.ranks(); r++) {
        WorldSpec world = new WorldSpec(r, o.ranks());
        futures.add(pool.submit(() -> {
          try (TcpStoreRendezvous rdv = TcpStoreRendezvous.join(store.address(), secret, "bench",
              comm.connectTimeout());
              Communicator c = Communicators.connect(world, rdv, secret, comm)) {
            return rank(c, o, out);
          }
        }));
      }
      List<Row> rows = List.of();
      for (Future<List<Row>> f : futures) {
        List<Row> r = f.get();
        rows = r.isEmpty() ? rows : r;
      }
      return rows;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
    }
  }

  private static List<Row> rank(Communicator c, Options o, PrintStream out) {
    boolean print = c.rank() == 0;
    if (print) {
      out.println(header(c.size()));
    }
    long maxBytes = o.sizes().stream().mapToLong(Long::longValue).max().orElse(0);
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) maxBytes).order(ByteOrder.nativeOrder());
    FloatBuffer itersMsg = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    List<Row> rows = new ArrayList<>();
    // JIT warm-up of both algorithms before the first measured size.
    for (AllreduceAlgorithm algorithm : o.algorithms()) {
      ByteBuffer warm = buffer.slice(0, (int) Math.min(maxBytes, 64 << 10)).order(ByteOrder.nativeOrder());
      for (int i = 0; i < 50; i++) {
        c.allreduceAsync(warm, DataType.FLOAT32, ReduceOp.SUM, algorithm).await();
      }
    }
    ByteBuffer wire = ByteBuffer.allocateDirect((int) (maxBytes / 2)).order(ByteOrder.nativeOrder());
    for (DataType type : o.types()) {
      for (AllreduceAlgorithm algorithm : o.algorithms()) {
        for (long bytes : o.sizes()) {
          ByteBuffer data = buffer.slice(0, (int) bytes).order(ByteOrder.nativeOrder());
          ByteBuffer halves = wire.slice(0, (int) (bytes / 2)).order(ByteOrder.nativeOrder());
          Runnable once = type == DataType.FLOAT16 ? () -> allreduceAsHalves(c, data, halves, algorithm)
              : () -> c.allreduceAsync(data, DataType.FLOAT32, ReduceOp.SUM, algorithm).await();
          // Warm up twice; rank 0 picks the iteration count so that the size takes ~secondsPerSize.
          once.run();
          long w0 = System.nanoTime();
          once.run();
          double warm = (System.nanoTime() - w0) / 1e9;
          itersMsg.put(0, (float) Math.max(1, Math.min(2000, Math.round(o.secondsPerSize() / warm))));
          c.broadcast(itersMsg, 0);
          int iters = (int) itersMsg.get(0);
          c.barrier();
          long t0 = System.nanoTime();
          for (int i = 0; i < iters; i++) {
            once.run();
          }
          double seconds = (System.nanoTime() - t0) / 1e9 / iters;
          Row row = new Row(algorithm, c.size(), bytes, iters, seconds, type);
          rows.add(row);
          if (print) {
            out.println(format("bigbatch", row));
            out.flush();
          }
        }
      }
    }
    return print ? rows : List.of();
  }

  /** What fp16 gradient compression does per bucket: float32 → halves, FLOAT16 allreduce, halves → float32. */
  private static void allreduceAsHalves(Communicator c, ByteBuffer floats, ByteBuffer halves, AllreduceAlgorithm algorithm) {
    FloatBuffer f = floats.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    Float16.encode(f, 1f, halves.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer());
    c.allreduceAsync(halves, DataType.FLOAT16, ReduceOp.SUM, algorithm).await();
    Float16.decode(halves.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer(), 1f, f);
  }

  /** Column header shared with {@code bench/gloo_allreduce.py}. */
  public static String header(int ranks) {
    return String.format(Locale.ROOT, "# ranks=%d%n%-10s %-17s %12s %6s %12s %11s %11s", ranks, "impl",
        "algorithm", "bytes", "iters", "time_us", "algbw_GB/s", "busbw_GB/s");
  }

  static String format(String impl, Row r) {
    return String.format(Locale.ROOT, "%-10s %-17s %12d %6d %12.1f %11.3f %11.3f",
        r.type() == DataType.FLOAT16 ? impl + "-fp16" : impl,
        r.algorithm().name().toLowerCase(Locale.ROOT), r.bytes(), r.iters(), r.seconds() * 1e6,
        r.algbwGBps(), r.busbwGBps());
  }

  /**
   * Parses {@code --ranks K --bytes 4K..256M|4K,1M --algorithms ring,halving_doubling --env
   * --listen HOST --timeout-s S --chunk-bytes N --seconds-per-size S --dtypes float32,float16}. A range
   * steps by 4x.
   */
  public static Options parse(String[] args) {
    int ranks = 2;
    List<Long> sizes = range(4L << 10, 256L << 20);
    List<AllreduceAlgorithm> algorithms = List.of(AllreduceAlgorithm.RING, AllreduceAlgorithm.HALVING_DOUBLING);
    boolean env = false;
    String listen = "127.0.0.1";
    Duration timeout = Duration.ofSeconds(60);
    int chunk = 1 << 20;
    double seconds = 1.0;
    List<DataType> types = List.of(DataType.FLOAT32);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--ranks" -> ranks = Integer.parseInt(args[++i]);
        case "--bytes" -> sizes = parseSizes(args[++i]);
        case "--algorithms" -> {
          List<AllreduceAlgorithm> list = new ArrayList<>();
          for (String s : args[++i].split(",")) {
            list.add(AllreduceAlgorithm.valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_')
                .replace("HD", "HALVING_DOUBLING")));
          }
          algorithms = list;
        }
        case "--env" -> env = true;
        case "--listen" -> listen = args[++i];
        case "--timeout-s" -> timeout = Duration.ofSeconds(Long.parseLong(args[++i]));
        case "--chunk-bytes" -> chunk = (int) parseSize(args[++i]);
        case "--seconds-per-size" -> seconds = Double.parseDouble(args[++i]);
        case "--dtypes" -> {
          List<DataType> list = new ArrayList<>();
          for (String s : args[++i].split(",")) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            list.add(switch (t) {
              case "float32", "fp32" -> DataType.FLOAT32;
              case "float16", "fp16" -> DataType.FLOAT16;
              default -> throw new IllegalArgumentException("--dtypes: unknown type '" + s
                  + "'; expected float32 or float16");
            });
          }
          types = list;
        }
        default -> throw new IllegalArgumentException("unknown option " + a + "; see AllreduceBench.parse");
      }
    }
    if (ranks < 1) {
      throw new IllegalArgumentException("--ranks must be >= 1");
    }
    return new Options(ranks, sizes, algorithms, env, listen, timeout, chunk, seconds, types);
  }

  static List<Long> parseSizes(String s) {
    if (s.contains("..")) {
      String[] ends = s.split("\\.\\.");
      return range(parseSize(ends[0]), parseSize(ends[1]));
    }
    List<Long> out = new ArrayList<>();
    for (String part : s.split(",")) {
      out.add(parseSize(part.trim()));
    }
    return out;
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long b = from; b <= to; b *= 4) {
      out.add(b);
    }
    return out;
  }

  /** "4096", "4K", "16M", "1G" (binary units); rounded down to whole floats. */
  static long parseSize(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT).replace("B", "").replace("I", "");
    long mult = 1;
    if (t.endsWith("K")) {
      mult = 1L << 10;
    } else if (t.endsWith("M")) {
      mult = 1L << 20;
    } else if (t.endsWith("G")) {
      mult = 1L << 30;
    }
    if (mult != 1) {
      t = t.substring(0, t.length() - 1);
    }
    long bytes = Long.parseLong(t) * mult;
    return bytes / 4 * 4;
  }
}
