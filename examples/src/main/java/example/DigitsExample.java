package example;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.job.Job;
import dev.bigbatch.job.JobResult;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.nio.file.Path;

/**
 * Our own CNN on our own data (handwritten 8×8 digits, not Fashion-MNIST), trained with the large-batch recipe: 8
 * workers of 16 (global batch 128), the learning rate scaled linearly from 0.05 at batch 32 to 0.2, a gradual warmup
 * over the first epoch, cosine decay. Run alone it simulates the 8 workers; started as 2 ranks of a job (see
 * {@link TwoProcesses}) each process runs 4 of them, with the same result.
 *
 * <p>Usage: {@code DigitsExample OUT_DIR [digits.csv.gz]}
 */
public final class DigitsExample {
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "runs/digits");
    ImageDataset[] data = Digits.load(args.length > 1 ? Path.of(args[1]) : Digits.DEFAULT);

    JobSpec.Builder spec = JobSpec.builder();
    spec.batch.workers = 8;        // k
    spec.batch.perWorker = 16;     // n: BN statistics per 16 examples
    spec.lr.base = 0.05;           // η0 at the base batch
    spec.lr.baseBatch = 32;        // kη = 0.05 · 128/32 = 0.2
    spec.lr.warmup = LrSpec.Warmup.GRADUAL;
    spec.lr.warmupEpochs = 1;
    spec.lr.decay = LrSpec.Decay.COSINE;
    spec.epochs = 15;
    spec.threads = 1;
    spec.data.augment = false;     // a flipped 2 is not a 2
    spec.output.dir = out;

    JobResult result = Job.of(spec.build())
        .model("digits-cnn", DigitsNet::new)
        .data(data[0], data[1])
        .run();
    if (result.rank() == 0) {
      System.out.printf("digits: test accuracy %.4f after %d epochs (%d processes)%n", result.testAccuracy(),
          result.last().epoch() + 1, result.processes());
    }
  }
}
