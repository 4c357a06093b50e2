package dev.bigbatch.cli;

import dev.bigbatch.comm.bench.AllreduceBench;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code bigbatch bench allreduce}: algorithm and bus bandwidth per size (see bench/allreduce-compare.sh for Gloo). */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
    description = {"Allreduce bandwidth for ring and halving-doubling.",
        "Options: --ranks K (threads over loopback TCP) | --env (one rank per process from BIGBATCH_* env),",
        "  --bytes 4K..256M (4x steps) or a list 4K,1M, --algorithms ring,halving_doubling, --listen HOST,",
        "  --timeout-s S, --chunk-bytes N, --seconds-per-size S,",
        "  --dtypes float32,float16 (fp16 rows: encode + FLOAT16 allreduce + decode of the same float32 bytes)"})
public final class BenchAllreduceCommand implements Callable<Integer> {
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    AllreduceBench.run(AllreduceBench.parse(args.toArray(String[]::new)), System.out);
    return 0;
  }
}
