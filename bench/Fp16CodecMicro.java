import dev.bigbatch.comm.*;
import dev.bigbatch.comm.algorithm.Reduction;
import java.nio.*;

/**
 * Per-element cost of the fp16 kernels (docs/RESULTS-compression.md): encode (float32 to half with a scale), half
 * SUM combine, decode, and the float32 SUM combine for comparison; 256 Ki elements (cache-resident), the best of
 * 200 repetitions after JIT warm-up. Run: java -cp target/classes bench/Fp16CodecMicro.java
 * (Java 20+ uses the JDK's half conversions; add -Dbigbatch.float16.scalar=true to time the Java 17 fallback.)
 */
public class Fp16CodecMicro {
  public static void main(String[] a) {
    int n = 1 << 18;
    ByteBuffer fb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
    FloatBuffer f = fb.asFloatBuffer();
    for (int i = 0; i < n; i++) f.put(i, (float) Math.sin(i) * 0.01f);
    ByteBuffer h1 = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
    ByteBuffer h2 = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
    double enc = 1e9, sum16 = 1e9, dec = 1e9, sum32 = 1e9;
    for (int rep = 0; rep < 200; rep++) {
      long t0 = System.nanoTime();
      Float16.encode(f, 1024f, h1.asShortBuffer());
      long t1 = System.nanoTime();
      Float16.encode(f, 512f, h2.asShortBuffer());
      long t2 = System.nanoTime();
      Reduction.combine(DataType.FLOAT16, ReduceOp.SUM, h1.duplicate(), h2.duplicate());
      long t3 = System.nanoTime();
      Float16.decode(h1.asShortBuffer(), 1f / 1024, f);
      long t4 = System.nanoTime();
      Reduction.combine(DataType.FLOAT32, ReduceOp.SUM, fb.duplicate(), fb.duplicate());
      long t5 = System.nanoTime();
      enc = Math.min(enc, (t1 - t0) / (double) n);
      sum16 = Math.min(sum16, (t3 - t2) / (double) n);
      dec = Math.min(dec, (t4 - t3) / (double) n);
      sum32 = Math.min(sum32, (t5 - t4) / (double) n);
    }
    System.out.printf("java %s, JDK half conversions %b: encode %.2f ns/el, combine16 %.2f, decode %.2f, combine32 %.2f%n",
        System.getProperty("java.version"), Float16.usesJdkConversions(), enc, sum16, dec, sum32);
  }
}
