package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input: one line naming the flag or file, exit code 2, nothing written. */
class TrainCommandTest {
  record Outcome(int code, String err) {}

  /**
   * {@code train FLAGS --out DIR/out} is refused: exit 2, one line on stderr containing {@code expected}, and no
   * metrics written. Returns the out directory for further checks.
   */
  static Path assertRejected(String flags, String expected, Path dir) {
    Path out = dir.resolve("out");
    Outcome o = run(("train " + flags.trim() + " --out " + out).split("\\s+"));
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
    assertFalse(Files.exists(out.resolve("metrics.jsonl")), "nothing written for bad input");
    return out;
  }

  static Outcome run(String... args) {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Outcome(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(oldErr);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--batch-per-worker 0 | --batch-per-worker must be > 0",
      "--workers -3 | --workers must be > 0",
      "--model vgg11 | unknown model 'vgg11'",
      "--lr 0 | --lr must be a positive number",
      "--lr -0.5 | --lr must be a positive number",
      "--epochs 1 --warmup-epochs 2 | warmup of 2.00 epochs is not shorter than training",
      "--warmup sideways | --warmup: unknown value 'sideways'",
      "--epochs 2 --decay step --decay-epochs 3 | --decay-epochs values must lie in (0, epochs=2.0)",
      "--workers 4096 --batch-per-worker 32 --epochs 1 --warmup none | global batch 131072",
      "--optimizer adamw | --optimizer: unknown value 'adamw'; expected one of sgd, lars, lamb",
      "--optimizer lars --trust-coefficient 0 | --trust-coefficient must be a positive number, got 0.0",
      "--optimizer lars --trust-coefficient -1e-3 | --trust-coefficient must be a positive number",
      "--optimizer lamb --beta1 1 | --beta1 must be in [0, 1), got 1.0",
      "--optimizer lamb --beta2 -0.1 | --beta2 must be in [0, 1), got -0.1",
      "--optimizer lamb --eps 0 | --eps must be a positive number, got 0.0",
      "--optimizer lamb --eps NaN | --eps must be a positive number, got NaN",
      "--model lstm --width 0 | --width must be > 0",
      "--schedule autowu --decay step | --schedule autowu decays to zero after its warmup: use --decay cosine or --decay poly",
      "--schedule sometimes | --schedule: unknown value 'sometimes'; expected one of recipe, autowu",
      "--schedule autowu --autowu-max-warmup 0 | --autowu-max-warmup must be in (0, 1]",
      "--schedule autowu --autowu-max-lr 0.01 | --autowu-max-lr 0.01 must exceed the warmup start",
      "--schedule autowu --autowu-patience 0 | --autowu-patience must be >= 1",
      "--threads -2 | --threads must be >= 0",
      "--checkpoint-every -1 | --checkpoint-every must be >= 0",
      "--comm-timeout -1 | --comm-timeout must be a positive number",
      "--bucket-mb -1 | --bucket-mb must be >= 0",
      "--dataset imagenet | --dataset: unknown value 'imagenet'; expected one of fashion-mnist, mnist, cifar10",
      "--model resnet10 | --model: ResNet depth must be 6n+2",
      "--decent-method dmsgd | --decent-method only applies with --sync decentralized",
  })
  void badFlagsGetOneLineAndExitTwo(String flags, String expected, @TempDir Path dir) {
    String[] args = (flags.trim() + " --out " + dir.resolve("out")).split("\\s+");
    String[] full = new String[args.length + 1];
    full[0] = "train";
    System.arraycopy(args, 0, full, 1, args.length);
    Outcome o = run(full);
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
    assertFalse(Files.exists(dir.resolve("out").resolve("metrics.jsonl")), "nothing written for bad input");
  }

  @ParameterizedTest
  @CsvSource({"truncated", "missing"})
  void badDataFilesNameTheFile(String kind, @TempDir Path dir) throws Exception {
    Path data = dir.resolve("fmnist");
    Files.createDirectories(data);
    if (kind.equals("truncated")) {
      // An IDX image header promising 60000 images, with no pixels behind it.
      byte[] header = {0, 0, 8, 3, 0, 0, (byte) 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28};
      Files.write(data.resolve("train-images-idx3-ubyte"), header);
      byte[] labels = new byte[8 + 60000];
      byte[] labelHeader = {0, 0, 8, 1, 0, 0, (byte) 0xEA, 0x60};
      System.arraycopy(labelHeader, 0, labels, 0, 8);
      Files.write(data.resolve("train-labels-idx1-ubyte"), labels);
    }
    Outcome o = run("train", "--data", data.toString(), "--out", dir.resolve("out").toString());
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("train-images-idx3-ubyte"), o.err());
    assertEquals(1, o.err().strip().lines().count(), o.err());
  }
}
