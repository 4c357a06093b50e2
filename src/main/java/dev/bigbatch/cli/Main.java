package dev.bigbatch.cli;

import dev.bigbatch.data.DataFormatException;
import dev.bigbatch.engine.Natives;
import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.spec.DataSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.spec.OptimizerSpec;
import dev.bigbatch.spec.Specs;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.DivergedException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code bigbatch} command. Exit codes: 0 ok, 1 failure, 2 bad input. */
@Command(name = "bigbatch", mixinStandardHelpOptions = true, versionProvider = Main.BuildVersion.class,
    description = "Accurate large-minibatch synchronous SGD on LibTorch.",
    subcommands = {TrainCommand.class, LaunchCommand.class, LintCommand.class, PlanCommand.class, BenchCommand.class,
        ReproduceCommand.class, ReportCommand.class, NoiseScaleCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  /** {@code --version}: the version the build recorded ({@link dev.bigbatch.job.Version}). */
  static final class BuildVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"bigbatch " + dev.bigbatch.job.Version.current()};
    }
  }

  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    Natives.ensureCached();
    CommandLine cli = withSpecConverters(new CommandLine(new Main()));
    // Every help page lists -V/--version: let every subcommand answer it with the top level's version.
    shareVersion(cli, cli.getCommandSpec().version());
    cli.setParameterExceptionHandler((e, args2) -> {
      // One line, no usage dump: the flag and what is wrong (the setter's own message when it has one), and for a
      // mistyped subcommand or option the closest valid ones ("bigbatch trian").
      String message = oneLine(e);
      if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
        message += "; did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).toList()) + "?";
      }
      e.getCommandLine().getErr().println(prefix(e.getCommandLine()) + ": error: " + message + " (see --help)");
      return EXIT_BAD_INPUT;
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      String name = prefix(cmd);
      if (e instanceof IllegalArgumentException || e instanceof DataFormatException) {
        cmd.getErr().println(name + ": error: " + e.getMessage());
        return EXIT_BAD_INPUT;
      }
      if (e instanceof java.io.UncheckedIOException io) { // a file or socket failed: say which and why, in one line
        String why = io.getCause() == null || io.getMessage().contains(String.valueOf(io.getCause().getMessage())) ? ""
            : " (" + io.getCause().getMessage() + ")";
        cmd.getErr().println(name + ": error: " + io.getMessage() + why);
        return EXIT_FAILURE;
      }
      if (e instanceof DivergedException || e instanceof dev.bigbatch.comm.CommException
          || e instanceof dev.bigbatch.train.ReplicaDriftException || e instanceof IllegalStateException) {
        cmd.getErr().println(name + ": error: " + e.getMessage());
        return EXIT_FAILURE;
      }
      throw e;
    });
    return cli.execute(args);
  }

  /**
   * The message of a bad flag: the converter's or setter's own message when it has one, prefixed by the option's name
   * unless it already starts with a flag ("--warmup: unknown value 'sideways'; expected one of …").
   */
  static String oneLine(CommandLine.ParameterException e) {
    Throwable cause = e.getCause();
    if (!(cause instanceof IllegalArgumentException)) {
      return e.getMessage();
    }
    String message = cause.getMessage();
    if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec o && !message.startsWith("-")) {
      message = o.longestName() + ": " + message;
    }
    return message;
  }

  /** The job spec's enums read in their flag spelling ({@code --dataset fashion-mnist}), on this command and below. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static CommandLine withSpecConverters(CommandLine cli) {
    for (Class<? extends Enum> type : List.of(DataSpec.Kind.class, LrSpec.Warmup.class, LrSpec.Decay.class,
        LrSpec.Schedule.class, ScalingRule.class, OptimizerSpec.Kind.class, SyncSpec.Mode.class, SyncSpec.Topology.class,
        SyncSpec.Method.class, SyncSpec.Compression.class)) {
      cli.registerConverter((Class) type, v -> Specs.parseEnum((Class) type, v));
    }
    return cli;
  }

  /** "bigbatch" for the top level, "bigbatch train" for a subcommand (it said "bigbatch bigbatch" at the top). */
  private static String prefix(CommandLine cmd) {
    return cmd.getParent() == null ? "bigbatch" : "bigbatch " + cmd.getCommandSpec().qualifiedName(" ")
        .replaceFirst("^bigbatch ", "");
  }

  private static void shareVersion(CommandLine cmd, String[] version) {
    for (CommandLine sub : cmd.getSubcommands().values()) {
      if (sub.getCommandSpec().version().length == 0) {
        sub.getCommandSpec().version(version);
      }
      shareVersion(sub, version);
    }
  }
}
