package dev.bigbatch.cli;

import dev.bigbatch.report.Report;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bigbatch report RUN_DIRS… --out DIR}: PNG plots and an index.html of runs and experiment tables. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Plot runs (training error/loss vs epoch, LR per step, test error vs batch size) and write index.html.")
public final class ReportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run directories, experiment directories of reproduce, or their parent.")
  List<Path> inputs;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "report", description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() {
    List<Report.Section> sections = Report.sections(inputs);
    List<String> pngs = Report.write(sections, out);
    spec.commandLine().getOut().printf("report: %d section(s), %d plots, %s%n", sections.size(), pngs.size(),
        out.resolve("index.html"));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
