package dev.bigbatch.data.bench;

import dev.bigbatch.data.Augmentation;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.BatchDecoder;
import dev.bigbatch.data.Datasets;
import dev.bigbatch.data.DistributedSampler;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.data.Normalization;
import dev.bigbatch.data.Prefetcher;
import dev.bigbatch.data.Split;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decode throughput on Fashion-MNIST: gather + normalise (+ crop/flip) on one thread, for global batches of
 * 256 and 8192 in shuffled order; into a new direct buffer per batch ("new") or one reused buffer ("reuse"),
 * and through a {@link Prefetcher} (depth 4) with and without {@link Prefetcher#recycle}. Usage:
 * {@code java -cp target/classes dev.bigbatch.data.bench.DecodeBench [fashion-mnist-dir] [seconds-per-case]}.
 */
public final class DecodeBench {
  private DecodeBench() {}

  public static void main(String[] args) throws InterruptedException {
    Path dir = args.length > 0 ? Path.of(args[0]) : Datasets.DEFAULT_FASHION_MNIST;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3.0;
    long t0 = System.nanoTime();
    ImageDataset train = Datasets.idx(dir, Split.TRAIN);
    System.out.printf("read %s in %.0f ms%n", train, (System.nanoTime() - t0) / 1e6);
    t0 = System.nanoTime();
    Normalization norm = Normalization.fromData(train);
    System.out.printf("%s computed in %.1f ms%n", norm, (System.nanoTime() - t0) / 1e6);
    System.out.printf("%-28s %5s %11s %10s %10s%n", "mode", "batch", "batches/s", "images/s", "ms/batch");
    Augmentation[] augs = {Augmentation.NONE, new Augmentation(2, true)};
    String[] names = {"plain", "crop2+flip"};
    for (int batch : new int[] {256, 8192}) {
      for (int a = 0; a < augs.length; a++) {
        BatchDecoder decoder = new BatchDecoder(train, norm, augs[a], 1);
        DistributedSampler sampler = new DistributedSampler(train.size(), 1, batch, 1);
        for (boolean reuse : new boolean[] {false, true}) {
          String mode = (reuse ? "reuse " : "new ") + names[a];
          run(mode, batch, seconds / 3, batches(sampler), decoder, reuse); // warm-up
          run(mode, batch, seconds, batches(sampler), decoder, reuse).print();
        }
      }
      DistributedSampler sampler = new DistributedSampler(train.size(), 1, batch, 1);
      for (boolean recycle : new boolean[] {false, true}) {
        prefetch(train, norm, augs[1], sampler, batch, seconds, recycle).print();
      }
    }
  }

  private record Result(String mode, int batch, long batches, long nanos) {
    void print() {
      double perSecond = batches / (nanos / 1e9);
      System.out.printf("%-28s %5d %11.1f %10.0f %10.3f%n", mode, batch, perSecond, perSecond * batch,
          1e3 / perSecond);
    }
  }

  private static Iterator<IndexBatch> batches(DistributedSampler sampler) {
    return sampler.globalBatches(0, 0, Long.MAX_VALUE);
  }

  /** Synchronous decoding, into a new buffer per batch or (reuse) into one buffer allocated up front. */
  private static Result run(String mode, int batch, double seconds, Iterator<IndexBatch> plan,
      BatchDecoder decoder, boolean reuse) {
    FloatBuffer target = BatchDecoder.allocate(batch * decoder.data().exampleSize());
    long sink = 0;
    long count = 0;
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    long now;
    do {
      Batch b = reuse ? decoder.decode(plan.next(), target) : decoder.decode(plan.next());
      sink += Float.floatToRawIntBits(b.images().get(b.count() - 1)); // keep the work observable
      count++;
      now = System.nanoTime();
    } while (now < deadline);
    if (sink == 42) {
      System.out.print("");
    }
    return new Result(mode, batch, count, now - start);
  }

  /** Consumer side of a Prefetcher with depth 4 that only takes batches: the producer's sustained rate. */
  private static Result prefetch(ImageDataset data, Normalization norm, Augmentation aug,
      DistributedSampler sampler, int batch, double seconds, boolean recycle) throws InterruptedException {
    try (Prefetcher p = new Prefetcher(data, norm, aug, 1, 4, batches(sampler))) {
      for (int i = 0; i < 4; i++) {
        p.next();
      }
      long count = 0;
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      long now;
      do {
        Batch b = p.next();
        if (recycle) {
          p.recycle(b);
        }
        count++;
        now = System.nanoTime();
      } while (now < deadline);
      return new Result((recycle ? "prefetch+recycle" : "prefetch") + " crop2+flip", batch, count,
          now - start);
    }
  }
}
