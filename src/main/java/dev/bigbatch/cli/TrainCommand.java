package dev.bigbatch.cli;

import dev.bigbatch.job.Job;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bigbatch train}: the flags are the fields of {@link JobSpec.Builder} (picocli mixins, one per concern), the
 * job runs as {@link Job}. {@code --config FILE} starts from a run's {@code config.json}; flags given as well override
 * it.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train with the large-minibatch recipe (k virtual workers of n examples, per-worker BN).")
public final class TrainCommand implements Callable<Integer> {
  @Mixin
  JobSpec.Builder job = JobSpec.builder();

  @Option(names = "--config", paramLabel = "FILE", description = "Rerun a job: start from this config.json (a run "
      + "directory's, or a bare job spec); flags given as well override it.")
  Path config;

  @Option(names = "--resume", paramLabel = "FILE", description = "Continue from this checkpoint (same settings, same "
      + "worker count). With --sync decentralized give the --checkpoint path: every rank reads its own FILE-rank<r> "
      + "(or, after a stop during a save, all fall back to the previous save); the same process count, --topology and "
      + "--decent-method are required.")
  Path resume;

  @Option(names = "--resume-allow", paramLabel = "FLAG", split = ",", description = "With --resume: settings that may "
      + "differ from the checkpoint's run, named by their flag without dashes, e.g. epochs to train longer (the change "
      + "and its effect on the learning rate are printed). Without it any change to the math is refused.")
  List<String> resumeAllow = List.of();

  @Spec
  CommandSpec commandSpec;

  /**
   * Parses {@code bigbatch train} flags without running them (for runners that embed the trainer).
   *
   * @throws IllegalArgumentException naming the bad flag
   */
  public static TrainCommand parse(String... args) {
    TrainCommand cmd = new TrainCommand();
    try {
      Main.withSpecConverters(new CommandLine(cmd)).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(Main.oneLine(e), e);
    }
    return cmd;
  }

  /**
   * The validated job these flags describe: the defaults of {@code bigbatch train}, or the {@code --config} file's job,
   * with the flags given on the command line set over it.
   *
   * @throws IllegalArgumentException naming the flag (or the file and key) that is wrong
   */
  public JobSpec spec() {
    if (config == null) {
      return job.build();
    }
    List<String> given = new ArrayList<>();
    CommandLine.ParseResult parsed = commandSpec.commandLine().getParseResult();
    for (OptionSpec o : parsed.matchedOptions()) {
      if (o.userObject() instanceof Field f) {
        Specs.pathOf(f).ifPresent(given::add); // --config, --resume and the like are not settings of the job
      }
    }
    return Specs.builder(config, Specs.overlay(Specs.readJob(config), job, given)).build();
  }

  /** Continues from {@code file} instead of rank 0's initial parameters, as {@code --resume FILE} does. */
  public TrainCommand resumeFrom(Path file) {
    this.resume = file;
    return this;
  }

  /** The checkpoint this run continues from ({@code --resume} or {@link #resumeFrom}), or null. */
  public Path resumePath() {
    return resume;
  }

  /** The job these flags describe, not yet run. */
  public Job job() {
    List<String> args = commandSpec == null || commandSpec.commandLine().getParseResult() == null ? List.of()
        : commandSpec.commandLine().getParseResult().originalArgs();
    int at = commandSpec == null ? -1 : args.indexOf(commandSpec.name());
    if (!resumeAllow.isEmpty() && resume == null) {
      throw new IllegalArgumentException("--resume-allow only applies with --resume");
    }
    return Job.of(spec()).resumeFrom(resume, resumeAllow)
        .commandLine(at >= 0 && commandSpec.parent() != null ? args.subList(at + 1, args.size()) : args);
  }

  @Override
  public Integer call() {
    job().run();
    return 0;
  }
}
