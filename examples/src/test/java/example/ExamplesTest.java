package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples as a user runs them, each in its own JVM against the installed bigbatch artifact: our own model on our
 * own data reaches an accuracy stated before the runs, two processes equal one, and the README's first Java program
 * compiles and trains.
 */
class ExamplesTest {
  /** Stated before the runs: 15 epochs of the recipe on 1500 digits must reach this on the 297 held-out ones. */
  static final double DIGITS_MIN_ACCURACY = 0.90;

  @BeforeAll
  static void needsData() {
    Assumptions.assumeTrue(Files.isRegularFile(Digits.DEFAULT), "apt-get install python3-sklearn (the digits data)");
  }

  @Test
  void ownModelOnOwnDataTrainsWithTheRecipe(@TempDir Path dir) throws Exception {
    Result r = java(List.of(), DigitsExample.class.getName(), dir.resolve("run").toString());
    assertEquals(0, r.code(), r.output());
    Matcher m = Pattern.compile("digits: test accuracy ([0-9.]+) after 15 epochs \\(1 processes\\)").matcher(r.output());
    assertTrue(m.find(), r.output());
    double accuracy = Double.parseDouble(m.group(1));
    assertTrue(accuracy >= DIGITS_MIN_ACCURACY, "test accuracy " + accuracy + " < " + DIGITS_MIN_ACCURACY);
    JsonNode job = new ObjectMapper().readTree(dir.resolve("run").resolve("config.json").toFile()).path("job");
    assertEquals("user:digits-cnn", job.path("model").path("architecture").asText(), "the program's own model");
    assertEquals("user", job.path("data").path("dataset").asText(), "the program's own data");
  }

  @Test
  void twoProcessesEqualOne(@TempDir Path dir) throws Exception {
    Result r = java(List.of(), TwoProcesses.class.getName(), dir.toString());
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("two processes vs one:"), r.output());
  }

  @Test
  void readmeFirstJavaProgramCompilesAndTrains(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")),
        "apt-get install dataset-fashion-mnist");
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("## Use from Java");
    assertTrue(section >= 0, "README has a 'Use from Java' section");
    int start = readme.indexOf("```java\n", section);
    int end = readme.indexOf("```", start + 8);
    String program = readme.substring(start + 8, end);
    Matcher name = Pattern.compile("public class (\\w+)").matcher(program);
    assertTrue(name.find(), program);
    Path src = dir.resolve("src").resolve(name.group(1) + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, program);
    Path classes = dir.resolve("classes");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int compiled = javac.run(null, null, null, "--release", "17", "-cp", System.getProperty("java.class.path"), "-d",
        classes.toString(), src.toString());
    assertEquals(0, compiled, "the README's program compiles against the artifact");
    Result r = java(List.of(classes.toString()), name.group(1), dir.resolve("run").toString());
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("test accuracy"), r.output());
  }

  record Result(int code, String output) {}

  /** Runs {@code main} in a fresh JVM with this test's classpath (plus {@code extraClasspath}). */
  static Result java(List<String> extraClasspath, String main, String... args) throws IOException, InterruptedException {
    List<String> cp = new ArrayList<>(extraClasspath);
    cp.add(System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", String.join(File.pathSeparator, cp), main));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }
}
