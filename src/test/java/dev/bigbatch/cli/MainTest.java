package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The top-level CLI as a new user meets it (issue 20): typos get suggestions, every -V answers. */
class MainTest {
  @Test
  void aMistypedSubcommandGetsOneLineWithTheClosestCommands() {
    TrainCommandTest.Outcome o = TrainCommandTest.run("trian");
    assertEquals(2, o.code(), o.err());
    assertEquals(1, o.err().strip().lines().count(), o.err());
    assertTrue(o.err().startsWith("bigbatch: error: ") && o.err().contains("'trian'") && o.err().contains("did you mean")
        && o.err().contains("train"), o.err());
    assertFalse(o.err().contains("bigbatch bigbatch"), o.err());
  }

  @Test
  void everySubcommandAnswersVersion() {
    for (String[] args : new String[][] {{"-V"}, {"train", "-V"}, {"bench", "step", "--version"}, {"lint", "-V"}}) {
      PrintStream old = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      int code;
      try {
        code = Main.run(args);
      } finally {
        System.setOut(old);
      }
      assertEquals(0, code, String.join(" ", args));
      assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("bigbatch "), String.join(" ", args) + ": '" + out + "'");
    }
  }
}
