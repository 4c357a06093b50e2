package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PrefetcherTest {
  private final ImageDataset data = TestFiles.randomDataset(9, 300, 1, 8, 8, 10);
  private final Normalization norm = Normalization.fromData(data);
  private final Augmentation aug = new Augmentation(2, true);
  private final DistributedSampler sampler = new DistributedSampler(300, 3, 10, 55); // 10 steps/epoch

  private static List<Thread> prefetchThreads() {
    List<Thread> live = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("bigbatch-prefetch-") && t.isAlive()) {
        live.add(t);
      }
    }
    return live;
  }

  @Test
  void sameBatchesInOrderAsSynchronousDecoding() throws InterruptedException {
    BatchDecoder sync = new BatchDecoder(data, norm, aug, 4);
    Iterator<IndexBatch> plan = sampler.shards(2, 1, 5, 4);
    try (Prefetcher p = new Prefetcher(data, norm, aug, 4, 2, sampler.shards(2, 1, 5, 4))) {
      int batches = 0;
      while (p.hasNext()) {
        Batch got = p.next();
        Batch want = sync.decode(plan.next());
        assertEquals(want.epoch(), got.epoch());
        assertEquals(want.stepInEpoch(), got.stepInEpoch());
        assertEquals(want.count(), got.count());
        assertArrayEquals(want.labels(), got.labels());
        assertEquals(want.images(), got.images()); // element-wise FloatBuffer equality
        batches++;
      }
      assertFalse(plan.hasNext());
      assertEquals(25, batches); // epoch 1 from step 5 (5) + epochs 2 and 3 (20)
      assertEquals(25, p.delivered());
      assertThrows(NoSuchElementException.class, p::next);
      assertTrue(p.waitNanos() >= 0);
    }
    assertTrue(prefetchThreads().isEmpty(), "threads left: " + prefetchThreads());
  }

  @Test
  void recycledBuffersAreReusedAndContentsStayCorrect() throws InterruptedException {
    BatchDecoder sync = new BatchDecoder(data, norm, aug, 8);
    Iterator<IndexBatch> plan = sampler.globalBatches(0, 0, 5);
    java.util.Set<java.nio.FloatBuffer> distinct =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    try (Prefetcher p = new Prefetcher(data, norm, aug, 8, 2, sampler.globalBatches(0, 0, 5))) {
      int batches = 0;
      while (p.hasNext()) {
        Batch got = p.next();
        distinct.add(got.images());
        assertEquals(sync.decode(plan.next()).images(), got.images());
        p.recycle(got);
        batches++;
      }
      assertEquals(50, batches);
    }
    // depth 2: at most depth + 2 (queue, producer, pending) + 1 (consumer) buffers ever exist.
    assertTrue(distinct.size() <= 5, "distinct buffers " + distinct.size());
  }

  @Test
  void decodeIntoTargetChecksCapacity() {
    BatchDecoder d = new BatchDecoder(data, norm, aug, 1);
    IndexBatch plan = new IndexBatch(0, 0, new int[] {1, 2, 3});
    assertThrows(IllegalArgumentException.class, () -> d.decode(plan, BatchDecoder.allocate(3 * 64 - 1)));
    java.nio.FloatBuffer big = BatchDecoder.allocate(4 * 64);
    big.position(7);
    Batch b = d.decode(plan, big);
    assertSame(big, b.images());
    assertEquals(0, b.images().position());
    assertEquals(3 * 64, b.images().limit());
    assertEquals(d.decode(plan).images(), b.images());
  }

  @Test
  void closeJoinsAProducerBlockedOnAFullQueue() throws InterruptedException {
    Prefetcher p = new Prefetcher(data, norm, aug, 1, 1, sampler.globalBatches(0, 0, 1000));
    p.next(); // the producer is now refilling and will block on the full queue
    List<Thread> live = prefetchThreads();
    assertEquals(1, live.size());
    p.close();
    assertFalse(live.get(0).isAlive());
    assertTrue(prefetchThreads().isEmpty());
    p.close(); // idempotent
    assertThrows(IllegalStateException.class, p::next);
  }

  @Test
  void closeWaitsForAProducerThatIsSlowToStop() throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    Iterator<IndexBatch> stubborn = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public IndexBatch next() {
        started.countDown();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
        while (System.nanoTime() < until) {
          Thread.onSpinWait(); // ignores interruption for 300 ms, like a long decode would
        }
        return new IndexBatch(0, 0, new int[] {0});
      }
    };
    Prefetcher p = new Prefetcher(data, norm, aug, 1, 1, stubborn);
    started.await();
    List<Thread> live = prefetchThreads();
    p.close();
    assertEquals(1, live.size());
    assertFalse(live.get(0).isAlive(), "close() returned before the thread ended");
  }

  @Test
  void closeFromAnotherThreadWakesABlockedConsumer() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Iterator<IndexBatch> slowPlan = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public IndexBatch next() {
        try {
          release.await(); // never released: the producer sits here until interrupted
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new IndexBatch(0, 0, new int[] {0});
      }
    };
    Prefetcher p = new Prefetcher(data, norm, aug, 1, 1, slowPlan);
    Thread closer = new Thread(() -> {
      sleep(100);
      p.close();
    });
    closer.start();
    long start = System.nanoTime();
    assertThrows(IllegalStateException.class, p::next);
    closer.join();
    assertTrue(prefetchThreads().isEmpty());
    assertTrue(p.waitNanos() >= TimeUnit.MILLISECONDS.toNanos(50), "wait " + p.waitNanos());
    assertTrue(System.nanoTime() - start >= p.waitNanos());
  }

  @Test
  void decodingErrorSurfacesInNext() throws InterruptedException {
    List<IndexBatch> plan = List.of(
        new IndexBatch(0, 0, new int[] {1, 2}),
        new IndexBatch(0, 1, new int[] {3, 300}), // 300 is outside the dataset
        new IndexBatch(0, 2, new int[] {4}));
    try (Prefetcher p = new Prefetcher(data, norm, aug, 1, 2, plan.iterator())) {
      assertArrayEquals(new long[] {data.labels()[1], data.labels()[2]}, p.next().labels());
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, p::next);
      assertTrue(e.getMessage().contains("300"), e.getMessage());
      assertEquals(1, e.getSuppressed().length); // the consumer-side stack is attached
      assertSame(e, assertThrows(IndexOutOfBoundsException.class, p::next)); // stays failed
    }
    assertTrue(prefetchThreads().isEmpty());
  }

  @Test
  void planErrorSurfacesInNext() {
    Iterator<IndexBatch> broken = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public IndexBatch next() {
        throw new DataFormatException(java.nio.file.Path.of("plan"), "boom");
      }
    };
    try (Prefetcher p = new Prefetcher(data, norm, aug, 1, 3, broken)) {
      DataFormatException e = assertThrows(DataFormatException.class, p::next);
      assertEquals("plan: boom", e.getMessage());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
