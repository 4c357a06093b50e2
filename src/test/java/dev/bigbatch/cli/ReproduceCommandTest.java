package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.report.Budget;
import dev.bigbatch.report.Experiments;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** reproduce --dry-run prints train commands that the train command accepts; nothing is trained or written. */
class ReproduceCommandTest {
  @Test
  void dryRunPrintsTrainCommandsTheTrainParserAccepts(@TempDir Path dir) {
    for (String name : Experiments.NAMES) {
      StringWriter text = new StringWriter();
      CommandLine cli = new CommandLine(new Main());
      cli.setOut(new PrintWriter(text));
      int code = cli.execute("reproduce", name, "--budget", "quick", "--dry-run", "--out", dir.toString());
      assertEquals(0, code, text.toString());
      List<String> commands = text.toString().lines().filter(l -> l.startsWith("$ bigbatch train ")).toList();
      assertEquals(Experiments.plan(name, Budget.QUICK).runs().size(), commands.size(), text.toString());
      for (String c : commands) {
        String[] args = c.substring("$ bigbatch train ".length()).split(" ");
        new CommandLine(new TrainCommand()).parseArgs(args); // throws on an unknown flag or bad value
        assertTrue(Arrays.asList(args).contains("--out"));
      }
      assertNull(ReproduceCommand.missingTrainFeature(Experiments.plan(name, Budget.QUICK)), name);
    }
    assertTrue(!Files.exists(dir.resolve("goyal-table1")), "dry run writes nothing");
  }

  @Test
  void overridesChangeTheBudget() {
    ReproduceCommand r = new ReproduceCommand();
    new CommandLine(r).parseArgs("goyal-table1", "--budget", "full", "--seeds", "1", "--epochs", "5", "--model", "mlp");
    Budget b = r.budget();
    assertEquals(1, b.seeds());
    assertEquals(5, b.epochs());
    assertEquals(1, b.warmupEpochs());
    assertEquals("mlp", b.model());
  }
}
