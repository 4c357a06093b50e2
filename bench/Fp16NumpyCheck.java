import dev.bigbatch.comm.Float16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares Float16.fromFloat with numpy's float32 -> float16 cast on the floats bench/fp16_numpy_check.py
 * writes (one-off cross-check of the codec; the unit tests use their own table-search reference).
 * Run: /usr/bin/python3 bench/fp16_numpy_check.py && java -cp target/classes bench/Fp16NumpyCheck.java \
 *   /tmp/np_f32.bin /tmp/np_f16.bin
 */
public class Fp16NumpyCheck {
    public static void main(String[] a) throws Exception {
        ByteBuffer f = ByteBuffer.wrap(Files.readAllBytes(Path.of(a[0]))).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(Path.of(a[1]))).order(ByteOrder.LITTLE_ENDIAN);
        int n = f.remaining() / 4, bad = 0, nan = 0;
        for (int i = 0; i < n; i++) {
            float x = f.getFloat(4 * i);
            short want = h.getShort(2 * i);
            short got = Float16.fromFloat(x);
            if (Float.isNaN(x)) { nan++; if ((got & 0x7c00) != 0x7c00 || (got & 0x3ff) == 0) bad++; continue; }
            if (got != want) { if (bad++ < 5) System.out.println("mismatch " + x + " numpy " + want + " ours " + got); }
        }
        System.out.println(n + " floats compared with numpy (" + nan + " NaN checked as NaN): " + bad + " mismatches");
    }
}
