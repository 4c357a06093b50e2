import dev.bigbatch.comm.*;
import dev.bigbatch.comm.algorithm.Reduction;
import java.nio.*;

/**
 * Per-element cost of the fp16 kernels on 4 Mi elements (docs/RESULTS-compression.md), after JIT warm-up:
 * encode (float32 to half with a scale), half SUM combine, decode, and the float32 SUM combine for comparison.
 * Run: java -cp target/classes bench/Fp16CodecMicro.java
 */
public class Fp16CodecMicro {
  public static void main(String[] a) {
    int n = 4 << 20;
    ByteBuffer fb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
    FloatBuffer f = fb.asFloatBuffer();
    for (int i = 0; i < n; i++) f.put(i, (float) Math.sin(i) * 0.01f);
    ByteBuffer h1 = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
    ByteBuffer h2 = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
    for (int rep = 0; rep < 6; rep++) {
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
      System.out.printf("encode %.2f ns/el, combine16 %.2f, decode %.2f, combine32 %.2f%n", (t1-t0)/(double)n, (t3-t2)/(double)n, (t4-t3)/(double)n, (t5-t4)/(double)n);
    }
  }
}
