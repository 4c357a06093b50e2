package dev.bigbatch.cli;

import picocli.CommandLine.Command;

/** {@code bigbatch bench …}: benchmarks that print ratios; not part of the test suite. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (step time vs PyTorch, allreduce).",
    subcommands = {BenchStepCommand.class, BenchOpsCommand.class, BenchAllreduceCommand.class})
public final class BenchCommand {}
