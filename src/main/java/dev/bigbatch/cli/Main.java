package dev.bigbatch.cli;

import dev.bigbatch.data.DataFormatException;
import dev.bigbatch.engine.Natives;
import dev.bigbatch.train.DivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code bigbatch} command. Exit codes: 0 ok, 1 failure, 2 bad input. */
@Command(name = "bigbatch", mixinStandardHelpOptions = true, version = "bigbatch 0.1.0",
    description = "Accurate large-minibatch synchronous SGD on LibTorch.",
    subcommands = {TrainCommand.class, LintCommand.class, PlanCommand.class, LaunchCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    Natives.ensureCached();
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler((e, args2) -> {
      // One line, no usage dump: the flag and what is wrong (the setter's own message when it has one).
      Throwable cause = e.getCause();
      String message = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getMessage();
      e.getCommandLine().getErr().println("bigbatch " + e.getCommandLine().getCommandName() + ": error: " + message
          + " (see --help)");
      return EXIT_BAD_INPUT;
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      String name = cmd.getCommandName();
      if (e instanceof IllegalArgumentException || e instanceof DataFormatException) {
        cmd.getErr().println("bigbatch " + name + ": error: " + e.getMessage());
        return EXIT_BAD_INPUT;
      }
      if (e instanceof DivergedException || e instanceof dev.bigbatch.comm.CommException
          || e instanceof dev.bigbatch.train.ReplicaDriftException || e instanceof IllegalStateException) {
        cmd.getErr().println("bigbatch " + name + ": error: " + e.getMessage());
        return EXIT_FAILURE;
      }
      throw e;
    });
    return cli.execute(args);
  }
}
